package web_test

import (
	"strings"
	"testing"
)

func TestScratch(t *testing.T) {
	e := newEnv(t, 1, envConfig{})
	n := e.nodes[0]
	show := func(r req) { res := e.do(t, n, r); t.Logf("%s %s ct=%q -> %d %s loc=%q", r.method, r.path, r.contentType, res.status, res.body, res.header.Get("Location")) }
	show(req{method: "POST", path: "/v1/owners", body: `{"name":"A"}`, contentType: "Application/JSON"})
	show(req{method: "POST", path: "/v1/owners", body: `{"name":"A"}`, contentType: " "})
	show(req{method: "POST", path: "/v1/owners", body: `{"name":"NoCT"}`, contentType: "x", header: map[string]string{}})
	show(req{method: "GET", path: "/v1/agents/"})
	show(req{method: "GET", path: "/v1/cluster?consistency=" + strings.Repeat("z", 31) + "é"})
	show(req{method: "GET", path: "/v1/owners/"})
	show(req{method: "OPTIONS", path: "/v1/agents"})
	show(req{method: "HEAD", path: "/v1/agents"})
}
