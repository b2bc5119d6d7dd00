package client_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/client"
)

func TestResponseBodiesAreBounded(t *testing.T) {
	const limit = 64
	tests := []struct {
		name    string
		status  int
		body    string
		wantErr string
	}{
		{"a body exactly at the limit is read", 200, `{"status":"ok","pad":"` + strings.Repeat("x", limit-24) + `"}`, ""},
		{"a success body over the limit is refused", 200, `{"status":"ok","pad":"` + strings.Repeat("x", limit) + `"}`, "exceeds size limit"},
		{"an error body over the limit is refused too", 500, strings.Repeat("x", limit+1), "exceeds size limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.wantErr == "" && len(tt.body) != limit {
				t.Fatalf("test body is %d bytes, want exactly %d", len(tt.body), limit)
			}
			srv, _ := captureServer(t, tt.status, tt.body)
			c := newClient(t, srv.URL, client.WithMaxResponseBytes(limit))
			err := c.Health(context.Background())
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Health: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestAMalformedSuccessBodyIsADecodeError(t *testing.T) {
	srv, _ := captureServer(t, 200, `{"agent":`)
	_, err := newClient(t, srv.URL).GetAgent(context.Background(), "agt_1")
	if err == nil || !strings.Contains(err.Error(), "decode response") {
		t.Fatalf("err = %v, want a decode error", err)
	}
	if client.IsCode(err, client.CodeInternal) {
		t.Error("a decode failure must not masquerade as a server error")
	}
}

func TestAContextCancelledDuringBackoffStopsRetrying(t *testing.T) {
	srv, requests := captureServer(t, 421, `{"error":{"code":"not_leader","message":"election"}}`)
	c := newClient(t, srv.URL, client.WithNotLeaderRetry(5, time.Hour))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.Health(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
	if time.Since(start) > 5*time.Second || len(requests()) != 1 {
		t.Errorf("took %v and %d requests; want a prompt return after 1", time.Since(start), len(requests()))
	}
}

func TestABasePathPrefixIsKeptInFrontOfEveryRoute(t *testing.T) {
	srv, requests := captureServer(t, 200, `{"agent":{"id":"a b"}}`)
	c := newClient(t, srv.URL+"/arena/")
	if _, err := c.GetAgent(context.Background(), "a b"); err != nil {
		t.Fatal(err)
	}
	if got := requests()[0].uri; got != "/arena/v1/agents/a%20b" {
		t.Errorf("request URI = %q, want /arena/v1/agents/a%%20b", got)
	}
}

func TestAFailureWithoutAnAnswerIsErrNoAnswer(t *testing.T) {
	ctx := context.Background()
	t.Run("a refused connection", func(t *testing.T) {
		srv, _ := captureServer(t, 200, `{}`)
		c := newClient(t, srv.URL, client.WithNotLeaderRetry(0, 0))
		srv.Close()
		err := c.Health(ctx)
		if !errors.Is(err, client.ErrNoAnswer) {
			t.Fatalf("err = %v, want ErrNoAnswer", err)
		}
		var ue *url.Error
		if !errors.As(err, &ue) || err.Error() != ue.Error() {
			t.Errorf("err %q should be the transport's own error %v", err, ue)
		}
	})
	t.Run("an answer is not", func(t *testing.T) {
		srv, _ := captureServer(t, 503, `{"error":{"code":"unavailable","message":"x"}}`)
		if err := newClient(t, srv.URL).Health(ctx); errors.Is(err, client.ErrNoAnswer) || !client.IsCode(err, client.CodeUnavailable) {
			t.Errorf("err = %v, want an unavailable APIError", err)
		}
	})
	t.Run("nor is an answer over the size limit", func(t *testing.T) {
		srv, _ := captureServer(t, 200, strings.Repeat("x", 100))
		if err := newClient(t, srv.URL, client.WithMaxResponseBytes(10)).Health(ctx); errors.Is(err, client.ErrNoAnswer) || err == nil {
			t.Errorf("err = %v, want a size error", err)
		}
	})
}

func TestMetricsAreReturnedAsText(t *testing.T) {
	srv, _ := captureServer(t, 200, "# TYPE arena_up gauge\narena_up 1\n")
	got, err := newClient(t, srv.URL).Metrics(context.Background())
	if err != nil || string(got) != "# TYPE arena_up gauge\narena_up 1\n" {
		t.Errorf("Metrics = %q, %v", got, err)
	}
}
