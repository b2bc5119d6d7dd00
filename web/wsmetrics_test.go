package web_test

import (
	"strings"
	"testing"
)

// TestOperatorMetricsAreExported checks that /metrics carries the series
// docs/alerts.yml alerts on (those that exist before any event happens).
func TestOperatorMetricsAreExported(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1, envConfig{})
	body := string(e.do(t, e.nodes[0], req{method: "GET", path: "/metrics"}).want(t, 200).body)
	for _, name := range []string{
		`arena_websocket_connections{kind="spectator"}`,
		`arena_contests_active{status="running"}`,
		`arena_contests_active{status="judging"}`,
		"arena_fsm_apply_lag",
		"arena_raft_log_entries",
		"arena_raft_last_snapshot_index",
		"arena_raft_snapshot_age_seconds",
		"arena_raft_is_leader",
		"arena_raft_term",
		"arena_raft_leader_changes_observed",
		"arena_raft_propose_seconds",
	} {
		if !strings.Contains(body, "\n"+name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
}
