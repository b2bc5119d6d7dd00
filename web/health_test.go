package web_test

import (
	"strings"
	"testing"
)

func TestHealthAndMetrics(t *testing.T) {
	e := newEnv(t, 1, envConfig{})
	n := e.nodes[0]
	_, key := e.createOwner(t, n, "Hal")
	e.createAgent(t, n, key, "probe")

	t.Run("healthz answers ok with the node id", func(t *testing.T) {
		var h map[string]string
		e.do(t, n, req{method: "GET", path: "/healthz"}).want(t, 200).decode(t, &h)
		if h["status"] != "ok" || h["node_id"] != n.node.ID() {
			t.Errorf("healthz %v", h)
		}
	})

	t.Run("readyz answers ready on a node that leads", func(t *testing.T) {
		var h map[string]any
		e.do(t, n, req{method: "GET", path: "/readyz"}).want(t, 200).decode(t, &h)
		if h["status"] != "ready" || h["node_id"] != n.node.ID() {
			t.Errorf("readyz %v", h)
		}
		for _, f := range []string{"applied_index", "leader_commit_index", "lag", "max_lag"} {
			if _, ok := h[f]; !ok {
				t.Errorf("readyz on the leader lacks %q (a follower's has it): %v", f, h)
			}
		}
	})

	t.Run("HEAD answers like GET without a body", func(t *testing.T) {
		for _, path := range []string{"/", "/healthz", "/readyz", "/livez", "/v1/arenas", "/v1/agents/" + "nope"} {
			get := e.do(t, n, req{method: "GET", path: path})
			head := e.do(t, n, req{method: "HEAD", path: path})
			if head.status != get.status || len(head.body) != 0 || head.header.Get("Content-Type") != get.header.Get("Content-Type") {
				t.Errorf("HEAD %s: %d %q with %d body bytes; GET: %d %q", path, head.status, head.header.Get("Content-Type"), len(head.body), get.status, get.header.Get("Content-Type"))
			}
		}
		if r := e.do(t, n, req{method: "HEAD", path: "/v1/arenas/connect4/live"}); r.status != 405 {
			t.Errorf("HEAD on a stream: %d, want 405", r.status)
		}
	})

	t.Run("the home page is HTML naming the node", func(t *testing.T) {
		r := e.do(t, n, req{method: "GET", path: "/"}).want(t, 200)
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("Content-Type %q", ct)
		}
		if !strings.Contains(string(r.body), n.node.ID()) {
			t.Errorf("home page does not name %s", n.node.ID())
		}
	})

	t.Run("metrics expose the state machine, Raft and HTTP series", func(t *testing.T) {
		r := e.do(t, n, req{method: "GET", path: "/metrics"}).want(t, 200)
		body := string(r.body)
		for _, want := range []string{
			`arena_fsm_commands_total{result="ok",type="agent.create"} 1`,
			`arena_fsm_commands_total{result="ok",type="owner.create"} 1`,
			"arena_raft_state 2",
			"arena_raft_is_leader 1",
			`arena_http_requests_total{method="POST",route="/v1/agents",status="Created"} 1`,
			"arena_http_request_seconds_bucket",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("metrics lack %q", want)
			}
		}
	})
}
