package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/agents/protocol"
	agentsecrets "github.com/agentarena/arena/agents/secrets"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/internal/egress"
	"github.com/agentarena/arena/web"
)

// The harness below starts real nodes (arenatest: real Raft, real bbolt
// files) and serves each through its own web.Server on a loopback
// httptest server, so every test speaks real HTTP to a real cluster.

// forwardedHeader mirrors the unexported constant in forward.go; the wire
// name is part of the protocol between nodes, so a rename must break this.
const forwardedHeader = "X-Arena-Forwarded-By"

// envConfig adjusts a test environment.
type envConfig struct {
	logger       *slog.Logger
	raftLogLevel hclog.Level
	maxBodyBytes int64
	// forwardTimeout, when set, becomes web.Config.ForwardClient's timeout.
	forwardTimeout time.Duration
	requestTimeout time.Duration
	// leaderWait becomes web.Config.LeaderWait.
	leaderWait time.Duration
	// limits, when set, becomes web.Config.Limits (zero fields take the
	// defaults).
	limits web.Limits
	// node lets a test change each node's config further.
	node func(i int, cfg *arena.Config)
	// pprof becomes web.Config.Pprof.
	pprof bool
}

// testNode is one cluster member and the HTTP server in front of it.
type testNode struct {
	node *arena.Node
	srv  *httptest.Server
	web  *web.Server // not Run: a test that needs its poller runs it
	reg  *prometheus.Registry
	// stallForwarded, while positive, delays requests that another node
	// forwarded here (nanoseconds), to simulate a slow leader.
	stallForwarded atomic.Int64
	// forwardedIn counts requests another node forwarded here, and
	// forwardedDone those of them answered.
	forwardedIn, forwardedDone atomic.Int64
}

func (n *testNode) stall(d time.Duration) { n.stallForwarded.Store(int64(d)) }

// env is a running cluster with one HTTP server per node.
type env struct {
	t       testing.TB
	cluster *arenatest.Cluster
	nodes   []*testNode
	client  *http.Client
}

// newEnv starts an n-node cluster. Each node's HTTPAddr is its own
// httptest server's URL: the servers are created unstarted (so their
// addresses are known) before the nodes, and given a handler that
// delegates to the web.Server built once the node exists.
func newEnv(t testing.TB, n int, cfg envConfig) *env {
	t.Helper()
	e := &env{t: t, client: &http.Client{Timeout: 20 * time.Second}}
	handlers := make([]http.Handler, n)
	for i := range n {
		tn := &testNode{reg: prometheus.NewRegistry()}
		tn.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get(forwardedHeader) != "" {
				tn.forwardedIn.Add(1)
			}
			if d := time.Duration(tn.stallForwarded.Load()); d > 0 && r.Header.Get(forwardedHeader) != "" {
				time.Sleep(d)
			}
			handlers[i].ServeHTTP(w, r)
			if r.Header.Get(forwardedHeader) != "" {
				tn.forwardedDone.Add(1)
			}
		}))
		t.Cleanup(tn.srv.Close) // frees the listener if the cluster never starts
		e.nodes = append(e.nodes, tn)
	}
	opts := []arenatest.Option{arenatest.WithConfig(func(i int, c *arena.Config) {
		c.HTTPAddr = "http://" + e.nodes[i].srv.Listener.Addr().String()
		c.Registerer = e.nodes[i].reg
		// These tests pin who leads: 50 ms Raft timeouts flap under -race on
		// a loaded machine, so clusters of several nodes keep Raft's default
		// 1 s timeouts. A lone node cannot lose its own quorum.
		c.FastTimeouts = n == 1
		if cfg.raftLogLevel != hclog.NoLevel {
			c.RaftLogLevel = cfg.raftLogLevel
		}
		if cfg.node != nil {
			cfg.node(i, c)
		}
	})}
	if cfg.logger != nil {
		opts = append(opts, arenatest.WithLogger(cfg.logger))
	}
	e.cluster = arenatest.NewCluster(t, n, opts...)
	// One secrets key for the cluster, as `arena serve` shares one, so
	// webhook secrets and endpoint keys can be sealed on any node.
	sealer := testSealer(t)
	for i, tn := range e.nodes {
		tn.node = e.cluster.Nodes[i]
		wc := web.Config{
			Node: tn.node, Logger: cfg.logger, Gatherer: tn.reg, Registerer: tn.reg,
			MaxBodyBytes: cfg.maxBodyBytes, RequestTimeout: cfg.requestTimeout, Limits: cfg.limits, Sealer: sealer,
			Pprof: cfg.pprof, LeaderWait: cfg.leaderWait,
			// Tests run their agents on loopback.
			AgentEgress: egress.Any,
		}
		if cfg.forwardTimeout > 0 {
			wc.ForwardClient = &http.Client{Timeout: cfg.forwardTimeout}
		}
		tn.web = web.New(wc)
		handlers[i] = tn.web.Handler()
		tn.srv.Start()
		t.Cleanup(tn.srv.Close) // closes the server before the cluster stops
	}
	t.Cleanup(e.client.CloseIdleConnections)
	return e
}

