package web_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/ledger"
)

// TestUIServing checks the spectator UI without a browser: every page path
// answers the shell, assets carry types browsers accept under nosniff, and
// the helper endpoints answer whom they should.
func TestUIServing(t *testing.T) {
	e := newEnv(t, 1, envConfig{})
	n := e.nodes[0]

	t.Run("every page path serves the shell naming the node", func(t *testing.T) {
		for _, p := range []string{"/", "/arenas/connect4", "/contests/c_x", "/contests/c_x/replay", "/agents/ag_x", "/ops"} {
			r := e.do(t, n, req{method: "GET", path: p}).want(t, 200)
			body := string(r.body)
			if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.Contains(body, `src="/ui/js/app.js"`) ||
				!strings.Contains(body, n.node.ID()) || !strings.Contains(body, "<noscript>") {
				t.Errorf("GET %s: %s\n%s", p, r.header.Get("Content-Type"), body)
			}
			if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("GET %s: CSP %q", p, csp)
			}
		}
	})

	t.Run("assets are served with their types and unknown ones are 404", func(t *testing.T) {
		for p, ct := range map[string]string{"/ui/js/app.js": "text/javascript", "/ui/css/app.css": "text/css", "/ui/favicon.svg": "image/svg+xml"} {
			r := e.do(t, n, req{method: "GET", path: p}).want(t, 200)
			if !strings.HasPrefix(r.header.Get("Content-Type"), ct) {
				t.Errorf("GET %s: Content-Type %q, want %s", p, r.header.Get("Content-Type"), ct)
			}
		}
		for _, p := range []string{"/ui/nope.js", "/ui/index.html", "/ui/../ui.go", "/ui/"} {
			e.do(t, n, req{method: "GET", path: p}).want(t, 404)
		}
	})

	t.Run("the home summary lists the arenas and the node", func(t *testing.T) {
		var home struct {
			Cluster struct {
				NodeID string `json:"node_id"`
				Role   string `json:"role"`
			} `json:"cluster"`
			Arenas []json.RawMessage `json:"arenas"`
		}
		r := e.do(t, n, req{method: "GET", path: "/v1/ui/home"}).want(t, 200)
		if err := json.Unmarshal(r.body, &home); err != nil {
			t.Fatal(err)
		}
		if home.Cluster.NodeID != n.node.ID() || home.Cluster.Role != "leader" {
			t.Errorf("cluster line %+v", home.Cluster)
		}
	})

	t.Run("the status line answers anyone and names the node's role", func(t *testing.T) {
		var st struct {
			NodeID string `json:"node_id"`
			Role   string `json:"role"`
			Leader string `json:"leader"`
			Ready  bool   `json:"ready"`
		}
		e.do(t, n, req{method: "GET", path: "/v1/ui/status"}).want(t, 200).decode(t, &st)
		if st.NodeID != n.node.ID() || st.Role != "leader" || st.Leader != n.node.ID() || !st.Ready {
			t.Errorf("status line %+v", st)
		}
	})

	t.Run("the arena list says how to show money", func(t *testing.T) {
		var list struct {
			Arenas   []json.RawMessage `json:"arenas"`
			Queued   map[string]int    `json:"queued"`
			Currency api.Currency      `json:"currency"`
		}
		e.do(t, n, req{method: "GET", path: "/v1/arenas"}).want(t, 200).decode(t, &list)
		if want := (api.Currency{Code: ledger.DefaultCurrency, Exponent: ledger.DefaultExponent}); list.Currency != want {
			t.Errorf("currency %+v, want %+v", list.Currency, want)
		}
	})

	t.Run("trends answer for an arena and 404 for an unknown one", func(t *testing.T) {
		e.do(t, n, req{method: "GET", path: "/v1/arenas/nope/trends"}).want(t, 404)
	})

	t.Run("the cluster view needs the operator token", func(t *testing.T) {
		e.do(t, n, req{method: "GET", path: "/v1/ui/cluster"}).want(t, 401)
		var out struct {
			Nodes []struct {
				ID     string          `json:"id"`
				OK     bool            `json:"ok"`
				Status json.RawMessage `json:"status"`
			} `json:"nodes"`
		}
		r := e.do(t, n, req{method: "GET", path: "/v1/ui/cluster", key: arenatest.OperatorToken}).want(t, 200)
		if err := json.Unmarshal(r.body, &out); err != nil {
			t.Fatal(err)
		}
		if len(out.Nodes) != 1 || !out.Nodes[0].OK || !strings.Contains(string(out.Nodes[0].Status), `"state_hash"`) {
			t.Errorf("cluster view %s", r.body)
		}
	})
}

// TestUIAssetsReferenceNoOtherHost keeps every URL in the embedded pages on
// this node: no CDN fonts, scripts or images.
func TestUIAssetsReferenceNoOtherHost(t *testing.T) {
	// The SVG namespace is an identifier, never fetched.
	url := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	err := filepath.WalkDir("ui", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range url.FindAllString(string(data), -1) {
			if m != "http://www.w3.org" {
				t.Errorf("%s refers to %s", p, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestUILoopbackOnly(t *testing.T) {
	for raw, ok := range map[string]bool{
		"http://127.0.0.1:8080/ui/js/app.js":               true,
		"ws://127.0.0.1:1234/v1/contests/c/stream?since=3": true,
		"http://localhost/":                                true,
		"http://[::1]:80/":                                 true,
		"data:image/svg+xml,abc":                           true,
		"about:blank":                                      true,
		"https://fonts.example.com/font.woff2":             false,
		"http://10.0.0.1/":                                 false,
		"wss://example.org/":                               false,
		"chrome-extension://abc/x.js":                      false,
	} {
		if err := loopbackOnly(raw); (err == nil) != ok {
			t.Errorf("loopbackOnly(%q) = %v, want ok=%v", raw, err, ok)
		}
	}
}
