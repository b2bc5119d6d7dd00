package chaos

import (
	"context"
	"fmt"
	"time"
)

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
		at := time.Duration(r.hist.now())
		rec, err := r.inject(ctx, kind)
		rec.Kind, rec.AtS = kind, at.Seconds()
		if err != nil {
			return fmt.Errorf("%s: %w", kind, err)
		}
		r.rep.Faults[kind]++
		err = r.healed(ctx)
		r.strike()
		healedAt := time.Duration(r.hist.now())
		rec.HealedS = (healedAt - at).Seconds()
		r.rep.FaultLog = append(r.rep.FaultLog, rec)
		r.log.Info("healed", "kind", kind, "node", rec.Node, "detail", rec.Detail, "after", (healedAt - at).Round(time.Millisecond))
		if err != nil {
			r.dumpHung(ctx)
			return fmt.Errorf("heal after %s: %w", kind, err)
		}
	}
	return nil
}

// measureGaps fills each fault's write gap from the history, once the
// load has stopped and every acknowledgement is in.
func (r *run) measureGaps() {
	for i := range r.rep.FaultLog {
		f := &r.rep.FaultLog[i]
		from := time.Duration(f.AtS * float64(time.Second))
		to := from + time.Duration(f.HealedS*float64(time.Second))
		f.WriteGapS = r.hist.writeGap(from, to, false).Seconds()
		f.ClusterGapS = r.hist.writeGap(from, to, true).Seconds()
	}
}

// nextFault draws kinds from a shuffled bag holding each enabled kind
// once, refilled when empty, so even a short run injects every kind.
func (r *run) nextFault() string { return r.draw(&r.bag, r.cfg.Faults) }

// draw takes the next item of a shuffled bag of all, refilling it when
// empty: every item comes up once before any comes up twice.
func (r *run) draw(bag *[]string, all []string) string {
	if len(*bag) == 0 {
		*bag = append(*bag, all...)
		b := *bag
		for i := len(b) - 1; i > 0; i-- {
			j := r.rng.IntN(i + 1)
			b[i], b[j] = b[j], b[i]
		}
	}
	k := (*bag)[0]
	*bag = (*bag)[1:]
	return k
}

func (r *run) inject(ctx context.Context, kind string) (FaultRecord, error) {
	li, err := r.leaderIndex(ctx)
	if err != nil {
		return FaultRecord{}, err
	}
	// victim is the leader and a follower in turn for each kind, so even
	// a short run strikes both roles.
	victim := li
	if r.turns[kind]%2 == 1 {
		victim = r.other(li)
	}
	r.turns[kind]++
	switch kind {
	case FaultKillLeader:
		return r.killRestart(ctx, li, li)
	case FaultKillFollower:
		return r.killRestart(ctx, r.other(li), li)
	case FaultPause:
		return r.pause(ctx, victim, li)
	case FaultRemoveReadd:
		return r.removeReadd(ctx, r.rng.IntN(len(r.ps.Nodes)), li)
	case FaultSigterm:
		return r.sigterm(ctx, victim, li)
	case FaultRolling:
		return r.rollingRestart(ctx, li)
	case FaultPartition:
		return r.partition(ctx, li)
	case FaultSlowNet:
		return r.slowNetwork(ctx)
	}
	return FaultRecord{}, fmt.Errorf("unknown fault %q", kind)
}

// other picks a node other than i at random.
func (r *run) other(i int) int {
	j := r.rng.IntN(len(r.ps.Nodes) - 1)
	if j >= i {
		j++
	}
	return j
}

// role names what node i was when struck (leader -1: no load, no role).
func role(i, leader int) string {
	if leader < 0 {
		return ""
	}
	if i == leader {
		return "leader"
	}
	return "follower"
}

// hold draws how long a pause, partition or slow network lasts.
func (r *run) hold() time.Duration { return r.rng.Dur(r.cfg.PauseMin, r.cfg.PauseMax) }
