package httpjson_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/agentarena/arena/internal/httpjson"
)

func TestPost(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "not a JSON POST", http.StatusBadRequest)
			return
		}
		switch r.URL.Path {
		case "/echo":
			w.Write([]byte(`{"got":` + string(b) + `,"auth":"` + r.Header.Get("Authorization") + `"}`))
		case "/long":
			http.Error(w, strings.Repeat("x", 1000), http.StatusConflict)
		default:
			w.Write([]byte(`not json`))
		}
	}))
	defer srv.Close()
	type answer struct {
		Got  map[string]string `json:"got"`
		Auth string            `json:"auth"`
	}
	for _, tc := range []struct {
		name, path, bearer string
		out                *answer
		wantErr            string
		want               answer
	}{
		{name: "decodes the answer", path: "/echo", out: &answer{}, want: answer{Got: map[string]string{"a": "b"}}},
		{name: "sends the bearer", path: "/echo", bearer: "k", out: &answer{}, want: answer{Got: map[string]string{"a": "b"}, Auth: "Bearer k"}},
		{name: "nil out discards the answer", path: "/other"},
		{name: "bad answer is an error", path: "/other", out: &answer{}, wantErr: "invalid character"},
		{name: "refusal carries the start of the answer", path: "/long", wantErr: "409 " + strings.Repeat("x", 300)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out any
			if tc.out != nil {
				out = tc.out
			}
			err := httpjson.Post(context.Background(), srv.Client(), srv.URL+tc.path, tc.bearer, map[string]string{"a": "b"}, out)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), strings.Repeat("x", 301)) {
					t.Fatalf("err carries more than 300 bytes of the answer: %d", len(err.Error()))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.out != nil && (tc.out.Auth != tc.want.Auth || tc.out.Got["a"] != tc.want.Got["a"]) {
				t.Fatalf("out = %+v, want %+v", *tc.out, tc.want)
			}
		})
	}
}
