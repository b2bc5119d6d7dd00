package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/arena/runner"
	"github.com/agentarena/arena/client/clienttest"
	"github.com/agentarena/arena/internal/egress"
	"github.com/agentarena/arena/judges"
	"github.com/agentarena/arena/web"
)

// limNode is one node wired as `arena serve` wires it: contest runner,
// spectator hub, and the web server behind its own http.Server (timeouts)
// and listener (TCP connections per address), all logging into logger.
type limNode struct {
	node *arena.Node
	srv  *web.Server
	ts   *httptest.Server
	url  string
	reg  *prometheus.Registry
}

type limOptions struct {
	web    func(*web.Config)
	logger *slog.Logger
}

func limCluster(t *testing.T, opt limOptions) *limNode {
	t.Helper()
	ln := &limNode{reg: prometheus.NewRegistry()}
	var mu sync.Mutex
	var handler http.Handler
	ln.ts = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := handler
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	ln.url = "http://" + ln.ts.Listener.Addr().String()
	opts := []arenatest.Option{arenatest.WithConfig(func(_ int, c *arena.Config) {
		c.HTTPAddr = ln.url
		c.Registerer = ln.reg
		if opt.logger != nil {
			c.RaftLogLevel = hclog.Debug
		}
	})}
	if opt.logger != nil {
		opts = append(opts, arenatest.WithLogger(opt.logger))
	}
	c := arenatest.NewCluster(t, 1, opts...)
	ln.node = c.Nodes[0]
	r := runner.New(runner.Config{Node: ln.node, Tick: 20 * time.Millisecond, SeedDefaults: true,
		Judges: map[string]runner.Judge{"rubric": judges.NewRubricJudge()}, Logger: opt.logger, Registerer: ln.reg, AgentEgress: egress.Any})
	cfg := web.Config{Node: ln.node, Runner: r, Logger: opt.logger, Gatherer: ln.reg, Registerer: ln.reg, AgentEgress: egress.Any}
	if opt.web != nil {
		opt.web(&cfg)
	}
	ln.srv = web.New(cfg)
	mu.Lock()
	handler = ln.srv.Handler()
	mu.Unlock()
	hs := ln.srv.HTTPServer()
	hs.Handler = ln.ts.Config.Handler
	ln.ts.Config = hs
	ln.ts.Listener = ln.srv.Listener(ln.ts.Listener)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); r.Run(ctx) }()
	go func() { defer wg.Done(); ln.srv.Run(ctx) }()
	ln.ts.Start()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		ln.ts.CloseClientConnections()
		ln.ts.Close()
	})
	c.Eventually(10*time.Second, func() error {
		_, err := ln.node.Arena("connect4")
		return err
	})
	return ln
}

// limitHits reads arena_limit_exceeded_total{limit=name}.
func (ln *limNode) limitHits(t *testing.T, name string) float64 {
	t.Helper()
	return limitCount(t, ln.reg, name)
}

// limDo sends one request; header may carry extra headers.
func limDo(t *testing.T, method, url, key, body string, header map[string]string) resp {
	t.Helper()
	res, b := clienttest.Do(t, method, url, key, body, header)
	return resp{status: res.StatusCode, header: res.Header, body: b}
}
