package boot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentarena/arena/arena/boot"
)

// raftPort listens on loopback as a member's Raft port does for an HTTP
// request: it reads what the client sends and closes the connection
// without answering (with unread bytes, the kernel resets it). From
// the first n connections it does so; later ones, if any, get answer.
func raftPort(t *testing.T, n int64, answer http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var seen atomic.Int64
	srv := &http.Server{Handler: answer}
	t.Cleanup(func() { ln.Close(); srv.Close() })
	conns := make(chan net.Conn)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(conns)
				return
			}
			if seen.Add(1) > n && answer != nil {
				conns <- c
				continue
			}
			buf := make([]byte, 1)
			_, _ = c.Read(buf) // the first byte: not a Raft RPC type
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			c.Close()
		}
	}()
	go func() { _ = srv.Serve(chanListener{conns, ln.Addr()}) }()
	return "http://" + ln.Addr().String()
}

// chanListener serves the connections raftPort passes on.
type chanListener struct {
	c    chan net.Conn
	addr net.Addr
}

func (l chanListener) Accept() (net.Conn, error) {
	c, ok := <-l.c
	if !ok {
		return nil, net.ErrClosed
	}
	return c, nil
}
func (l chanListener) Close() error   { return nil }
func (l chanListener) Addr() net.Addr { return l.addr }

// notArena is an HTTP server that is no arena node (a web server's 404
// page for every path).
func notArena(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("<html><body><h1>Error response</h1><p>File not found.</p></body></html>"))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// A --join that names a member's Raft port (etcd operators give peer
// URLs) or a server that is no arena node waited a whole minute in
// silence, then said only "no answer within 1m0s ... connection reset by
// peer" (or quoted a 404 page). Both checks a joining node makes now
// refuse such an address after a few tries, saying --join takes the
// member's HTTP URL, not its Raft address; a member that resets one
// connection as it goes down, and answers after, is still waited for.
func TestAJoinAddressThatIsNoMembersHTTPIsRefused(t *testing.T) {
	cluster, _ := json.Marshal(map[string]any{"node_id": "n1", "cluster_id": "c1", "nodes": []map[string]any{{"id": "n1", "suffrage": "Voter"}}})
	member := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			_, _ = w.Write([]byte(`{"nodes":[{"id":"n1"},{"id":"n2"}]}`))
			return
		}
		_, _ = w.Write(cluster)
	})
	tests := []struct {
		name string
		via  func(t *testing.T) string
		want string // "" for success
	}{
		{"a member's Raft port", func(t *testing.T) string { return raftPort(t, 1<<30, nil) },
			"does not answer HTTP (3 tries in a row"},
		{"an HTTP server that is no arena node", notArena, "with HTTP 404, a route every arena node serves"},
		{"a member that resets one connection and then answers", func(t *testing.T) string { return raftPort(t, 1, member) }, ""},
	}
	checks := []struct {
		name string
		run  func(ctx context.Context, cfg boot.JoinConfig) error
	}{
		{"the empty-voter check", func(ctx context.Context, cfg boot.JoinConfig) error {
			_, err := boot.CheckEmptyVoter(ctx, cfg)
			return err
		}},
		{"the join", boot.Join},
	}
	for _, tt := range tests {
		for _, check := range checks {
			t.Run(tt.name+", "+check.name, func(t *testing.T) {
				via := tt.via(t)
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				// A patience far beyond the test's wait: a refusal must
				// come from the answers, not from giving up.
				err := check.run(ctx, boot.JoinConfig{Via: via, OperatorToken: "aop_token", NodeID: "n2", RaftAddr: "127.0.0.1:7002",
					HTTPAddr: "http://127.0.0.1:8082", Patience: time.Hour, Backoff: time.Millisecond})
				if tt.want == "" {
					if err != nil {
						t.Fatalf("err = %v, want none", err)
					}
					return
				}
				if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "not its --raft-addr") ||
					!strings.HasPrefix(err.Error(), "join "+via+": ") {
					t.Fatalf("err = %v, want one naming %s, containing %q and the advice", err, via, tt.want)
				}
			})
		}
	}
}

// While the member --join names does not answer, the empty-voter check
// said nothing for a minute (the node looked hung); it now logs that it
// waits, and its final error says what to check.
func TestTheEmptyVoterCheckSaysWhatItWaitsFor(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	via := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there: connection refused
	var logs bytes.Buffer
	_, err = boot.CheckEmptyVoter(context.Background(), boot.JoinConfig{Via: via, NodeID: "n2", RaftAddr: "127.0.0.1:7002",
		Patience: 200 * time.Millisecond, Backoff: time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err == nil || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "is a member running there?") {
		t.Fatalf("err = %v, want the last error and what to check", err)
	}
	if !strings.Contains(logs.String(), "waiting for the member --join names to answer") {
		t.Errorf("nothing logged while waiting:\n%s", logs.String())
	}
}
