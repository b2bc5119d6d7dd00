package chaos

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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

// injectFaults runs faults one after another until the deadline, healing
// the cluster after each.
func (r *run) injectFaults(ctx context.Context, deadline time.Time) error {
	for time.Now().Before(deadline) {
		if !sleepCtx(ctx, r.rng.Dur(r.cfg.FaultEvery/2, r.cfg.FaultEvery*3/2)) {
			return ctx.Err()
		}
		if !time.Now().Before(deadline) {
			break
		}
		kind := r.nextFault()
		if err := r.inject(ctx, kind); err != nil {
			return fmt.Errorf("%s: %w", kind, err)
		}
		r.rep.Faults[kind]++
		if err := r.healed(ctx); err != nil {
			r.dumpHung(ctx)
			return fmt.Errorf("heal after %s: %w", kind, err)
		}
	}
	return nil
}

// nextFault draws kinds from a shuffled bag holding each enabled kind
// once, refilled when empty, so even a short run injects every kind.
func (r *run) nextFault() string {
	if len(r.bag) == 0 {
		r.bag = append(r.bag, r.cfg.Faults...)
		for i := len(r.bag) - 1; i > 0; i-- {
			j := r.rng.IntN(i + 1)
			r.bag[i], r.bag[j] = r.bag[j], r.bag[i]
		}
	}
	k := r.bag[0]
	r.bag = r.bag[1:]
	return k
}

func (r *run) inject(ctx context.Context, kind string) error {
	li, err := r.leaderIndex(ctx)
	if err != nil {
		return err
	}
	switch kind {
	case FaultKillLeader:
		return r.killRestart(ctx, li)
	case FaultKillFollower:
		return r.killRestart(ctx, r.other(li))
	case FaultPause:
		victim := li
		if r.rng.IntN(2) == 0 {
			victim = r.other(li)
		}
		// Longer than an election timeout: a paused leader is deposed and,
		// resumed, briefly believes it still leads.
		d := r.rng.Dur(1500*time.Millisecond, 4*time.Second)
		r.log.Info("fault", "kind", kind, "node", r.ps.Nodes[victim].ID, "for", d)
		if err := r.ps.Pause(victim); err != nil {
			return err
		}
		sleepCtx(ctx, d)
		return r.ps.Resume(victim)
	case FaultRemoveReadd:
		return r.removeReadd(ctx, r.rng.IntN(len(r.ps.Nodes)), li)
	}
	return fmt.Errorf("unknown fault %q", kind)
}

// other picks a node other than i at random.
func (r *run) other(i int) int {
	j := r.rng.IntN(len(r.ps.Nodes) - 1)
	if j >= i {
		j++
	}
	return j
}

func (r *run) killRestart(ctx context.Context, i int) error {
	r.log.Info("fault", "kind", "kill -9", "node", r.ps.Nodes[i].ID)
	if err := r.ps.Kill(i); err != nil {
		return err
	}
	sleepCtx(ctx, r.rng.Dur(200*time.Millisecond, 2*time.Second))
	return r.ps.Start(i, r.ps.Nodes[r.other(i)].URL(), false)
}

// removeReadd takes member v out of the configuration through another
// node, kills it, wipes its data dir and starts it fresh with --join: the
// way an operator replaces a dead machine.
func (r *run) removeReadd(ctx context.Context, v, leader int) error {
	via := leader
	if via == v {
		via = r.other(v)
	}
	id := r.ps.Nodes[v].ID
	r.log.Info("fault", "kind", "remove and re-add", "node", id, "via", r.ps.Nodes[via].ID)
	rctx, cancel := context.WithTimeout(ctx, r.cfg.HealTimeout)
	defer cancel()
	for attempt := 0; ; attempt++ {
		err := r.cl.at(r.ps.Nodes[via].URL()).RemoveNode(rctx, id)
		if err == nil || statusOf(err) == http.StatusNotFound {
			break // 404: an earlier attempt whose answer was lost removed it
		}
		if !retryable(err) {
			return fmt.Errorf("remove %s: %w", id, err)
		}
		if !sleepCtx(rctx, backoff(attempt)) {
			return fmt.Errorf("remove %s: %w", id, err)
		}
		via = r.other(v)
	}
	if err := r.ps.Kill(v); err != nil {
		return err
	}
	if err := r.ps.Wipe(v); err != nil {
		return err
	}
	return r.ps.Start(v, r.ps.Nodes[via].URL(), false)
}

// dumpHung has every running node that no longer answers write its
// goroutines to its log, so a deadlock can be read there afterwards.
func (r *run) dumpHung(ctx context.Context) {
	for i, p := range r.ps.Nodes {
		if !p.Running() {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := r.cl.at(p.URL()).Cluster(cctx, false)
		cancel()
		if err != nil {
			r.log.Warn("node does not answer; dumping its goroutines to its log", "node", p.ID, "log", p.LogPath)
			_ = r.ps.Dump(i)
			r.problem("%s hung (goroutine dump in %s)", p.ID, p.LogPath)
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
