package web_test

import (
	"fmt"
	"net/http"
	"testing"

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
		{"a cursor past every entry (another cluster's)", "?since=999999999", 400, "invalid", []string{"since 999999999", "newest entry"}},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			e.do(t, n, req{method: "GET", path: "/v1/preferences" + tt.query, key: op}).wantError(t, tt.status, tt.code, tt.msg...)
		})
	}
	newest := n.node.AppliedIndex()
	for _, q := range []string{"", "?arena=duel", "?arena=duel&format=trl&since=0&limit=10&min_margin=0&chosen_passed=false&exclude_flagged=chosen",
		fmt.Sprintf("?since=%d", newest)} {
		t.Run("accepts "+q, func(t *testing.T) {
			e.do(t, n, req{method: "GET", path: "/v1/preferences" + q, key: op}).want(t, http.StatusOK)
		})
	}
}
