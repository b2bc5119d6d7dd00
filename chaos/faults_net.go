package chaos

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Partition shapes.
const (
	isolateLeader   = "isolate-leader"   // the leader cut off both ways
	isolateFollower = "isolate-follower" // a follower cut off both ways
	splitMinority   = "split"            // a random minority apart from the rest
	deafLeader      = "deaf-leader"      // the leader hears nobody, everyone hears it
	muteLeader      = "mute-leader"      // the leader reaches nobody, everyone reaches it
)

var partitionShapes = []string{isolateLeader, isolateFollower, splitMinority, deafLeader, muteLeader}

// partition cuts Raft links in one of partitionShapes for a hold, then
// heals them.
func (r *run) partition(ctx context.Context, leader int) (FaultRecord, error) {
	shape := r.draw(&r.shapes, partitionShapes)
	d := r.hold()
	rec := FaultRecord{Detail: shape, HeldS: d.Seconds()}
	switch shape {
	case isolateLeader:
		rec.Node, rec.Role = r.ps.Nodes[leader].ID, "leader"
		r.strike(leader)
		r.net.split([]int{leader})
	case isolateFollower:
		f := r.other(leader)
		rec.Node, rec.Role = r.ps.Nodes[f].ID, "follower"
		r.strike(f)
		r.net.split([]int{f})
	case splitMinority:
		side := r.minority()
		var ids []string
		for _, i := range side {
			ids = append(ids, r.ps.Nodes[i].ID)
			if i == leader {
				rec.Role = "leader"
			}
		}
		rec.Node = strings.Join(ids, "+")
		r.strike(side...)
		r.net.split(side)
	case deafLeader:
		rec.Node, rec.Role = r.ps.Nodes[leader].ID, "leader"
		r.strike(leader)
		r.net.deafen(leader)
	case muteLeader:
		rec.Node, rec.Role = r.ps.Nodes[leader].ID, "leader"
		r.strike(leader)
		r.net.mute(leader)
	}
	r.log.Info("fault", "kind", "partition", "shape", shape, "nodes", rec.Node, "for", d)
	sleepCtx(ctx, d)
	r.net.heal()
	return rec, nil
}

// minority draws a random set of at most (n-1)/2 nodes, at least one.
func (r *run) minority() []int {
	n := len(r.ps.Nodes)
	k := 1 + r.rng.IntN((n-1)/2)
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := r.rng.IntN(i + 1)
		perm[i], perm[j] = perm[j], perm[i]
	}
	return perm[:k]
}

// slowNetwork delays every Raft link for a hold.
func (r *run) slowNetwork(ctx context.Context) (FaultRecord, error) {
	d := r.hold()
	delay := r.rng.Dur(10*time.Millisecond, 150*time.Millisecond)
	rec := FaultRecord{Node: "all", Detail: fmt.Sprintf("%s each way", delay.Round(time.Millisecond)), HeldS: d.Seconds()}
	r.log.Info("fault", "kind", "slow network", "delay", delay, "for", d)
	r.net.slow(delay)
	sleepCtx(ctx, d)
	r.net.heal()
	return rec, nil
}
