package clienttest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Do sends one request as a raw HTTP client would, for tests that check
// the API's answers byte by byte rather than through package client: body,
// when not "", goes as JSON; key, when not "", as the bearer token; header
// adds or overrides headers. It returns the answer with its body read and
// closed.
func Do(t testing.TB, method, url, key, body string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// JSON sends in as a JSON body (nil: none) and decodes a success into out
// (nil: ignored); an answer of 300 or more fails the test with its body.
func JSON(t testing.TB, method, url, key string, in, out any) {
	t.Helper()
	body := ""
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		body = string(b)
	}
	res, b := Do(t, method, url, key, body, nil)
	if res.StatusCode >= 300 {
		t.Fatalf("%s %s: %s %s", method, url, res.Status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, url, b, err)
		}
	}
}
