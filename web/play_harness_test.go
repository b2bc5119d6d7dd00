package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	agentsecrets "github.com/agentarena/arena/agents/secrets"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/arena/runner"
	"github.com/agentarena/arena/internal/egress"
	"github.com/agentarena/arena/judges"
	"github.com/agentarena/arena/web"
)

// plNode is a cluster member with its contest runner, spectator hub and
// HTTP server on loopback, wired as `arena serve` wires them.
type plNode struct {
	node *arena.Node
	srv  *httptest.Server
	url  string
}

type plOptions struct {
	web      func(*web.Config)
	listener func(net.Listener) net.Listener
	sealer   *agentsecrets.Sealer
	// publicEgress holds the runner and the API to egress.Public, as
	// `arena serve` is by default; else they allow any address, since
	// tests run their agents on loopback. opt.web may change the API's.
	publicEgress bool
	// node lets a test change each node's arena config further.
	node func(i int, cfg *arena.Config)
}

func plCluster(t *testing.T, n int, opt plOptions) (*arenatest.Cluster, []*plNode) {
	t.Helper()
	return plClusterTB(t, n, opt)
}

// plClusterTB is plCluster for tests and benchmarks alike.
func plClusterTB(t testing.TB, n int, opt plOptions) (*arenatest.Cluster, []*plNode) {
	t.Helper()
	nodes := make([]*plNode, n)
	handlers := make([]http.Handler, n)
	var mu sync.Mutex
	for i := range nodes {
		i := i
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			h := handlers[i]
			mu.Unlock()
			if h == nil {
				http.Error(w, "starting", http.StatusServiceUnavailable)
				return
			}
			h.ServeHTTP(w, r)
		}))
		if opt.listener != nil {
			srv.Listener = opt.listener(srv.Listener)
		}
		nodes[i] = &plNode{srv: srv, url: "http://" + srv.Listener.Addr().String()}
	}
	c := arenatest.NewCluster(t, n, arenatest.WithConfig(func(i int, cfg *arena.Config) {
		if i < len(nodes) {
			cfg.HTTPAddr = nodes[i].url
		}
		// As newEnv: 150 ms Raft timeouts flap under -race beside two busy
		// loops (a write to the leader then fails 503 as it steps down),
		// so clusters of several nodes keep Raft's default 1 s.
		cfg.FastTimeouts = n == 1
		if opt.node != nil {
			opt.node(i, cfg)
		}
	}))
	if opt.sealer == nil {
		opt.sealer = testSealer(t)
	}
	policy := egress.Any
	if opt.publicEgress {
		policy = egress.Public
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i, pn := range nodes {
		pn.node = c.Nodes[i]
		r := runner.New(runner.Config{Node: pn.node, Tick: 20 * time.Millisecond, SeedDefaults: true,
			Judges: map[string]runner.Judge{"rubric": judges.NewRubricJudge()}, Sealer: opt.sealer, AgentEgress: policy})
		cfg := web.Config{Node: pn.node, Runner: r, Sealer: opt.sealer, AgentEgress: policy}
		if opt.web != nil {
			opt.web(&cfg)
		}
		s := web.New(cfg)
		mu.Lock()
		handlers[i] = s.Handler()
		mu.Unlock()
		wg.Add(2)
		go func() { defer wg.Done(); r.Run(ctx) }()
		go func() { defer wg.Done(); s.Run(ctx) }()
		pn.srv.Start()
	}
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		for _, pn := range nodes {
			pn.srv.CloseClientConnections()
			pn.srv.Close()
		}
	})
	// The default arenas exist once the first leader has seeded them.
	c.Eventually(10*time.Second, func() error {
		for _, pn := range nodes {
			if _, err := pn.node.Arena("connect4"); err != nil {
				return err
			}
		}
		return nil
	})
	return c, nodes
}

// plHTTP performs a JSON request and decodes a JSON answer.
func plHTTP(t testing.TB, method, url, key string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, url, data, err)
		}
	}
	return resp.StatusCode
}

type plIdentity struct {
	ownerKey string
	agentID  string
	agentKey string
}

// plAgents registers one owner with the named websocket agents.
func plAgents(t testing.TB, base string, names ...string) []plIdentity {
	t.Helper()
	var o struct {
		APIKey string `json:"api_key"`
	}
	if code := plHTTP(t, "POST", base+"/v1/owners", "", map[string]string{"name": "tester"}, &o); code != 201 {
		t.Fatalf("create owner: %d", code)
	}
	var out []plIdentity
	for _, n := range names {
		var a struct {
			Agent struct{ ID string } `json:"agent"`
			Key   string              `json:"agent_key"`
		}
		if code := plHTTP(t, "POST", base+"/v1/agents", o.APIKey, map[string]string{"name": n}, &a); code != 201 {
			t.Fatalf("create agent %s: %d", n, code)
		}
		out = append(out, plIdentity{ownerKey: o.APIKey, agentID: a.Agent.ID, agentKey: a.Key})
	}
	return out
}

// plFrame is one JSON frame from the server.
type plFrame struct {
	Type string
	Raw  json.RawMessage
}

func (f plFrame) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(f.Raw, v); err != nil {
		t.Fatalf("decode %s: %v", f.Raw, err)
	}
}

// plConn is a websocket client that queues every frame it reads.
type plConn struct {
	t      *testing.T
	conn   *websocket.Conn
	frames chan plFrame
	err    chan error // the read error that ended the connection
}

func plDial(t *testing.T, url, key string) *plConn {
	t.Helper()
	h := http.Header{}
	if key != "" {
		h.Set("Authorization", "Bearer "+key)
	}
	conn, resp, err := websocket.DefaultDialer.Dial(strings.Replace(url, "http://", "ws://", 1), h)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (status %d)", url, err, status)
	}
	c := &plConn{t: t, conn: conn, frames: make(chan plFrame, 1024), err: make(chan error, 1)}
	go func() {
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				c.err <- err
				close(c.frames)
				return
			}
			var head struct {
				Type string `json:"type"`
			}
			_ = json.Unmarshal(data, &head)
			c.frames <- plFrame{Type: head.Type, Raw: append(json.RawMessage(nil), data...)}
		}
	}()
	t.Cleanup(func() { conn.Close() })
	return c
}

func (c *plConn) send(v any) {
	c.t.Helper()
	if err := c.conn.WriteJSON(v); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

func (c *plConn) sendRaw(s string) {
	c.t.Helper()
	if err := c.conn.WriteMessage(websocket.TextMessage, []byte(s)); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// expect reads frames until one of the given type arrives.
func (c *plConn) expect(typ string, timeout time.Duration) plFrame {
	c.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case f, ok := <-c.frames:
			if !ok {
				c.t.Fatalf("connection closed while waiting for %s: %v", typ, <-c.err)
			}
			if f.Type == typ {
				return f
			}
		case <-deadline:
			c.t.Fatalf("no %s frame within %v", typ, timeout)
		}
	}
}
