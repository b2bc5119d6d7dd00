package web_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/web"
)

func TestCrossSiteWritesAreRefused(t *testing.T) {
	ln := limCluster(t, limOptions{web: func(c *web.Config) { c.AllowedOrigins = []string{"https://ui.example.test"} }})
	self := ln.url // the origin of pages this node serves
	signup := `{"name":"csrf"}`
	cases := []struct {
		name   string
		header map[string]string
		status int
	}{
		{"an API client (no Origin, no Sec-Fetch-Site) may write", nil, 201},
		{"a page of this node may write", map[string]string{"Origin": self, "Sec-Fetch-Site": "same-origin"}, 201},
		{"an older browser's same-origin request (Origin only) may write", map[string]string{"Origin": self}, 201},
		{"a typed URL or bookmark (Sec-Fetch-Site none) may write", map[string]string{"Sec-Fetch-Site": "none"}, 201},
		{"an allowed origin may write", map[string]string{"Origin": "https://ui.example.test", "Sec-Fetch-Site": "cross-site"}, 201},
		{"another site's page may not", map[string]string{"Origin": "https://evil.example.test", "Sec-Fetch-Site": "cross-site"}, 403},
		{"another site's page in an older browser may not", map[string]string{"Origin": "https://evil.example.test"}, 403},
		{"a sibling subdomain may not", map[string]string{"Sec-Fetch-Site": "same-site"}, 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := limDo(t, "POST", ln.url+"/v1/owners", "", signup, tc.header)
			if tc.status == 403 {
				r.wantError(t, 403, "forbidden", "cross-origin request refused")
				return
			}
			r.want(t, tc.status)
		})
	}
	t.Run("a cross-site write with a bearer key is refused too", func(t *testing.T) {
		limDo(t, "PUT", ln.url+"/v1/ledger/settings", arenatest.OperatorToken, `{}`,
			map[string]string{"Origin": "https://evil.example.test", "Sec-Fetch-Site": "cross-site"}).
			wantError(t, 403, "forbidden", "cross-origin")
	})
	t.Run("cross-site reads are answered (they change nothing)", func(t *testing.T) {
		limDo(t, "GET", ln.url+"/v1/arenas", "", "", map[string]string{"Origin": "https://evil.example.test", "Sec-Fetch-Site": "cross-site"}).want(t, 200)
	})
}

func TestWebsocketOriginCheck(t *testing.T) {
	ln := limCluster(t, limOptions{web: func(c *web.Config) { c.AllowedOrigins = []string{"https://ui.example.test"} }})
	live := ln.url + "/v1/arenas/connect4/live"
	for _, tc := range []struct {
		name   string
		origin string
		ok     bool
	}{
		{"a client without Origin (an agent, a CLI) connects", "", true},
		{"a page of this node connects", ln.url, true},
		{"an allowed origin connects", "https://ui.example.test", true},
		{"another site's page is refused", "https://evil.example.test", false},
		{"a look-alike host is refused", "http://" + strings.TrimPrefix(ln.url, "http://") + ".evil.example.test", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.origin != "" {
				h.Set("Origin", tc.origin)
			}
			conn, status, body, err := wsDial(live, "", h)
			if tc.ok {
				if err != nil {
					t.Fatalf("refused: %d %s %v", status, body, err)
				}
				conn.Close()
				return
			}
			if err == nil {
				conn.Close()
				t.Fatal("a foreign origin opened a websocket")
			}
			if status != 403 || !strings.Contains(string(body), `"code":"forbidden"`) {
				t.Fatalf("foreign origin: %d %s, want a 403 JSON error", status, body)
			}
		})
	}
	t.Run("agents connect from a foreign origin only without one", func(t *testing.T) {
		ids := newIdentities(t, ln.node, 0)
		_, status, _, err := wsDial(ln.url+"/v1/agents/connect", ids.keys[agentKey], http.Header{"Origin": {"https://evil.example.test"}})
		if err == nil || status != 403 {
			t.Fatalf("agent connect with a foreign Origin: %d %v, want 403", status, err)
		}
		conn, status, body, err := wsDial(ln.url+"/v1/agents/connect", ids.keys[agentKey], nil)
		if err != nil {
			t.Fatalf("agent connect: %d %s %v", status, body, err)
		}
		conn.Close()
	})
}

// keyLike matches anything shaped like an arena credential.
var keyLike = regexp.MustCompile(`\bar(o|a|op|t)_[A-Z2-7]{16,}`)

// TestPagesCarryNoSecrets: the HTML and assets are the same for every
// visitor and hold no key, token or key-shaped string.
func TestPagesCarryNoSecrets(t *testing.T) {
	ln := limCluster(t, limOptions{})
	var paths []string
	for _, r := range ln.srv.Routes() {
		if r.Method == "GET" && !strings.HasPrefix(r.Path, "/v1/") && !strings.Contains(r.Path, "*") && r.Path != "/metrics" {
			paths = append(paths, strings.NewReplacer(":id", "x", ":name", "connect4").Replace(r.Path))
		}
	}
	paths = append(paths, "/ui/js/app.js", "/ui/js/ops.js", "/ui/js/util.js", "/ui/css/app.css")
	for _, p := range paths {
		res, err := http.Get(ln.url + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		text := string(b)
		if strings.Contains(text, arenatest.OperatorToken) || keyLike.MatchString(text) {
			t.Errorf("%s carries a credential", p)
		}
		if strings.Contains(strings.ToLower(text), "<script>") {
			t.Errorf("%s has an inline script", p)
		}
	}
}
