package arena

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/hashicorp/raft"
	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/apperr"
)

// watchLeadership runs for the node's lifetime. Each time this node wins an
// election it records the election in the log, refreshes its own metadata
// and seeds the operator token; only then does it serve linearizable reads.
func (n *Node) watchLeadership() {
	defer n.wg.Done()
	var elected *electedRun
	defer func() { elected.stop() }()
	for {
		select {
		case <-n.ctx.Done():
			return
		case leader := <-n.notify:
			n.leaderChanges.Add(1)
			elected.stop()
			elected = nil
			if !leader {
				n.log.Info("lost leadership")
				continue
			}
			elected = &electedRun{}
			ctx, cancel := context.WithCancel(n.ctx)
			elected.cancel = cancel
			n.wg.Add(1)
			go func() {
				defer n.wg.Done()
				n.onElected(ctx)
			}()
		}
	}
}

// electedRun is the setup work of one term of leadership.
type electedRun struct{ cancel context.CancelFunc }

func (e *electedRun) stop() {
	if e != nil && e.cancel != nil {
		e.cancel()
	}
}

func (n *Node) onElected(ctx context.Context) {
	term := n.raft.CurrentTerm()
	n.log.Info("became leader", "term", term)
	for attempt := 0; ctx.Err() == nil && n.IsLeader(); attempt++ {
		if err := n.establish(ctx, term); err != nil {
			n.log.Warn("leader setup failed; retrying", "term", term, "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		n.readyTerm.Store(term)
		return
	}
}

// establish commits a command of the new term. Until one is applied, the
// commit index may still lag what the previous leader acknowledged, so a
// read index taken before it would not be linearizable.
func (n *Node) establish(ctx context.Context, term uint64) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := n.Apply(ctx, CmdClusterLeader, leaderCmd{NodeID: n.cfg.NodeID, Term: term}); err != nil {
		return err
	}
	self := NodeMeta{ID: n.cfg.NodeID, RaftAddr: string(n.transport.LocalAddr()), HTTPAddr: n.cfg.HTTPAddr}
	metas, err := n.nodeMetas()
	if err != nil {
		return err
	}
	self.ReadReplica = metas[self.ID].ReadReplica
	if metas[self.ID] != self {
		if _, err := n.Apply(ctx, CmdClusterNode, self); err != nil {
			return err
		}
	}
	if n.cfg.OperatorTokenHash != "" && n.OperatorTokenHash() == "" {
		if _, err := n.Apply(ctx, CmdClusterOperator, operatorTokenCmd{Hash: n.cfg.OperatorTokenHash}); err != nil {
			return err
		}
	}
	// A leader alone in its configuration knows every member's level: a
	// fresh cluster starts at this release's level, and a one-node
	// cluster moves up on its first start after an upgrade. Larger
	// clusters learn their members' levels over HTTP (web's poller).
	if _, err := n.RaiseClusterLevel(ctx, nil); err != nil {
		return err
	}
	return n.ensureClusterID(ctx)
}

func (n *Node) nodeMetas() (map[string]NodeMeta, error) {
	var metas map[string]NodeMeta
	err := n.fsm.View(func(tx *bolt.Tx) error {
		var err error
		metas, err = readClusterNodes(tx)
		return err
	})
	return metas, err
}

// RotateOperatorToken replaces the cluster's operator token with the one
// whose hash is given: every node refuses the old token once it has
// applied the change.
func (n *Node) RotateOperatorToken(ctx context.Context, hash string) error {
	if err := n.levelAtLeast(LevelTokenRotation, "rotating the operator token"); err != nil {
		return err
	}
	_, err := n.Apply(ctx, CmdClusterOperator, operatorTokenCmd{Hash: hash, Replace: true})
	return err
}

// OperatorTokenHash is the replicated operator token hash, or "" before the
// first leader has set it.
func (n *Node) OperatorTokenHash() string {
	var h string
	_ = n.fsm.View(func(tx *bolt.Tx) error {
		h = string(tx.Bucket(bucketCluster).Get(keyOperator))
		return nil
	})
	return h
}

// Leader returns the current leader's metadata, if one is known.
func (n *Node) Leader() (NodeMeta, bool) {
	addr, id := n.raft.LeaderWithID()
	if id == "" {
		return NodeMeta{}, false
	}
	m := NodeMeta{ID: string(id), RaftAddr: string(addr)}
	if metas, err := n.nodeMetas(); err == nil {
		m.HTTPAddr = metas[m.ID].HTTPAddr
	}
	return m, true
}

// ReadIndex implements the leader half of a linearizable read: it returns a
// commit index that covers every write acknowledged before the call, after
// confirming with a quorum that this node still leads.
func (n *Node) ReadIndex(ctx context.Context) (uint64, error) {
	for n.readyTerm.Load() != n.raft.CurrentTerm() {
		if !n.IsLeader() {
			return 0, apperr.New(apperr.NotLeader, "node %s is not the leader", n.cfg.NodeID)
		}
		select {
		case <-ctx.Done():
			return 0, apperr.Wrap(apperr.Unavailable, ctx.Err(), "new leader is not ready for linearizable reads")
		case <-time.After(5 * time.Millisecond):
		}
	}
	idx := n.raft.CommitIndex()
	if err := n.raft.VerifyLeader().Error(); err != nil {
		return 0, translateRaftErr(err)
	}
	return idx, nil
}

// AppliedIndex is the last log index reflected in the local state.
func (n *Node) AppliedIndex() uint64 { return n.fsm.AppliedIndex() }

// Replaying reports whether the local state may be older than what this
// node served before it stopped: after an unclean stop the state file is
// rolled back to its last checkpoint, and until the log the node held at
// start is applied again, a local read could go back in time. Readers
// then take the linearizable path instead.
func (n *Node) Replaying() bool {
	to := n.replayTo.Load()
	if to == 0 {
		return false
	}
	if n.fsm.AppliedIndex() >= to {
		n.replayTo.CompareAndSwap(to, 0)
		return false
	}
	return true
}

// WaitApplied blocks until the local state reflects index idx.
func (n *Node) WaitApplied(ctx context.Context, idx uint64) error {
	return n.fsm.WaitApplied(ctx, idx)
}

// LeaderReady reports whether this node leads and has applied a command of
// its current term. The contest runner acts only then: before it, the
// node's view of the state may still lack what the old leader committed.
func (n *Node) LeaderReady() bool {
	return n.IsLeader() && n.readyTerm.Load() == n.raft.CurrentTerm()
}

// Ready reports whether the node can serve: it knows a leader and has
// applied, within readyCatchUp, what was committed when asked. A leader is
// also ready only once its own term has a committed command.
func (n *Node) Ready() (bool, string) {
	if _, id := n.raft.LeaderWithID(); id == "" {
		return false, NoLeaderKnown
	}
	if n.IsLeader() && n.readyTerm.Load() != n.raft.CurrentTerm() {
		return false, "leader is establishing its term"
	}
	if !n.keepsUp(readyCatchUp) {
		return false, "applying committed entries"
	}
	return true, ""
}

// NoLeaderKnown is Ready's reason while this node knows no leader.
const NoLeaderKnown = "no leader known"

// readyCatchUp is how long Ready gives the node to apply what was committed
// when it asked. A busy node always has entries between commit and apply;
// one that is replaying a backlog cannot clear it this fast.
const readyCatchUp = 250 * time.Millisecond

// keepsUp reports whether the node applies, within d, every entry that was
// committed when it was called.
func (n *Node) keepsUp(d time.Duration) bool {
	commit := n.raft.CommitIndex()
	deadline := time.Now().Add(d)
	for n.raft.AppliedIndex() < commit {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(2 * time.Millisecond)
	}
	return true
}

func timeoutOf(ctx context.Context) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		return time.Until(dl)
	}
	return 10 * time.Second
}

