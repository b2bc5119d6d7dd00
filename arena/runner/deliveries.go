package runner

import (
	"slices"
	"sync"
	"time"

	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/apperr"
)

// deliveryLog keeps each webhook agent's last calls, in memory on the node
// that made them: a webhook whose turn played no move otherwise shows its
// owner only a missed deadline, as Stripe and GitHub show each webhook's
// recent deliveries for the same reason. Not replicated (a call is not a
// decision), so a new leader starts with an empty log.
type deliveryLog struct {
	mu     sync.Mutex
	agents map[string][]api.Delivery // oldest first, at most maxDeliveries
}

// maxDeliveries is how many calls are kept per agent.
const maxDeliveries = 50

func (l *deliveryLog) add(agentID string, d api.Delivery) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.agents == nil {
		l.agents = map[string][]api.Delivery{}
	}
	ds := append(l.agents[agentID], d)
	if len(ds) > maxDeliveries {
		ds = slices.Delete(ds, 0, len(ds)-maxDeliveries)
	}
	l.agents[agentID] = ds
}

// prune drops the calls kept for agents that gone reports deleted: a deleted
// agent's list can no longer be read (its id answers 404), and agents
// come and go for as long as the leader leads.
func (l *deliveryLog) prune(gone func(agentID string) bool) {
	l.mu.Lock()
	ids := make([]string, 0, len(l.agents))
	for id := range l.agents {
		ids = append(ids, id)
	}
	l.mu.Unlock()
	for _, id := range ids {
		if gone(id) {
			l.mu.Lock()
			delete(l.agents, id)
			l.mu.Unlock()
		}
	}
}

// list is the agent's kept calls, newest first.
func (l *deliveryLog) list(agentID string) []api.Delivery {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := slices.Clone(l.agents[agentID])
	slices.Reverse(out)
	if out == nil {
		out = []api.Delivery{}
	}
	return out
}

// Deliveries lists the calls this node made to a webhook agent, newest
// first (GET /v1/agents/{id}/deliveries).
func (r *Runner) Deliveries(agentID string) []api.Delivery { return r.deliveries.list(agentID) }

// pruneDeliveries forgets the calls of deleted agents, at most once a
// minute (from the leader's sweep).
func (r *Runner) pruneDeliveries(now time.Time) {
	if now.Sub(r.prunedAt) < time.Minute {
		return
	}
	r.prunedAt = now
	r.deliveries.prune(func(agentID string) bool {
		_, err := r.node.GetAgent(agentID)
		return apperr.Is(err, apperr.NotFound)
	})
}
