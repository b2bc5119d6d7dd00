package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/arena/arenatest"
)

// A trainer's typo must not turn into a silently unfiltered (or silently
// empty) export: unknown parameters and unknown arenas are refused by name.
func TestPreferenceExportRefusesTyposByName(t *testing.T) {
	e := newEnv(t, 1, envConfig{})
	n := e.nodes[0]
	op := arenatest.OperatorToken
	e.do(t, n, req{method: "PUT", path: "/v1/arenas/duel", key: op,
		body: `{"game":"prompt","seats":2,"move_deadline_ms":30000}`}).want(t, http.StatusOK)

	refused := []struct {
		name, query string
		status      int
		code        string
		msg         []string
	}{
		{"a misspelt filter", "?min_marign=0.5", 400, "invalid", []string{`"min_marign"`, "min_margin"}},
		{"a parameter of another endpoint", "?cursor=12", 400, "invalid", []string{`"cursor"`, "since"}},
		{"an unknown parameter beside known ones", "?arena=duel&limit=5&arenaa=duel", 400, "invalid", []string{`"arenaa"`}},
		{"an unknown arena", "?arena=dule", 404, "not_found", []string{"dule"}},
		{"a held-out switch that is not a boolean", "?exclude_held_out=maybe", 400, "invalid", []string{"exclude_held_out", "maybe"}},
		{"a cursor past every entry (another cluster's)", "?since=999999999", 400, "invalid", []string{"since 999999999", "newest preference pair (cursor 0)"}},
		// Below the Raft index but past every pair: no export ever handed
		// it out either (a trainer's cursor file from a bigger cluster).
		{"a cursor past every pair", fmt.Sprintf("?since=%d", n.node.AppliedIndex()), 400, "invalid", []string{"newest preference pair (cursor 0)"}},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			e.do(t, n, req{method: "GET", path: "/v1/preferences" + tt.query, key: op}).wantError(t, tt.status, tt.code, tt.msg...)
		})
	}
	for _, q := range []string{"", "?arena=duel", "?arena=duel&format=trl&since=0&limit=10&min_margin=0&chosen_passed=false&exclude_flagged=chosen", "?since=0", "?exclude_held_out=true"} {
		t.Run("accepts "+q, func(t *testing.T) {
			e.do(t, n, req{method: "GET", path: "/v1/preferences" + q, key: op}).want(t, http.StatusOK)
		})
	}
}

// A trainer resumes from the cursor the last page handed back, the newest
// pair's: that is accepted, and one past it is not.
func TestPreferenceCursorBoundIsTheNewestPair(t *testing.T) {
	e := newEnv(t, 1, envConfig{})
	n := e.nodes[0]
	op := arenatest.OperatorToken
	ctx := context.Background()
	e.do(t, n, req{method: "PUT", path: "/v1/arenas/duel", key: op,
		body: `{"game":"prompt","seats":2,"move_deadline_ms":30000}`}).want(t, http.StatusOK)
	if _, err := n.node.CreateOwner(ctx, agents.Owner{ID: "ow_c", Name: "c"}, agents.HashKey("kc")); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"ag_c1", "ag_c2"} {
		if _, err := n.node.CreateAgent(ctx, agents.Agent{ID: id, OwnerID: "ow_c", Name: id, Kind: agents.KindWebsocket}, agents.HashKey(id)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := n.node.CreateContest(ctx, "c_cur", "duel", []string{"ag_c1", "ag_c2"}, 3); err != nil {
		t.Fatal(err)
	}
	for seat, text := range []string{"a careful answer", "meh"} {
		if err := n.node.Move(ctx, "c_cur", []string{"ag_c1", "ag_c2"}[seat], nil, json.RawMessage(fmt.Sprintf(`{"text":%q,"final":true}`, text))); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.node.Judged(ctx, "c_cur", []int{0, 1}, json.RawMessage(`{"judge":"t","scores":[1,0]}`), nil); err != nil {
		t.Fatal(err)
	}
	r := e.do(t, n, req{method: "GET", path: "/v1/preferences", key: op})
	r.want(t, http.StatusOK)
	next := r.header.Get("X-Next-Cursor")
	if next != "1" {
		t.Fatalf("X-Next-Cursor after one pair: %q", next)
	}
	e.do(t, n, req{method: "GET", path: "/v1/preferences?since=" + next, key: op}).want(t, http.StatusOK)
	e.do(t, n, req{method: "GET", path: "/v1/preferences?since=2", key: op}).wantError(t, 400, "invalid", "newest preference pair (cursor 1)")
}

// A deleted arena's pairs stay in the export (DELETE /v1/arenas keeps
// "the preference pairs they produced"), and its name still selects them:
// arena=NAME of a deleted arena was a 404, so a trainer's incremental
// export by arena broke for good with the pairs still there. A name that
// never had a pair is still refused as a typo.
func TestADeletedArenasPairsAreStillExportedByName(t *testing.T) {
	e := newEnv(t, 1, envConfig{})
	n := e.nodes[0]
	op := arenatest.OperatorToken
	ctx := context.Background()
	e.do(t, n, req{method: "PUT", path: "/v1/arenas/duel", key: op,
		body: `{"game":"prompt","seats":2,"move_deadline_ms":30000}`}).want(t, http.StatusOK)
	if _, err := n.node.CreateOwner(ctx, agents.Owner{ID: "ow_d", Name: "d"}, agents.HashKey("kd")); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"ag_d1", "ag_d2"} {
		if _, err := n.node.CreateAgent(ctx, agents.Agent{ID: id, OwnerID: "ow_d", Name: id, Kind: agents.KindWebsocket}, agents.HashKey(id)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := n.node.CreateContest(ctx, "c_del", "duel", []string{"ag_d1", "ag_d2"}, 3); err != nil {
		t.Fatal(err)
	}
	for seat, text := range []string{"a careful answer", "meh"} {
		if err := n.node.Move(ctx, "c_del", []string{"ag_d1", "ag_d2"}[seat], nil, json.RawMessage(fmt.Sprintf(`{"text":%q,"final":true}`, text))); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.node.Judged(ctx, "c_del", []int{0, 1}, json.RawMessage(`{"judge":"t","scores":[1,0]}`), nil); err != nil {
		t.Fatal(err)
	}
	e.do(t, n, req{method: "DELETE", path: "/v1/arenas/duel", key: op}).want(t, http.StatusNoContent)
	r := e.do(t, n, req{method: "GET", path: "/v1/preferences?arena=duel&format=trl", key: op})
	r.want(t, http.StatusOK)
	if got := strings.Count(string(r.body), "\n"); got != 1 || r.header.Get("X-Next-Cursor") != "1" {
		t.Fatalf("the deleted arena's export: %d lines, X-Next-Cursor %q, want its 1 pair:\n%s", got, r.header.Get("X-Next-Cursor"), r.body)
	}
	e.do(t, n, req{method: "GET", path: "/v1/preferences?arena=dule", key: op}).wantError(t, 404, "not_found", "dule")
}
