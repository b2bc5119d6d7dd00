package webhook_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentarena/arena/agents/protocol"
	"github.com/agentarena/arena/agents/webhook"
	"github.com/agentarena/arena/internal/egress"
)

// Any owner could point a webhook at the arena's own network (a database
// console on 127.0.0.1, the cloud metadata at 169.254.169.254) and read
// the first 200 bytes of its answer in the deliveries log. Under
// egress.Public such a call is never made: the dial is refused, the
// server is not reached, and the error says why and names the flag.
func TestPublicPolicyRefusesInternalAddresses(t *testing.T) {
	var reached atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		io.WriteString(w, `{"internal_admin_token": "s3cr3t"}`)
	}))
	defer srv.Close()
	port := strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)
	tests := []struct {
		name, url, want string
	}{
		{"a loopback address", srv.URL + "/turn",
			"webhook_url host 127.0.0.1 is a loopback address; this arena calls only public addresses (its operator allows others with --agent-egress=any)"},
		{"a name that resolves to loopback", "http://localhost:" + port + "/turn",
			"webhook_url host localhost resolves to "},
		{"the cloud metadata address", "http://169.254.169.254/latest/meta-data/",
			"webhook_url host 169.254.169.254 is a link-local address (the range of cloud metadata services such as 169.254.169.254); this arena calls only public addresses"},
		{"a private address", "http://10.1.2.3:" + port + "/",
			"webhook_url host 10.1.2.3 is a private address (RFC 1918); this arena calls only public addresses"},
	}
	c := webhook.New(nil, egress.Public)
	for _, tt := range tests {
		t.Run(tt.name+" is not called", func(t *testing.T) {
			move, call, err := c.Move(context.Background(), tt.url, "whsec_x", turn(time.Now().Add(5*time.Second)))
			if err == nil || move != nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("move %s, err %v; want an error starting %q", move, err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cr3t") || call.Status != 0 {
				t.Fatalf("the owner would read the internal answer: status %d, %v", call.Status, err)
			}
			_, err = c.Notify(context.Background(), tt.url, "whsec_x", protocol.ContestEnd{Type: protocol.TypeContestEnd, Contest: "c_1"})
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("contest_end: err %v; want %q", err, tt.want)
			}
		})
	}
	if n := reached.Load(); n != 0 {
		t.Fatalf("the internal server was reached %d times", n)
	}
	t.Run("egress.Any calls it", func(t *testing.T) {
		_, call, err := webhook.New(nil, egress.Any).Move(context.Background(), srv.URL, "", turn(time.Now().Add(5*time.Second)))
		if call.Status != http.StatusOK || err == nil || !strings.Contains(err.Error(), "it has no move") {
			t.Fatalf("status %d, err %v", call.Status, err)
		}
	})
	t.Run("a client given by the caller is held to the policy too", func(t *testing.T) {
		_, _, err := webhook.New(srv.Client(), egress.Public).Move(context.Background(), srv.URL, "", turn(time.Now().Add(5*time.Second)))
		if err == nil || !strings.Contains(err.Error(), "is a loopback address") {
			t.Fatalf("err %v", err)
		}
		if n := reached.Load(); n != 1 {
			t.Fatalf("the server was reached %d times, want 1 (by egress.Any)", n)
		}
	})
}
