package runner

import (
	"slices"
	"sync"

	"github.com/agentarena/arena/api"
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
