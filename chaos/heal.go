package chaos

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/agentarena/arena/client"
)

// leaderWatch counts leadership changes seen by polling the nodes: each
// new (leader, term) pair after the first is one change.
type leaderWatch struct {
	mu    sync.Mutex
	terms map[uint64]string
}

func (l *leaderWatch) see(term uint64, id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.terms == nil {
		l.terms = map[uint64]string{}
	}
	l.terms[term] = id
}

func (l *leaderWatch) changes() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return max(len(l.terms)-1, 0)
}

// watchLeader polls every live node's view of the leader until ctx ends.
func (r *run) watchLeader(ctx context.Context) {
	for {
		for _, p := range r.ps.Nodes {
			if !p.Running() || p.Paused() {
				continue
			}
			cctx, cancel := context.WithTimeout(ctx, time.Second)
			st, err := r.cl.at(p.URL()).Cluster(cctx, false)
			cancel()
			if err == nil && st.State == client.StateLeader {
				r.leader.see(st.Term, st.NodeID)
			}
		}
		if !sleepCtx(ctx, 200*time.Millisecond) {
			return
		}
	}
}

// leaderIndex asks the live nodes who leads.
func (r *run) leaderIndex(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.HealTimeout)
	defer cancel()
	for {
		for i, p := range r.ps.Nodes {
			if !p.Running() || p.Paused() {
				continue
			}
			cctx, c2 := context.WithTimeout(ctx, 2*time.Second)
			st, err := r.cl.at(p.URL()).Cluster(cctx, false)
			c2()
			if err == nil && st.State == client.StateLeader {
				return i, nil
			}
		}
		if !sleepCtx(ctx, 100*time.Millisecond) {
			return 0, errors.New("no leader found")
		}
	}
}

// healed waits until every node runs, is ready, sees the same leader and a
// configuration of every node as a voter.
func (r *run) healed(ctx context.Context) error {
	all := make([]int, len(r.ps.Nodes))
	for i := range all {
		all[i] = i
	}
	return r.waitNodes(ctx, all, len(r.ps.Nodes))
}

func (r *run) waitNodes(ctx context.Context, idx []int, members int) error {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.HealTimeout)
	defer cancel()
	var last error
	for {
		last = r.nodesAgree(ctx, idx, members)
		if last == nil {
			return nil
		}
		for _, i := range idx {
			if dead, err := r.ps.Nodes[i].Exited(); dead {
				return fmt.Errorf("%s exited on its own: %v (see %s)", r.ps.Nodes[i].ID, err, r.ps.Nodes[i].LogPath)
			}
		}
		if !sleepCtx(ctx, 200*time.Millisecond) {
			return fmt.Errorf("not healed: %w", last)
		}
	}
}

func (r *run) nodesAgree(ctx context.Context, idx []int, members int) error {
	leader := ""
	for _, i := range idx {
		p := r.ps.Nodes[i]
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		rd, err := r.cl.at(p.URL()).Ready(cctx)
		ok := err == nil && rd.IsReady()
		st, err := r.cl.at(p.URL()).Cluster(cctx, false)
		cancel()
		if !ok {
			return fmt.Errorf("%s not ready", p.ID)
		}
		if err != nil {
			return fmt.Errorf("%s status: %w", p.ID, err)
		}
		if st.Leader == nil {
			return fmt.Errorf("%s knows no leader", p.ID)
		}
		if leader == "" {
			leader = st.Leader.ID
		} else if st.Leader.ID != leader {
			return fmt.Errorf("%s sees leader %s, another node %s", p.ID, st.Leader.ID, leader)
		}
		voters := 0
		for _, m := range st.Nodes {
			if m.Suffrage == "Voter" {
				voters++
			}
		}
		if voters != members {
			return fmt.Errorf("%s sees %d voters, want %d", p.ID, voters, members)
		}
	}
	return nil
}
