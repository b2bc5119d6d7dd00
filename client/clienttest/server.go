// Package clienttest starts a real Arena node with its HTTP API on
// loopback, for tests of code that talks to the API (package client,
// arenactl): real Raft over an in-memory transport, a real bbolt state
// file in a temp dir and the real web server, all closed when the test
// ends. It records the requests that reach the server, so a test can also
// check what a client sent. ServeWithRunner serves a node with its contest
// runner instead, for tests that want contests played; Do sends one raw
// request.
package clienttest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/agentarena/arena/agents/secrets"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/internal/egress"
	"github.com/agentarena/arena/web"
)

// OperatorToken is the bearer token the node accepts as the operator.
const OperatorToken = arenatest.OperatorToken

// maxRecordedBody bounds how much of a request body Requests keeps; the
// server reads the rest as usual.
const maxRecordedBody = 1 << 20

// Request is a request as it reached the server.
type Request struct {
	Method        string
	Path          string
	RawQuery      string
	Authorization string
	ContentType   string
	UserAgent     string
	Body          string
}

// Server is a running node and its HTTP API. Its methods are safe for
// concurrent use.
type Server struct {
	// URL is the API's base URL, "http://127.0.0.1:<port>".
	URL string
	// Node is the node behind the API, for setup the API does not offer
	// (starting a contest, as the matchmaker would).
	Node *arena.Node
	// Cluster is the node's cluster (nil for a leaderless server); a test
	// may add members to it (Cluster.Add), which serve no API.
	Cluster *arenatest.Cluster

	sealer *secrets.Sealer

	mu       sync.Mutex
	requests []Request
}

// NewServer starts a node that bootstraps a one-node cluster, waits until
// it leads and is ready, seeds it as a new cluster is seeded (the default
// arenas and ledger settings, so new owners get the starting grant) and
// serves its API. The node runs no contest runner: no bots, no matchmaker
// starting contests, no deadlines passing, so what a test sees is what it
// did (StartContest starts a contest as the matchmaker would).
func NewServer(t testing.TB) *Server {
	t.Helper()
	ln := listen(t)
	s := &Server{URL: "http://" + ln.Addr().String()}
	reg := prometheus.NewRegistry()
	s.Cluster = arenatest.NewCluster(t, 1, arenatest.WithConfig(func(i int, c *arena.Config) {
		if i == 0 {
			c.HTTPAddr, c.Registerer = s.URL, reg
		}
	}))
	s.Node = s.Cluster.Leader()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Node.Seed(ctx, arena.DefaultArenas(), nil); err != nil {
		t.Fatalf("clienttest: seed: %v", err)
	}
	s.serve(t, ln, reg)
	return s
}

// NewLeaderlessServer starts a node that belongs to no cluster yet: it
// knows no leader, so it answers every write with 421 not_leader and
// /readyz with not_ready, as any node does while an election is under way.
func NewLeaderlessServer(t testing.TB) *Server {
	t.Helper()
	ln := listen(t)
	s := &Server{URL: "http://" + ln.Addr().String()}
	reg := prometheus.NewRegistry()
	_, tr := raft.NewInmemTransport("")
	n, err := arena.Open(arena.Config{NodeID: "node0", DataDir: t.TempDir(), Transport: tr, FastTimeouts: true,
		HTTPAddr: s.URL, OperatorTokenHash: arenatest.OperatorTokenHash, Registerer: reg})
	if err != nil {
		t.Fatalf("clienttest: open node: %v", err)
	}
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Errorf("clienttest: close node: %v", err)
		}
		_ = tr.Close()
	})
	s.Node = n
	s.serve(t, ln, reg)
	return s
}

func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("clienttest: listen: %v", err)
	}
	t.Cleanup(func() { _ = ln.Close() }) // in case serve is never reached
	return ln
}

// serve runs the real web server for s.Node on ln until the test ends, as
// `arena serve` runs it (limits, spectator hub, sealed model keys), minus
// the contest runner, and before the node is closed.
func (s *Server) serve(t testing.TB, ln net.Listener, reg *prometheus.Registry) {
	t.Helper()
	key, err := secrets.NewKey()
	if err != nil {
		t.Fatalf("clienttest: secrets key: %v", err)
	}
	if s.sealer, err = secrets.New(key); err != nil {
		t.Fatalf("clienttest: sealer: %v", err)
	}
	// AgentEgress: tests' agents listen on loopback.
	srv := web.New(web.Config{Node: s.Node, Logger: slog.New(slog.DiscardHandler), Gatherer: reg, Registerer: reg, AgentEgress: egress.Any,
		Sealer: s.sealer, SecretsKey: func() string { return key }})
	hs := srv.HTTPServer()
	hs.Handler = s.record(hs.Handler)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); srv.Run(ctx) }()
	go func() { defer wg.Done(); _ = hs.Serve(srv.Listener(ln)) }()
	t.Cleanup(func() {
		cancel()
		sctx, stop := context.WithTimeout(context.Background(), 5*time.Second)
		defer stop()
		_ = hs.Shutdown(sctx)
		_ = hs.Close()
		wg.Wait()
	})
}

// record keeps each request, body included, before the server sees it.
func (s *Server) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRecordedBody))
		if err != nil {
			http.Error(w, "clienttest: read body: "+err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = readCloser{io.MultiReader(strings.NewReader(string(body)), r.Body), r.Body}
		s.mu.Lock()
		s.requests = append(s.requests, Request{
			Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
			Authorization: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type"),
			UserAgent: r.Header.Get("User-Agent"), Body: string(body),
		})
		s.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

type readCloser struct {
	io.Reader
	io.Closer
}

// Requests returns every request received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// LastRequest returns the most recent request; it is the zero Request when
// none arrived.
func (s *Server) LastRequest() Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) == 0 {
		return Request{}
	}
	return s.requests[len(s.requests)-1]
}

// ModelAPIKey returns the model-endpoint API key stored, sealed, for an
// openai agent ("" when it has none).
func (s *Server) ModelAPIKey(t testing.TB, agentID string) string {
	t.Helper()
	sealed := s.Node.AgentSecret(agentID)
	if sealed == "" {
		return ""
	}
	key, err := s.sealer.Open(sealed, agentID)
	if err != nil {
		t.Fatalf("clienttest: open the key of %s: %v", agentID, err)
	}
	return key
}
