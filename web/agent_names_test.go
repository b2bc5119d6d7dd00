package web_test

import (
	"context"
	"testing"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/arena"
)

// Any owner could name an agent as a built-in bot ("c4-greedy") or with
// an invisible character ("zw\u200b" shows as "zw"), and spectators
// reading a leaderboard by name took it for the other. New and renamed
// agents are now refused such names; the house's own bots keep theirs.
func TestAgentNamesThatPassForAnothersAreRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1, envConfig{})
	n := e.nodes[0]
	if err := n.node.Seed(context.Background(), arena.DefaultArenas(), []arena.BotSpec{{Name: "c4-greedy", Arena: "connect4"}}); err != nil {
		t.Fatal(err)
	}
	_, key := e.createOwner(t, n, "mallory")
	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"a built-in bot's name", `{"name":"c4-greedy"}`, 409, "conflict"},
		{"a built-in bot's name in capitals", `{"name":"C4-Greedy"}`, 409, "conflict"},
		{"a zero-width space", `{"name":"zw\u200b"}`, 400, "invalid"},
		{"a right-to-left override", `{"name":"\u202egreedy"}`, 400, "invalid"},
		{"an honest name", `{"name":"c4-greedy-fan"}`, 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(t, n, req{method: "POST", path: "/v1/agents", key: key, body: tt.body})
			if tt.code == "" {
				r.want(t, tt.status)
				return
			}
			r.wantError(t, tt.status, tt.code)
		})
	}
	t.Run("a rename is held to the same", func(t *testing.T) {
		var created struct {
			Agent    agents.Agent `json:"agent"`
			AgentKey string       `json:"agent_key"`
		}
		e.do(t, n, req{method: "POST", path: "/v1/agents", key: key, body: `{"name":"plain"}`}).want(t, 201).decode(t, &created)
		e.do(t, n, req{method: "PATCH", path: "/v1/agents/" + created.Agent.ID, key: key, body: `{"name":"c4-greedy"}`}).wantError(t, 409, "conflict")
		e.do(t, n, req{method: "PATCH", path: "/v1/agents/" + created.Agent.ID, key: key, body: `{"name":"pla\u200bin"}`}).wantError(t, 400, "invalid")
	})
}

// Owners' display names showed on leaderboards and agent pages were held
// to none of that: "zed\u202e" (a right-to-left override) and "Arena house
// bots" (the built-in bots' owner) signed up, and pages showed the latter's
// agents as the house's. Sign-up now refuses both.
func TestOwnerNamesThatPassForAnothersAreRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1, envConfig{})
	n := e.nodes[0]
	if err := n.node.Seed(context.Background(), arena.DefaultArenas(), []arena.BotSpec{{Name: "c4-greedy", Arena: "connect4"}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"the house's name", `{"name":"Arena house bots"}`, 409, "conflict"},
		{"the house's name in another case", `{"name":"ARENA HOUSE BOTS"}`, 409, "conflict"},
		{"a right-to-left override", `{"name":"zed\u202e"}`, 400, "invalid"},
		{"a zero-width joiner", `{"name":"ma\u200dllory"}`, 400, "invalid"},
		{"an honest name", `{"name":"Arena house bots fan club"}`, 201, ""},
		{"another owner's name (names are display names, not unique)", `{"name":"Arena house bots fan club"}`, 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(t, n, req{method: "POST", path: "/v1/owners", body: tt.body})
			if tt.code == "" {
				r.want(t, tt.status)
				return
			}
			r.wantError(t, tt.status, tt.code)
		})
	}
}