// Member is one server of the Raft configuration; Status is this node's
// view of the cluster (package api's resources).
type (
	Member = api.Member
	Status = api.ClusterStatus
)

// Status reports the node's Raft position, membership and state hash.
func (n *Node) Status() (Status, error) { return n.status(0) }

// RecentStatus is Status with a state hash that may be up to maxAge old
// (StateHashIndex says which index it is for); everything else is
// current. Public endpoints use it, so that callers cannot make the node
// hash its whole state file on every request.
func (n *Node) RecentStatus(maxAge time.Duration) (Status, error) { return n.status(maxAge) }

func (n *Node) status(hashAge time.Duration) (Status, error) {
	st := Status{NodeID: n.cfg.NodeID, State: n.raft.State().String(), Term: n.raft.CurrentTerm()}
	hash, hashIndex, err := n.fsm.RecentStateHash(hashAge)
	if err != nil {
		return Status{}, err
	}
	st.StateHash, st.StateHashIndex, st.AppliedIndex = hash, hashIndex, hashIndex
	if hashAge > 0 {
		st.AppliedIndex = max(hashIndex, n.fsm.AppliedIndex())
	}
	// Read after the applied index, so that one answer never shows more
	// applied than committed, or more committed than logged, while writes
	// flow. (A restarted node's state file can be ahead of what raft knows
	// to be committed until it hears from the leader; the max covers that.)
	st.CommitIndex = max(n.raft.CommitIndex(), st.AppliedIndex)
	st.LastLogIndex = max(n.raft.LastIndex(), st.CommitIndex)
	st.CommandLevel = n.ClusterLevel()
	st.ClusterID = n.ClusterID()
	leader, ok := n.Leader()
	if ok {
		st.Leader = &leader
	}
	metas, err := n.nodeMetas()
	if err != nil {
		return Status{}, err
	}
	cf := n.raft.GetConfiguration()
	if err := cf.Error(); err != nil {
		return Status{}, translateRaftErr(err)
	}
	for _, s := range cf.Configuration().Servers {
		st.Nodes = append(st.Nodes, Member{ID: string(s.ID), RaftAddr: string(s.Address),
			HTTPAddr: metas[string(s.ID)].HTTPAddr, Suffrage: s.Suffrage.String(), Leader: ok && leader.ID == string(s.ID),
			ReadReplica: metas[string(s.ID)].ReadReplica})
	}
	sort.Slice(st.Nodes, func(i, j int) bool { return st.Nodes[i].ID < st.Nodes[j].ID })
	err = n.fsm.View(func(tx *bolt.Tx) error {
		_, err := getJSON(tx.Bucket(bucketCluster), keyLeaders, &st.LeaderChanges)
		return err
	})
	if st.LeaderChanges == nil {
		st.LeaderChanges = []LeaderChange{}
	}
	return st, err
}

