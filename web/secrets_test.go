package web_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/internal/syncbuf"
)

// secrets collects every credential a test has handled, so bodies and logs
// can be searched for each one and for its SHA-256 hash (the at-rest form).
type secrets map[string]string // value -> what it is

func (s secrets) add(what, key string) {
	s[key] = what
	s[agents.HashKey(key)] = what + " hash"
}

// leaks names every secret that appears in text.
func (s secrets) leaks(text string) []string {
	var found []string
	for v, what := range s {
		if strings.Contains(text, v) {
			found = append(found, what)
		}
	}
	return found
}

func TestKeysNeverLeak(t *testing.T) {
	t.Parallel() // three nodes mostly wait on elections; overlap them
	var logs syncbuf.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newEnv(t, 3, envConfig{logger: logger, raftLogLevel: hclog.Debug, maxBodyBytes: 4096})
	leader, followers := e.leader()
	f1, f2 := followers[0], followers[1]

	sec := secrets{}
	sec.add("operator token", arenatest.OperatorToken)
	const wrongKey = "aro_thisisnotakeybutstillasecretxyz"
	sec.add("wrong key", wrongKey)

	// A full flow through the leader and both followers, errors included.
	ownerA, keyA := e.createOwner(t, f1, "Alice")
	sec.add("owner A key", keyA)
	ownerB, keyB := e.createOwner(t, leader, "Bob")
	sec.add("owner B key", keyB)
	agentA, agentKeyA := e.createAgent(t, f2, keyA, "alpha")
	sec.add("agent A key", agentKeyA)
	agentB, agentKeyB := e.createAgent(t, leader, keyB, "bravo")
	sec.add("agent B key", agentKeyB)
	doomed, doomedKey := e.createAgent(t, f1, keyA, "doomed")
	sec.add("deleted agent key", doomedKey)

	flow := []struct {
		n      *testNode
		r      req
		status int
	}{
		{f1, req{method: "PATCH", path: "/v1/agents/" + agentA.ID, key: keyA, body: `{"description":"v2"}`}, 200},
		{f2, req{method: "PATCH", path: "/v1/agents/" + agentA.ID, key: keyB, body: `{"name":"mine"}`}, 403},
		{leader, req{method: "DELETE", path: "/v1/agents/" + agentA.ID, key: keyB}, 403},
		{f1, req{method: "GET", path: "/v1/owners/me", key: wrongKey}, 401},
		{f2, req{method: "POST", path: "/v1/agents", key: wrongKey, body: `{"name":"x"}`}, 401},
		{leader, req{method: "GET", path: "/v1/owners/me", auth: "Token " + keyA}, 401},
		{f1, req{method: "POST", path: "/v1/agents", key: keyA, body: `{"name":`}, 400},
		{f2, req{method: "POST", path: "/v1/agents", key: keyA, body: `{"name":"alpha"}`}, 409},
		{f2, req{method: "POST", path: "/v1/agents", key: keyA, body: `{"name":"` + strings.Repeat("x", 5000) + `"}`}, 413},
		{f1, req{method: "POST", path: "/v1/agents", key: agentKeyA, body: `{"name":"x"}`}, 403},
		{f1, req{method: "POST", path: "/v1/owners", body: `{"name":"Eve","api_key":"` + wrongKey + `"}`}, 400},
		{leader, req{method: "GET", path: "/v1/owners/" + ownerA.ID, key: keyB}, 403},
		{f2, req{method: "GET", path: "/v1/owners/" + ownerB.ID, key: arenatest.OperatorToken}, 200},
		{f1, req{method: "POST", path: "/v1/cluster/join", key: arenatest.OperatorToken, body: `{}`}, 400},
		{f2, req{method: "DELETE", path: "/v1/cluster/nodes/nodeX", key: arenatest.OperatorToken}, 404},
		{f2, req{method: "POST", path: "/v1/cluster/join", key: keyA, body: `{}`}, 403},
		{f1, req{method: "DELETE", path: "/v1/agents/" + doomed.ID, key: keyA}, 204},
		{f2, req{method: "GET", path: "/v1/agents?consistency=linearizable", key: doomedKey}, 401},
		{f1, req{method: "GET", path: "/v1/nope?key=" + keyA, key: keyA}, 404},
		{f1, req{method: "PUT", path: "/v1/agents/" + agentA.ID, key: keyA, body: `{}`}, 405},
		{f2, req{method: "GET", path: "/v1/agents?consistency=strong", key: keyA}, 400},
		{f2, req{method: "POST", path: "/v1/owners", key: keyA, body: `{"name":"x"}`,
			header: map[string]string{forwardedHeader: "node9"}}, 421},
	}
	for _, s := range flow {
		if r := e.do(t, s.n, s.r); r.status != s.status {
			t.Fatalf("%s %s on %s: status %d, want %d; body %s", s.r.method, s.r.path, s.n.node.ID(), r.status, s.status, r.body)
		}
	}

	t.Run("no read route shows a key or its hash to anyone", func(t *testing.T) {
		paths := []string{
			"/", "/healthz", "/readyz", "/metrics",
			"/v1/cluster", "/v1/cluster?consistency=linearizable",
			"/v1/owners/me", "/v1/owners/" + ownerA.ID, "/v1/owners/" + ownerB.ID,
			"/v1/agents", "/v1/agents?owner=me", "/v1/agents?owner=" + ownerA.ID + "&limit=1",
			"/v1/agents/" + agentA.ID, "/v1/agents/" + agentB.ID, "/v1/agents/" + doomed.ID,
		}
		callers := []string{"", keyA, keyB, agentKeyA, arenatest.OperatorToken}
		for _, n := range e.nodes {
			for _, p := range paths {
				for _, key := range callers {
					r := e.do(t, n, req{method: "GET", path: p, key: key})
					if r.status >= 500 {
						t.Errorf("GET %s on %s: status %d: %s", p, n.node.ID(), r.status, r.body)
					}
					var hdrs strings.Builder
					_ = r.header.Write(&hdrs)
					if found := sec.leaks(string(r.body) + hdrs.String()); len(found) > 0 {
						t.Errorf("GET %s on %s as %q shows %v", p, n.node.ID(), sec[key], found)
					}
				}
			}
		}
	})

	t.Run("no log line holds a key or its hash", func(t *testing.T) {
		e.cluster.WaitConverged()
		out := logs.String()
		if !strings.Contains(out, "route=/v1/agents/:id") || !strings.Contains(out, "forwarded=true") {
			t.Fatalf("the captured log lacks the expected access lines; is the logger wired? got %d bytes", len(out))
		}
		if found := sec.leaks(out); len(found) > 0 {
			t.Errorf("logs contain %v", found)
		}
	})

	t.Run("responses at creation are the only place keys appear", func(t *testing.T) {
		// The same flow's creation responses did carry the keys; a body that
		// hides keys everywhere would make the checks above vacuous.
		var ob ownerBody
		e.do(t, f2, req{method: http.MethodPost, path: "/v1/owners", body: `{"name":"Zed"}`}).want(t, 201).decode(t, &ob)
		if ob.APIKey == "" || strings.Contains(logs.String(), ob.APIKey) {
			t.Errorf("creation returned key %q; in logs: %v", ob.APIKey, strings.Contains(logs.String(), ob.APIKey))
		}
	})
}
