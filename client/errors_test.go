package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/agentarena/arena/client"
)

func TestNonSuccessResponsesBecomeAPIErrors(t *testing.T) {
	longHTML := "<html>\n<body>\n<h1>Internal Server Error</h1>\n" + strings.Repeat("<p>stack frame</p>\n", 40) + "</body></html>"
	tests := []struct {
		name        string
		status      int
		body        string
		wantCode    string
		wantMessage string
	}{
		{
			name:   "the server's code and message are reported as sent",
			status: 404, body: `{"error":{"code":"not_found","message":"agent agt_9 not found"}}`,
			wantCode: "not_found", wantMessage: "agent agt_9 not found",
		},
		{
			name:   "the code in the body wins over the one implied by the status",
			status: 400, body: `{"error":{"code":"too_large","message":"description too long"}}`,
			wantCode: "too_large", wantMessage: "description too long",
		},
		{
			name:   "an error object without a code takes the status's code",
			status: 403, body: `{"error":{"message":"not your agent"}}`,
			wantCode: "forbidden", wantMessage: "not your agent",
		},
		{
			name:   "an error object without a message takes the status text",
			status: 409, body: `{"error":{"code":"conflict"}}`,
			wantCode: "conflict", wantMessage: "conflict",
		},
		{
			name:   "a plain-text proxy error falls back to the status's code and the text",
			status: 502, body: "Bad Gateway\n",
			wantCode: "unavailable", wantMessage: "Bad Gateway",
		},
		{
			name:   "JSON of another shape is shown verbatim as the message",
			status: 400, body: `{"detail":"bad"}`,
			wantCode: "invalid", wantMessage: `{"detail":"bad"}`,
		},
		{
			name:   "an empty body falls back to the status text",
			status: 429, body: "",
			wantCode: "rate_limited", wantMessage: "too many requests",
		},
		{
			name:   "a status the API does not use gets an http_ code",
			status: 418, body: "",
			wantCode: "http_418", wantMessage: "i'm a teapot",
		},
		{
			name:   "binary garbage is not echoed into the message",
			status: 500, body: "\xff\xfe\x00junk",
			wantCode: "internal", wantMessage: "internal server error",
		},
		{
			name:   "a long HTML page is collapsed onto one line and truncated",
			status: 500, body: longHTML,
			wantCode: "internal", wantMessage: "<html> <body> <h1>Internal Server Error</h1> <p>stack frame</p>",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}))
			defer srv.Close()
			c := newClient(t, srv.URL, client.WithNotLeaderRetry(0, 0))

			_, err := c.GetAgent(context.Background(), "agt_9")

			var apiErr *client.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v (%T), want *client.APIError", err, err)
			}
			if apiErr.Status != tt.status || apiErr.Code != tt.wantCode {
				t.Errorf("got status %d code %q, want %d %q", apiErr.Status, apiErr.Code, tt.status, tt.wantCode)
			}
			if !strings.HasPrefix(apiErr.Message, tt.wantMessage) {
				t.Errorf("message = %q, want prefix %q", apiErr.Message, tt.wantMessage)
			}
			if len(apiErr.Message) > 210 || strings.Contains(apiErr.Message, "\n") {
				t.Errorf("message is not a short single line: %q", apiErr.Message)
			}
		})
	}
}

func TestAPIErrorIsUsableWithTheErrorsPackage(t *testing.T) {
	base := &client.APIError{Status: 404, Code: client.CodeNotFound, Message: "agent agt_1 not found"}
	wrapped := fmt.Errorf("show agent: %w", base)
	tests := []struct {
		name string
		err  error
		code string
		want bool
	}{
		{"a bare APIError matches its own code", base, client.CodeNotFound, true},
		{"a wrapped APIError still matches its code", wrapped, client.CodeNotFound, true},
		{"an APIError does not match another code", base, client.CodeConflict, false},
		{"a non-API error matches no code", errors.New("connection refused"), client.CodeNotFound, false},
		{"a nil error matches no code", nil, client.CodeNotFound, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := client.IsCode(tt.err, tt.code); got != tt.want {
				t.Errorf("IsCode(%v, %q) = %v, want %v", tt.err, tt.code, got, tt.want)
			}
		})
	}
	t.Run("the error text names the code, status and message", func(t *testing.T) {
		want := "arena: not_found (HTTP 404): agent agt_1 not found"
		if got := base.Error(); got != want {
			t.Errorf("Error() = %q, want %q", got, want)
		}
	})
}