// testSealer is a sealer with a fresh random key.
func testSealer(t testing.TB) *agentsecrets.Sealer {
	t.Helper()
	key, err := agentsecrets.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	s, err := agentsecrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// leader returns the node that leads now, and the others.
func (e *env) leader() (*testNode, []*testNode) {
	e.t.Helper()
	l := e.cluster.Leader()
	var lead *testNode
	var followers []*testNode
	for _, tn := range e.nodes {
		if tn.node == l {
			lead = tn
		} else {
			followers = append(followers, tn)
		}
	}
	return lead, followers
}

// stateHash is the hash of the node's data (not its indexes).
func stateHash(t testing.TB, n *testNode) string {
	t.Helper()
	h, _, err := n.node.FSM().StateHash()
	if err != nil {
		t.Fatalf("state hash of %s: %v", n.node.ID(), err)
	}
	return h
}

// req describes one HTTP request. A non-empty body is sent as
// application/json unless contentType says otherwise.
type req struct {
	method      string
	path        string
	key         string // sent as "Authorization: Bearer <key>" when set
	auth        string // raw Authorization header, overrides key
	body        string
	contentType string
	header      map[string]string
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (e *env) do(t testing.TB, n *testNode, r req) resp {
	t.Helper()
	res, err := e.try(t, n, r)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// try is do for goroutines other than the test's: it returns the error
// instead of failing the test.
func (e *env) try(t testing.TB, n *testNode, r req) (resp, error) {
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr, err := http.NewRequestWithContext(t.Context(), r.method, n.srv.URL+r.path, body)
	if err != nil {
		return resp{}, fmt.Errorf("build %s %s: %w", r.method, r.path, err)
	}
	switch {
	case r.contentType != "":
		hr.Header.Set("Content-Type", r.contentType)
	case r.body != "":
		hr.Header.Set("Content-Type", "application/json")
	}
	switch {
	case r.auth != "":
		hr.Header.Set("Authorization", r.auth)
	case r.key != "":
		hr.Header.Set("Authorization", "Bearer "+r.key)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	res, err := e.client.Do(hr)
	if err != nil {
		return resp{}, fmt.Errorf("%s %s on %s: %w", r.method, r.path, n.node.ID(), err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return resp{}, fmt.Errorf("read %s %s response: %w", r.method, r.path, err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: b}, nil
}

// want fails the test unless the response has the given status.
func (r resp) want(t testing.TB, status int) resp {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body: %s", r.status, status, r.body)
	}
	return r
}

// decode strictly decodes a JSON response body into v.
func (r resp) decode(t testing.TB, v any) {
	t.Helper()
	if err := strictJSON(r.body, v); err != nil {
		t.Fatalf("decode response %s: %v", r.body, err)
	}
}

func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return io.ErrUnexpectedEOF // any trailing data is a malformed body
	}
	return nil
}

// wantError asserts the documented error shape {"error":{"code","message"}}
// with the given status and code, and a message containing each of msg.
func (r resp) wantError(t testing.TB, status int, code string, msg ...string) web.ErrorDetail {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type %q, want application/json", ct)
	}
	var eb web.ErrorBody
	if err := strictJSON(r.body, &eb); err != nil {
		t.Fatalf("error body %s is not {\"error\":{\"code\",\"message\"}}: %v", r.body, err)
	}
	if string(eb.Error.Code) != code {
		t.Errorf("error code %q, want %q (message %q)", eb.Error.Code, code, eb.Error.Message)
	}
	if eb.Error.Message == "" {
		t.Error("error message is empty")
	}
	for _, m := range msg {
		if !strings.Contains(eb.Error.Message, m) {
			t.Errorf("error message %q does not mention %q", eb.Error.Message, m)
		}
	}
	if status == http.StatusUnauthorized && r.header.Get("WWW-Authenticate") == "" {
		t.Error("401 without a WWW-Authenticate header")
	}
	return eb.Error
}

// Response shapes, mirrored from web's unexported types.
type ownerBody struct {
	Owner  agents.Owner `json:"owner"`
	APIKey string       `json:"api_key,omitempty"`
}

type agentBody struct {
	Agent         agents.Agent `json:"agent"`
	AgentKey      string       `json:"agent_key,omitempty"`
	WebhookSecret string       `json:"webhook_secret,omitempty"`
	OwnerName     string       `json:"owner_name,omitempty"`
	// Queued is GET /v1/agents/{id}'s, for the owner and the operator.
	Queued *[]protocol.QueuedIn `json:"queued,omitempty"`
	// Connection is GET /v1/agents/{id}'s for a websocket agent, for the
	// owner and the operator.
	Connection *connBody `json:"connection,omitempty"`
}

type agentList struct {
	Agents     []agents.Agent `json:"agents"`
	NextCursor string         `json:"next_cursor,omitempty"`
	OwnerName  string         `json:"owner_name,omitempty"`
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// createOwner signs up an owner on node n and returns it with its key.
func (e *env) createOwner(t testing.TB, n *testNode, name string) (agents.Owner, string) {
	t.Helper()
	var ob ownerBody
	e.do(t, n, req{method: http.MethodPost, path: "/v1/owners",
		body: mustJSON(t, map[string]string{"name": name, "email": strings.ToLower(name) + "@example.test"})}).
		want(t, http.StatusCreated).decode(t, &ob)
	if ob.Owner.ID == "" || !strings.HasPrefix(ob.APIKey, agents.OwnerKeyPrefix) {
		t.Fatalf("created owner %+v with key %q", ob.Owner, ob.APIKey)
	}
	return ob.Owner, ob.APIKey
}

// createAgent registers a websocket agent for the owner holding ownerKey.
func (e *env) createAgent(t testing.TB, n *testNode, ownerKey, name string) (agents.Agent, string) {
	t.Helper()
	var ab agentBody
	e.do(t, n, req{method: http.MethodPost, path: "/v1/agents", key: ownerKey,
		body: mustJSON(t, map[string]string{"name": name})}).
		want(t, http.StatusCreated).decode(t, &ab)
	if ab.Agent.ID == "" || !strings.HasPrefix(ab.AgentKey, agents.AgentKeyPrefix) {
		t.Fatalf("created agent %+v with key %q", ab.Agent, ab.AgentKey)
	}
	return ab.Agent, ab.AgentKey
}

// eventually retries f every 10 ms until it returns nil, failing t after
// timeout. Only for conditions with no event to wait on (elections).
func eventually(t testing.TB, timeout time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %v", timeout, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
