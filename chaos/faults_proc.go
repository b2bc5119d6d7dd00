package chaos

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

func (r *run) killRestart(ctx context.Context, i, leader int) (FaultRecord, error) {
	rec := FaultRecord{Node: r.ps.Nodes[i].ID, Role: role(i, leader)}
	r.log.Info("fault", "kind", "kill -9", "node", rec.Node, "role", rec.Role)
	r.strike(i)
	if err := r.ps.Kill(i); err != nil {
		return rec, err
	}
	d := r.rng.Dur(200*time.Millisecond, 2*time.Second)
	sleepCtx(ctx, d)
	rec.HeldS = d.Seconds()
	return rec, r.ps.Start(i, r.ps.Nodes[r.other(i)].URL(), false)
}

// pause freezes node i with SIGSTOP. Held longer than an election
// timeout, a paused leader is deposed and, resumed, briefly believes it
// still leads; held longer than the forward timeout, requests queued on it
// outlive their clients.
func (r *run) pause(ctx context.Context, i, leader int) (FaultRecord, error) {
	d := r.hold()
	rec := FaultRecord{Node: r.ps.Nodes[i].ID, Role: role(i, leader), HeldS: d.Seconds()}
	r.log.Info("fault", "kind", "pause", "node", rec.Node, "role", rec.Role, "for", d)
	r.strike(i)
	if err := r.ps.Pause(i); err != nil {
		return rec, err
	}
	sleepCtx(ctx, d)
	return rec, r.ps.Resume(i)
}

// sigterm stops node i as an operator would, under load, and restarts it.
func (r *run) sigterm(ctx context.Context, i, leader int) (FaultRecord, error) {
	rec := FaultRecord{Node: r.ps.Nodes[i].ID, Role: role(i, leader)}
	r.log.Info("fault", "kind", "sigterm", "node", rec.Node, "role", rec.Role)
	r.strike(i)
	if err := r.term(i, leader, FaultSigterm); err != nil {
		return rec, err
	}
	sleepCtx(ctx, r.rng.Dur(200*time.Millisecond, time.Second))
	return rec, r.ps.Start(i, r.ps.Nodes[r.other(i)].URL(), false)
}

// rollingRestart restarts every node in turn, the leader last, waiting
// for the cluster to heal between them: the upgrade procedure.
func (r *run) rollingRestart(ctx context.Context, leader int) (FaultRecord, error) {
	rec := FaultRecord{Node: "all", Detail: "followers first, then the leader"}
	r.log.Info("fault", "kind", "rolling restart")
	var order []int
	for i := range r.ps.Nodes {
		if i != leader {
			order = append(order, i)
		}
	}
	order = append(order, leader)
	for k, i := range order {
		// Who leads now decides the role: the earlier restarts may have
		// moved leadership.
		li := leader
		if k > 0 {
			if l, err := r.leaderIndex(ctx); err == nil {
				li = l
			}
		}
		r.strike(i)
		if err := r.term(i, li, FaultRolling); err != nil {
			return rec, err
		}
		if err := r.ps.Start(i, r.ps.Nodes[r.other(i)].URL(), false); err != nil {
			return rec, err
		}
		if k < len(order)-1 {
			if err := r.healed(ctx); err != nil {
				return rec, fmt.Errorf("after restarting %s: %w", r.ps.Nodes[i].ID, err)
			}
		}
	}
	return rec, nil
}

// term sends node i SIGTERM and records how long it took to exit; one
// that overran the deadline is a problem (its goroutines are in its log).
func (r *run) term(i, leader int, cause string) error {
	took, hung, err := r.ps.Stop(i, r.cfg.TermDeadline)
	if err != nil {
		return err
	}
	p := r.ps.Nodes[i]
	r.rep.Terms = append(r.rep.Terms, TermRecord{Node: p.ID, Role: role(i, leader), Cause: cause,
		TookS: took.Seconds(), DeadlineS: r.cfg.TermDeadline.Seconds(), Hung: hung})
	if hung {
		r.problem("%s (%s) did not exit within %s of SIGTERM (%s); goroutine dump in %s",
			p.ID, role(i, leader), r.cfg.TermDeadline, cause, p.LogPath)
	}
	return nil
}

// removeReadd takes member v out of the configuration through another
// node, kills it, wipes its data dir and starts it fresh with --join: the
// way an operator replaces a dead machine.
func (r *run) removeReadd(ctx context.Context, v, leader int) (FaultRecord, error) {
	via := leader
	if via == v {
		via = r.other(v)
	}
	id := r.ps.Nodes[v].ID
	rec := FaultRecord{Node: id, Role: role(v, leader), Detail: "wipe and rejoin"}
	r.log.Info("fault", "kind", "remove and re-add", "node", id, "via", r.ps.Nodes[via].ID)
	r.strike(v)
	rctx, cancel := context.WithTimeout(ctx, r.cfg.HealTimeout)
	defer cancel()
	for attempt := 0; ; attempt++ {
		err := r.cl.at(r.ps.Nodes[via].URL()).RemoveNode(rctx, id, false)
		if err == nil || statusOf(err) == http.StatusNotFound {
			break // 404: an earlier attempt whose answer was lost removed it
		}
		if !retryable(err) {
			return rec, fmt.Errorf("remove %s: %w", id, err)
		}
		if !sleepCtx(rctx, backoff(attempt)) {
			return rec, fmt.Errorf("remove %s: %w", id, err)
		}
		via = r.other(v)
	}
	if err := r.ps.Kill(v); err != nil {
		return rec, err
	}
	if err := r.ps.Wipe(v); err != nil {
		return rec, err
	}
	return rec, r.ps.Start(v, r.ps.Nodes[via].URL(), false)
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
