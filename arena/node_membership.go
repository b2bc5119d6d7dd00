package arena

import (
	"context"
	"sort"
	"sync"

	"github.com/hashicorp/raft"

	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/apperr"
)

// Join adds a member. It must run on the leader. A new member joins as a
// non-voter, as etcd learners and rqlite non-voters do: it catches up
// (often by snapshot, for minutes on a large state) without counting
// towards the quorum, so the cluster keeps tolerating a failure meanwhile;
// the leader's promoter makes it a voter once it has caught up (Promote),
// unless m.ReadReplica keeps it non-voting. Joining again with the same
// id and address only refreshes the member's metadata (and demotes a
// voter that now asks to be a read replica).
func (n *Node) Join(ctx context.Context, m NodeMeta) error {
	if m.ID == "" || m.RaftAddr == "" {
		return apperr.New(apperr.Invalid, "node_id and raft_addr are required")
	}
	if err := api.ValidNodeID(m.ID); err != nil {
		return apperr.New(apperr.Invalid, "%v", err)
	}
	if !n.IsLeader() {
		return apperr.New(apperr.NotLeader, "node %s is not the leader", n.cfg.NodeID)
	}
	cf := n.raft.GetConfiguration()
	if err := cf.Error(); err != nil {
		return translateRaftErr(err)
	}
	member, voter := false, false
	for _, s := range cf.Configuration().Servers {
		if string(s.ID) != m.ID && string(s.Address) == m.RaftAddr {
			// Etcd refuses a member whose peer URL is in use, and so does
			// this: re-adding the address dropped the member holding it,
			// silently, even a live voter (a --raft-advertise pasted from
			// another node's unit file).
			return apperr.New(apperr.Conflict, "raft address %s belongs to member %s; if %s is gone for good, remove it first (arenactl cluster remove %s)",
				m.RaftAddr, s.ID, s.ID, s.ID)
		}
	}
	for _, s := range cf.Configuration().Servers {
		sameID, sameAddr := string(s.ID) == m.ID, string(s.Address) == m.RaftAddr
		switch {
		case sameID && sameAddr:
			member, voter = true, s.Suffrage == raft.Voter
		case sameID:
			// A member came back at a new address: the old entry must go
			// before the new one can join.
			n.log.Warn("member moves to a new raft address; re-adding it", "id", m.ID, "from", s.Address, "to", m.RaftAddr)
			if err := n.raft.RemoveServer(s.ID, 0, timeoutOf(ctx)).Error(); err != nil {
				return translateRaftErr(err)
			}
		}
	}
	switch {
	case !member:
		if err := n.raft.AddNonvoter(raft.ServerID(m.ID), raft.ServerAddress(m.RaftAddr), 0, timeoutOf(ctx)).Error(); err != nil {
			return translateRaftErr(err)
		}
		n.log.Info("added non-voter", "id", m.ID, "raft_addr", m.RaftAddr, "read_replica", m.ReadReplica)
	case voter && m.ReadReplica:
		if m.ID == n.cfg.NodeID {
			return apperr.New(apperr.Conflict, "the leader %s cannot become a read replica; transfer leadership first", m.ID)
		}
		if err := n.raft.DemoteVoter(raft.ServerID(m.ID), 0, timeoutOf(ctx)).Error(); err != nil {
			return translateRaftErr(err)
		}
		n.log.Info("demoted voter to read replica", "id", m.ID)
	}
	_, err := n.Apply(ctx, CmdClusterNode, m)
	return err
}

// Promote makes non-voter id a voter. It must run on the leader; the
// caller (the web layer's promoter) decides that the member has caught
// up. Promoting a voter does nothing; a read replica is refused.
func (n *Node) Promote(ctx context.Context, id string) error {
	if !n.IsLeader() {
		return apperr.New(apperr.NotLeader, "node %s is not the leader", n.cfg.NodeID)
	}
	cf := n.raft.GetConfiguration()
	if err := cf.Error(); err != nil {
		return translateRaftErr(err)
	}
	for _, s := range cf.Configuration().Servers {
		if string(s.ID) != id {
			continue
		}
		if s.Suffrage == raft.Voter {
			return nil
		}
		metas, err := n.nodeMetas()
		if err != nil {
			return err
		}
		if metas[id].ReadReplica {
			return apperr.New(apperr.Conflict, "node %s is a read replica and stays a non-voter", id)
		}
		if err := n.raft.AddVoter(s.ID, s.Address, 0, timeoutOf(ctx)).Error(); err != nil {
			return translateRaftErr(err)
		}
		n.log.Info("promoted non-voter to voter", "id", id)
		return nil
	}
	return apperr.New(apperr.NotFound, "node %s is not a member", id)
}

