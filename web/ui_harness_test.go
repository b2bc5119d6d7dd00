package web_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/gorilla/websocket"

	"github.com/agentarena/arena/agents/bots"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/arena/runner"
	"github.com/agentarena/arena/judges"
	"github.com/agentarena/arena/web"
)

// The browser tests drive a real headless Chromium against real nodes
// whose built-in bots play, as `make run` does, only faster. Each node's
// HTTP server can be stopped and started again on the same address, which
// is how a spectator experiences a node going away and coming back.

// uiBotDelay paces the bots: slow enough that a connect4 game lasts a few
// seconds (so a page can watch moves arrive), fast enough that contests
// settle often.
const uiBotDelay = 250 * time.Millisecond

// uiNode is a cluster member with a contest runner and a restartable HTTP
// server on a fixed loopback address.
type uiNode struct {
	t      testing.TB
	node   *arena.Node
	runner *runner.Runner
	addr   string // host:port
	url    string

	mu     sync.Mutex
	ln     net.Listener // the first listener, taken before the node exists
	hs     *http.Server
	cancel context.CancelFunc
	done   chan struct{}
}

// uiCluster starts n nodes with bots playing and an HTTP server each.
func uiCluster(t testing.TB, n int) (*arenatest.Cluster, []*uiNode) {
	t.Helper()
	nodes := make([]*uiNode, n)
	for i := range nodes {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		nodes[i] = &uiNode{t: t, ln: ln, addr: addr, url: "http://" + addr}
	}
	c := arenatest.NewCluster(t, n, arenatest.WithConfig(func(i int, cfg *arena.Config) {
		cfg.HTTPAddr = nodes[i].url
		// Several nodes keep Raft's default timeouts: 50 ms ones flap on a
		// loaded two-core machine, and these tests want a steady leader.
		cfg.FastTimeouts = n == 1
	}))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i, un := range nodes {
		un.node = c.Nodes[i]
		var list []runner.Bot
		for _, b := range bots.All(uint64(i + 1)) {
			list = append(list, b)
		}
		un.runner = runner.New(runner.Config{Node: un.node, Bots: list, BotDelay: uiBotDelay,
			Tick: 20 * time.Millisecond, SeedDefaults: true,
			Judges: map[string]runner.Judge{"rubric": judges.NewRubricJudge()}})
		wg.Add(1)
		go func() { defer wg.Done(); un.runner.Run(ctx) }()
		un.startHTTP()
	}
	t.Cleanup(func() {
		for _, un := range nodes {
			un.stopHTTP()
		}
		cancel()
		wg.Wait()
	})
	c.Eventually(20*time.Second, func() error {
		for _, un := range nodes {
			if _, err := un.node.Arena("connect4"); err != nil {
				return err
			}
		}
		return nil
	})
	return c, nodes
}

