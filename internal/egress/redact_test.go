package egress

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"https://hooks.example.com/h/SECRETPATH?token=SECRETQUERY", "https://hooks.example.com/…"},
		{"https://u:SECRETPASS@hooks.example.com:8443/", "https://hooks.example.com:8443"},
		{"http://203.0.113.7", "http://203.0.113.7"},
		{"http://203.0.113.7/#SECRETFRAG", "http://203.0.113.7/…"},
		{"::not a url", "…"},
	} {
		t.Run(tc.raw, func(t *testing.T) {
			if got := redacted(tc.raw); got != tc.want {
				t.Errorf("redacted(%q) = %q, want %q", tc.raw, got, tc.want)
			}
		})
	}
	t.Run("a failed call's error keeps its host and cause, not its path or query", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://127.0.0.1:1/h/SECRETPATH?token=SECRETQUERY", nil)
		_, err := http.DefaultClient.Do(req)
		if err == nil {
			t.Skip("something answers on 127.0.0.1:1")
		}
		err = fmt.Errorf("llm: post chat completion: %w", RedactURL(err))
		msg := err.Error()
		if strings.Contains(msg, "SECRET") || !strings.Contains(msg, "http://127.0.0.1:1/…") || !strings.Contains(msg, "refused") {
			t.Errorf("error %q", msg)
		}
	})
	t.Run("other errors pass unchanged", func(t *testing.T) {
		e := errors.New("token=SECRET is not a URL error")
		if got := RedactURL(e); got != e {
			t.Errorf("got %v", got)
		}
	})
}
