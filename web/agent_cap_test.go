package web_test

import (
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/agentarena/arena/arena"
)

// TestOwnerAgentCapFromOutside: an owner past the cluster's cap on live
// agents is told so (409 conflict, what to do), through a follower as
// through the leader, and the leader counts the refusal in
// arena_limit_exceeded_total{limit="agents_per_owner"}.
func TestOwnerAgentCapFromOutside(t *testing.T) {
	e := newEnv(t, 3, envConfig{node: func(_ int, c *arena.Config) { c.MaxAgentsPerOwner = 2 }})
	leader, followers := e.leader()
	_, key := e.createOwner(t, followers[0], "Capped")
	a1, _ := e.createAgent(t, followers[0], key, "one")
	e.createAgent(t, leader, key, "two")
	for _, n := range []*testNode{followers[0], leader} {
		e.do(t, n, req{method: http.MethodPost, path: "/v1/agents", key: key, body: `{"name":"three"}`}).
			wantError(t, http.StatusConflict, "conflict", "already has 2 agent(s)", "--max-agents-per-owner")
	}
	if got := limitCount(t, leader.reg, arena.LimitAgentsPerOwner); got != 2 {
		t.Errorf("leader counted %v refusals by agents_per_owner, want 2", got)
	}
	e.do(t, followers[1], req{method: http.MethodDelete, path: "/v1/agents/" + a1.ID, key: key}).want(t, http.StatusNoContent)
	e.createAgent(t, followers[1], key, "three")
}

// limitCount reads arena_limit_exceeded_total{limit=name} from reg.
func limitCount(t *testing.T, reg prometheus.Gatherer, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "arena_limit_exceeded_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "limit" && l.GetValue() == name {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no arena_limit_exceeded_total{limit=%q}", name)
	return 0
}