// startHTTP serves a fresh web.Server for the node on its address; a
// no-op while it serves.
func (n *uiNode) startHTTP() {
	n.t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.hs != nil { // already serving (a cleanup after the test restarted it)
		return
	}
	ln := n.ln
	n.ln = nil
	if ln == nil {
		// The address was ours a moment ago; retry briefly in case the
		// kernel has not released it yet.
		var err error
		for try := 0; try < 50; try++ {
			if ln, err = net.Listen("tcp", n.addr); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			n.t.Fatalf("listen again on %s: %v", n.addr, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := web.New(web.Config{Node: n.node, Runner: n.runner})
	n.hs = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	n.cancel, n.done = cancel, make(chan struct{})
	done := n.done
	go func() { defer close(done); s.Run(ctx) }()
	go func() { _ = n.hs.Serve(ln) }()
}

// stopHTTP takes the node's HTTP face down: the listener closes, and the
// spectator hub stops, which closes every open stream, as a crash would.
// The node itself keeps running and applying the log.
func (n *uiNode) stopHTTP() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.hs == nil {
		return
	}
	n.cancel()
	<-n.done
	_ = n.hs.Close()
	n.hs = nil
}

// chromiumPath finds the browser: $ARENA_CHROMIUM, then the usual names.
func chromiumPath() string {
	if p := os.Getenv("ARENA_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser is one headless Chromium for a test, recording every request
// its pages make and every script error they raise.
type browser struct {
	t   *testing.T // the test that failures are reported to; see on
	ctx context.Context
	rec *recorder
}

// recorder collects what every tab of the browser did.
type recorder struct {
	mu       sync.Mutex
	requests []string
	errors   []string
	// refused lists the pages' API requests the node answered 400: the
	// lists refuse a query parameter they do not know and a malformed
	// cursor or limit, so a page that builds one gets an error, not data.
	refused []string
}

// on returns the browser reporting to t: a subtest must fail itself, not
// its parent.
func (b *browser) on(t *testing.T) *browser {
	c := *b
	c.t = t
	return &c
}

// newBrowser starts Chromium. A missing browser fails the test with what
// to install, unless ARENA_SKIP_BROWSER=1 says to skip browser tests.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("ARENA_SKIP_BROWSER") == "1" {
			t.Skip("no Chromium found and ARENA_SKIP_BROWSER=1")
		}
		t.Fatal("the browser tests need Chromium: install it (Debian/Ubuntu: apt-get install chromium), " +
			"point ARENA_CHROMIUM at it, or set ARENA_SKIP_BROWSER=1 to skip these tests")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.WindowSize(1280, 900),
	}
	b := &browser{t: t, rec: &recorder{}}
	// Chromium now and then exits before it listens ("chrome failed to
	// start", seen once in a clean clone's make test beside another
	// suite's browsers): that says nothing about the page, so a start is
	// tried three times, each in a fresh profile.
	var err error
	for try := range 3 {
		if try > 0 {
			opts = append(opts, chromedp.UserDataDir(t.TempDir()))
			time.Sleep(time.Second)
		}
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(actx, chromedp.WithListener(b.rec.listen))
		if err = chromedp.Do(ctx); err == nil {
			t.Cleanup(func() { cancelCtx(); cancelAlloc() })
			b.ctx = ctx
			return b
		}
		cancelCtx()
		cancelAlloc()
	}
	t.Fatalf("start Chromium (%s), three tries: %v", path, err)
	return nil
}

// tab opens another tab of the same browser, recorded like the first.
func (b *browser) tab() context.Context {
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithListener(b.rec.listen))
	b.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatalf("open a tab: %v", err)
	}
	return ctx
}

// listen runs on chromedp's reader goroutine: record and return at once.
func (r *recorder) listen(ev any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		r.requests = append(r.requests, e.Request.URL)
	case *network.EventWebSocketCreated:
		r.requests = append(r.requests, e.URL)
	case *network.EventResponseReceived:
		if u, err := url.Parse(e.Response.URL); err == nil && e.Response.Status == http.StatusBadRequest && strings.HasPrefix(u.Path, "/v1/") {
			r.refused = append(r.refused, u.RequestURI())
		}
	case *runtime.EventExceptionThrown:
		msg := e.ExceptionDetails.Text
		if e.ExceptionDetails.Exception != nil && e.ExceptionDetails.Exception.Description != "" {
			msg += ": " + e.ExceptionDetails.Exception.Description
		}
		r.errors = append(r.errors, msg)
	}
}

// checkLoopback fails the test on any request that left loopback, on any
// uncaught script error, and on any API request of the pages' own that
// the node refused as malformed (400).
func (b *browser) checkLoopback() {
	b.t.Helper()
	b.rec.mu.Lock()
	defer b.rec.mu.Unlock()
	if len(b.rec.requests) == 0 {
		b.t.Error("no requests were recorded: the request check saw nothing")
	}
	for _, raw := range b.rec.requests {
		if err := loopbackOnly(raw); err != nil {
			b.t.Errorf("a page made a request off loopback: %v", err)
		}
	}
	for _, e := range b.rec.errors {
		b.t.Errorf("uncaught script error: %s", e)
	}
	for _, u := range b.rec.refused {
		b.t.Errorf("a page asked %s and the node refused it as malformed (400)", u)
	}
}

