package client_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentarena/arena/client"
)

// An export page refused for the key's request rate (429) is fetched again
// after the server's Retry-After: `arenactl prefs export --page 10` of a
// few thousand pairs stopped half way with "rate_limited", and a trainer
// pulling while an export ran on the same key lost its round. A read of a
// page changes nothing, so asking again is safe; other refusals are not
// retried, and a limit that does not lift ends in the error after a few
// tries.
func TestPreferencesWaitOutTheRateLimit(t *testing.T) {
	for _, tt := range []struct {
		name     string
		limited  int32 // requests answered 429 before the page
		status   int   // the refusal's status
		wantErr  string
		wantHits int32
	}{
		{"one 429 then the page", 1, http.StatusTooManyRequests, "", 2},
		{"a 400 is not retried", 1, http.StatusBadRequest, "invalid", 1},
		{"a limit that does not lift", 100, http.StatusTooManyRequests, "rate_limited", 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if hits.Add(1) <= tt.limited {
					w.Header().Set("Retry-After", "0") // the server says at least 1; 0 keeps the test quick
					w.WriteHeader(tt.status)
					fmt.Fprint(w, `{"error":{"code":"`+map[int]string{429: "rate_limited", 400: "invalid"}[tt.status]+`","message":"no"}}`)
					return
				}
				w.Header().Set("X-Next-Cursor", "7")
				fmt.Fprintln(w, `{"cursor":7,"prompt":"p","chosen":"a","rejected":"b"}`)
			}))
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			page, err := newClient(t, srv.URL).Preferences(ctx, client.PreferenceQuery{})
			switch {
			case tt.wantErr == "" && (err != nil || page.Next != 7 || len(page.Lines) != 1):
				t.Fatalf("page %+v, err %v; want the page after the limit lifted", page, err)
			case tt.wantErr != "" && !client.IsCode(err, tt.wantErr):
				t.Fatalf("err = %v, want %s", err, tt.wantErr)
			}
			if n := hits.Load(); n != tt.wantHits {
				t.Errorf("%d requests, want %d", n, tt.wantHits)
			}
		})
	}
}