// Remove takes a member out of the cluster. It must run on the leader.
func (n *Node) Remove(ctx context.Context, id string) error {
	if !n.IsLeader() {
		return apperr.New(apperr.NotLeader, "node %s is not the leader", n.cfg.NodeID)
	}
	cf := n.raft.GetConfiguration()
	if err := cf.Error(); err != nil {
		return translateRaftErr(err)
	}
	found, voters := false, 0
	for _, s := range cf.Configuration().Servers {
		found = found || string(s.ID) == id
		if s.Suffrage == raft.Voter && string(s.ID) != id {
			voters++
		}
	}
	if !found {
		return apperr.New(apperr.NotFound, "node %s is not a member", id)
	}
	if voters == 0 {
		return apperr.New(apperr.Conflict, "removing %s would leave no voter: the cluster could not elect a leader; add or promote another member first", id)
	}
	if id != n.cfg.NodeID {
		// Raft first: the member's metadata (its HTTP address) must
		// outlive a removal that fails.
		if err := n.raft.RemoveServer(raft.ServerID(id), 0, timeoutOf(ctx)).Error(); err != nil {
			return translateRaftErr(err)
		}
		if _, err := n.Apply(ctx, CmdClusterNodeRemove, nodeRemoveCmd{ID: id}); err != nil {
			return err
		}
		n.log.Info("removed member", "id", id)
		return nil
	}
	// The leader removing itself steps down once the new configuration
	// commits and could not apply anything after it: its metadata goes
	// first, and comes back if the removal fails.
	meta, hadMeta := NodeMeta{}, false
	if metas, err := n.nodeMetas(); err == nil {
		meta, hadMeta = metas[id]
	}
	if _, err := n.Apply(ctx, CmdClusterNodeRemove, nodeRemoveCmd{ID: id}); err != nil {
		return err
	}
	if err := n.raft.RemoveServer(raft.ServerID(id), 0, timeoutOf(ctx)).Error(); err != nil {
		if hadMeta {
			if _, rerr := n.Apply(context.WithoutCancel(ctx), CmdClusterNode, meta); rerr != nil {
				n.log.Error("restore the metadata of a member whose removal failed", "id", id, "err", rerr)
			}
		}
		return translateRaftErr(err)
	}
	n.log.Info("removed member", "id", id)
	return nil
}

// Members lists the Raft configuration with each member's metadata,
// without hashing the state (unlike Status).
func (n *Node) Members() ([]Member, error) {
	metas, err := n.nodeMetas()
	if err != nil {
		return nil, err
	}
	cf := n.raft.GetConfiguration()
	if err := cf.Error(); err != nil {
		return nil, translateRaftErr(err)
	}
	_, leaderID := n.raft.LeaderWithID()
	var out []Member
	for _, s := range cf.Configuration().Servers {
		meta := metas[string(s.ID)]
		out = append(out, Member{ID: string(s.ID), RaftAddr: string(s.Address), HTTPAddr: meta.HTTPAddr,
			Suffrage: s.Suffrage.String(), Leader: s.ID == leaderID, ReadReplica: meta.ReadReplica})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Progress is this node's position in the log, cheap to compute.
func (n *Node) Progress() api.Progress {
	_, leaderID := n.raft.LeaderWithID()
	return api.Progress{NodeID: n.cfg.NodeID, State: n.raft.State().String(), Term: n.raft.CurrentTerm(),
		CommitIndex: n.raft.CommitIndex(), AppliedIndex: n.fsm.AppliedIndex(), LastLogIndex: n.raft.LastIndex(),
		LeaderID: string(leaderID), CommandLevel: n.ownLevel(), ClusterID: n.ClusterID()}
}

// TransferLeadership hands leadership to the most up-to-date voter, for a
// clean shutdown: the cluster elects no new leader by timeout, so writes
// pause for a round trip instead of an election timeout. It does nothing
// on a follower, and gives up when ctx ends (raft bounds the transfer by
// an election timeout itself).
func (n *Node) TransferLeadership(ctx context.Context) error {
	if !n.IsLeader() {
		return nil
	}
	if f := n.raft.GetConfiguration(); f.Error() == nil {
		others := 0
		for _, s := range f.Configuration().Servers {
			if s.Suffrage == raft.Voter && s.ID != raft.ServerID(n.cfg.NodeID) {
				others++
			}
		}
		if others == 0 {
			return nil // a lone voter has no one to hand to
		}
	}
	done := make(chan error, 1)
	go func() { done <- n.raft.LeadershipTransfer().Error() }()
	select {
	case err := <-done:
		if err != nil {
			return translateRaftErr(err)
		}
		return nil
	case <-ctx.Done():
		return apperr.Wrap(apperr.Unavailable, ctx.Err(), "leadership transfer did not finish in time")
	}
}

// leaderWatch broadcasts leader changes: each change closes the channel
// handed out before it.
type leaderWatch struct {
	mu sync.Mutex
	ch chan struct{}
}

func (w *leaderWatch) current() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ch == nil {
		w.ch = make(chan struct{})
	}
	return w.ch
}

func (w *leaderWatch) changed() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ch != nil {
		close(w.ch)
	}
	w.ch = make(chan struct{})
}

// LeaderChanged returns a channel that is closed at the next change of
// leader this node observes (including to "no leader"), so a request
// waiting on the old leader can give up at once.
func (n *Node) LeaderChanged() <-chan struct{} { return n.leaderWatch.current() }

// observeLeader feeds leaderWatch from raft's observations until the node
// closes.
func (n *Node) observeLeader() {
	defer n.wg.Done()
	ch := make(chan raft.Observation, 16)
	obs := raft.NewObserver(ch, false, func(o *raft.Observation) bool {
		_, ok := o.Data.(raft.LeaderObservation)
		return ok
	})
	n.raft.RegisterObserver(obs)
	defer n.raft.DeregisterObserver(obs)
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-ch:
			n.leaderWatch.changed()
		}
	}
}