// loopbackOnly accepts URLs that stay on this machine or in the page.
func loopbackOnly(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("unparsable URL %q", raw)
	}
	switch u.Scheme {
	case "data", "blob", "about":
		return nil
	case "http", "https", "ws", "wss":
		switch u.Hostname() {
		case "127.0.0.1", "localhost", "::1":
			return nil
		}
	}
	return errors.New(raw)
}

// run runs actions on ctx with a deadline, failing the test on error.
func (b *browser) run(ctx context.Context, what string, timeout time.Duration, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := chromedp.Do(tctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression on ctx.
func evalJS[T any](b *browser, ctx context.Context, expr string) T {
	b.t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(tctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitJS polls a JavaScript predicate until it is truthy.
func (b *browser) waitJS(ctx context.Context, what, expr string, timeout time.Duration) {
	b.t.Helper()
	b.run(ctx, "wait for "+what, timeout+5*time.Second,
		chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
}

// shoot saves a screenshot of the page at a width when ARENA_SCREENSHOTS
// names a directory (make screenshots); plain test runs write nothing.
func (b *browser) shoot(ctx context.Context, name string, width, height int64) {
	b.t.Helper()
	dir := os.Getenv("ARENA_SCREENSHOTS")
	if dir == "" {
		return
	}
	b.run(ctx, "resize for "+name, 10*time.Second, chromedp.EmulateViewport(width, height))
	time.Sleep(600 * time.Millisecond) // let the layout settle
	// A disc caught mid-fall looks like a glitch in a still picture.
	b.run(ctx, "finish animations", 10*time.Second, chromedp.Evaluate[chromedp.Void](`document.getAnimations().forEach(a => { if (isFinite(a.effect.getComputedTiming().endTime)) a.finish(); })`))
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(tctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	file := fmt.Sprintf("%s/%s-%d.png", strings.TrimRight(dir, "/"), name, width)
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.run(ctx, "reset viewport", 10*time.Second, chromedp.EmulateViewport(1280, 900))
}

// uiSecret is text only the slow writer's answers contain, so a test can
// tell whether a page shows an answer before it may.
const uiSecret = "slowly-written-secret"

// slowWriter plays the prompt arena through the agent websocket, writing
// each answer in chunks a few hundred milliseconds apart: the bots answer
// at once, so without it no prompt contest stays running long enough to
// be watched. It queues again after every contest until ctx ends; the
// returned agent id identifies its contests.
func slowWriter(ctx context.Context, t *testing.T, leader *uiNode, pace time.Duration) string {
	t.Helper()
	id := plAgents(t, leader.url, "slow-writer")[0]
	conn, _, err := websocket.DefaultDialer.Dial(strings.Replace(leader.url, "http://", "ws://", 1)+"/v1/agents/connect",
		http.Header{"Authorization": {"Bearer " + id.agentKey}})
	if err != nil {
		t.Fatalf("connect the slow writer: %v", err)
	}
	var wmu sync.Mutex
	send := func(v any) {
		wmu.Lock()
		defer wmu.Unlock()
		_ = conn.WriteJSON(v)
	}
	go func() { <-ctx.Done(); conn.Close() }()
	go func() {
		send(map[string]string{"type": "queue", "arena": "prompt"})
		for {
			var f struct {
				Type    string `json:"type"`
				Contest string `json:"contest"`
				Game    string `json:"game"`
			}
			if err := conn.ReadJSON(&f); err != nil {
				return
			}
			switch {
			case f.Type == "contest_start" && f.Game == "prompt":
				go func(contest string) {
					for i := range 6 {
						select {
						case <-ctx.Done():
							return
						case <-time.After(pace):
						}
						send(map[string]string{"type": "chunk", "contest": contest, "text": fmt.Sprintf("Part %d of an answer that is %s. ", i+1, uiSecret)})
					}
					send(map[string]string{"type": "final", "contest": contest, "text": "Done."})
				}(f.Contest)
			case f.Type == "contest_end":
				send(map[string]string{"type": "queue", "arena": "prompt"})
			}
		}
	}()
	return id.agentID
}