// checkOwnAddress refuses a node started without --join whose stored
// cluster configuration lists it at another Raft address than the one it
// now advertises (a restore made with one --raft-addr and a serve started
// with another). Its peers would keep dialling the stored address, and a
// lone node would lead a cluster no member can join; nothing would say
// why.
func (n *Node) checkOwnAddress(id raft.ServerID) error {
	f := n.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return fmt.Errorf("read the cluster configuration: %w", err)
	}
	here := n.transport.LocalAddr()
	for _, s := range f.Configuration().Servers {
		if s.ID == id && s.Address != here {
			return fmt.Errorf("this data dir's cluster configuration lists node %s at Raft address %s, but it now advertises %s: "+
				"start it with --raft-addr (or --raft-advertise) %s, or, to move it, with --join and any other member's URL "+
				"(the leader re-adds it at the new address); a lone node is moved by restoring a backup with the new --raft-addr "+
				"(docs/OPERATIONS.md)", id, s.Address, here, s.Address)
		}
	}
	return nil
}

// ConfiguredAddress is the Raft address the cluster configuration this
// node holds lists it at; ok is false when it lists no such member (a
// fresh node, or one removed).
func (n *Node) ConfiguredAddress() (addr string, ok bool) {
	f := n.raft.GetConfiguration()
	if f.Error() != nil {
		return "", false
	}
	for _, s := range f.Configuration().Servers {
		if s.ID == raft.ServerID(n.cfg.NodeID) {
			return string(s.Address), true
		}
	}
	return "", false
}
