package arena

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hashicorp/raft"
	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/apperr"
)

// A release that adds a command type or a command field is read by an
// older release as an unknown command (or an unknown field, which strict
// decoding refuses): the old node rejects an entry the new nodes apply,
// and their states part for good. During a rolling upgrade any upgraded
// node may come to lead (an election the operator did not ask for), so
// the order of upgrades alone does not keep new commands away from old
// nodes. etcd's answer is a cluster version: the leader learns every
// member's version, and the cluster moves up only once all of them run a
// release that has it. The arena does the same with command levels.
//
// CommandLevel is the newest log format this binary proposes. Level 0 is
// every release before levels existed; each later level names what it
// added, and a leader proposes those commands only once the cluster's
// level (replicated, in the state) has reached it.
const CommandLevel = 4

// LevelKeptTerms (1): contest.create keep_terms, ledger.grant max_credit
// and whole_memo, the arena.delete command (with keep_deleted), and arena
// definitions with distinct_owners.
const LevelKeptTerms = 1

// LevelTaskRev (2): contest.create task_rev, the revision of the games'
// generators a contest starts with (games.Setup.Rev), and
// cluster.operator_token replace (LevelTokenRotation).
const LevelTaskRev = 2

// LevelTokenRotation is the level that rotates the operator token.
const LevelTokenRotation = LevelTaskRev

// LevelClusterID (3): the cluster.id command, which names the cluster
// once (Node.ClusterID), so that a data dir of another cluster is
// refused even where it reuses a member's node id.
const LevelClusterID = 3

// LevelAgentCap (4): agent.create max_agents, the cap on an owner's live
// agents that the proposing leader was configured with
// (Config.MaxAgentsPerOwner); and, outside the log, the level from which
// members sign requests to each other with the v2 signature only
// (LevelPeerSigV2).
const LevelAgentCap = 4

// LevelPeerSigV2 is the level from which every member signs its requests
// to the others with a nonce and the body's hash and none accepts the
// older signature (web/peer.go).
const LevelPeerSigV2 = LevelAgentCap

// taskRevAt is the newest generator revision every release at the given
// cluster level has: a leader of a newer release must not start contests
// whose tasks an older member would generate differently. A release that
// raises games.Rev adds a level and a line here.
func taskRevAt(level int) int {
	if level >= LevelTaskRev {
		return 1
	}
	return 0
}

var keyCommandLevel = []byte("command_level")

type commandLevelCmd struct {
	Level int `json:"level"`
}

// applyCommandLevel raises the cluster's level; it never lowers it, so a
// replayed or stale proposal changes nothing.
func applyCommandLevel(ac *applyCtx, env Envelope) (any, error) {
	var c commandLevelCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	if c.Level < 1 {
		return nil, apperr.New(apperr.Invalid, "command level must be at least 1, got %d", c.Level)
	}
	b := ac.tx.Bucket(bucketCluster)
	cur, err := readCommandLevel(b)
	if err != nil {
		return nil, err
	}
	if c.Level <= cur {
		return cur, nil
	}
	return c.Level, b.Put(keyCommandLevel, []byte(strconv.Itoa(c.Level)))
}

// readCommandLevel is the cluster's level; 0 when no leader has raised it
// (a data dir written before levels existed).
func readCommandLevel(b *bolt.Bucket) (int, error) {
	v := b.Get(keyCommandLevel)
	if v == nil {
		return 0, nil
	}
	l, err := strconv.Atoi(string(v))
	if err != nil || l < 0 {
		return 0, fmt.Errorf("stored command level %q is not a level", v)
	}
	return l, nil
}

// ownLevel is the level this node proposes and reports: CommandLevel, or
// a test's stand-in for an older release.
func (n *Node) ownLevel() int {
	if n.cfg.Level != nil {
		return n.cfg.Level()
	}
	return CommandLevel
}

// ClusterLevel is the cluster's command level as this node has applied
// it. It only rises, so once it reaches this binary's own level the
// answer is kept and the hot paths (every grant, every contest) skip the
// read.
func (n *Node) ClusterLevel() int {
	if l := int(n.clusterLevel.Load()); l >= n.ownLevel() {
		return l
	}
	l, err := n.storedLevel()
	if err != nil {
		n.log.Error("read the cluster's command level", "err", err)
		return 0
	}
	n.clusterLevel.Store(int64(l))
	return l
}

func (n *Node) storedLevel() (l int, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		l, err = readCommandLevel(tx.Bucket(bucketCluster))
		return err
	})
	return l, err
}

// levelAtLeast reports whether the cluster has reached level l, and the
// error a request for such a command gets when it has not.
func (n *Node) levelAtLeast(l int, what string) error {
	if cur := n.ClusterLevel(); cur < l {
		return apperr.New(apperr.Conflict, "%s needs cluster command level %d and the cluster is at %d: a member still runs an older release; "+
			"finish the upgrade (GET /v1/cluster shows each member's level) and try again", what, l, cur)
	}
	return nil
}

// RaiseClusterLevel moves the cluster's level up to the lowest level among
// the members of the Raft configuration, voters and non-voters alike
// (both apply every entry). levels holds the other members' reported
// levels; a member missing from it is not known to run a newer release,
// so nothing is raised. It returns the cluster's level after the call.
// Only the leader raises; elsewhere it is apperr.NotLeader.
func (n *Node) RaiseClusterLevel(ctx context.Context, levels map[string]int) (int, error) {
	// Under levelMu, a join checked against the level before this raise
	// is applied is in the configuration read below, and one checked
	// after it sees the new level (JoinAtLevel).
	n.levelMu.Lock()
	defer n.levelMu.Unlock()
	cur := n.ClusterLevel()
	if !n.IsLeader() {
		return cur, apperr.New(apperr.NotLeader, "node %s is not the leader", n.cfg.NodeID)
	}
	// A naming that failed after the raise (the caller's time ran out) is
	// tried again at the next call, not only at the next election.
	if err := n.ensureClusterID(ctx); err != nil {
		return cur, err
	}
	f := n.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return cur, fmt.Errorf("read the raft configuration: %w", err)
	}
	target := n.ownLevel()
	for _, s := range f.Configuration().Servers {
		if s.ID == raft.ServerID(n.cfg.NodeID) {
			continue
		}
		l, ok := levels[string(s.ID)]
		if !ok {
			return cur, nil
		}
		target = min(target, l)
	}
	if target <= cur {
		return cur, nil
	}
	if _, err := n.Apply(ctx, CmdClusterCommandLevel, commandLevelCmd{Level: target}); err != nil {
		return cur, fmt.Errorf("raise the command level to %d: %w", target, err)
	}
	n.log.Info("cluster command level raised", "level", target, "from", cur)
	if err := n.ensureClusterID(ctx); err != nil {
		return n.ClusterLevel(), err
	}
	return n.ClusterLevel(), nil
}

// checkLevelOnOpen refuses a state file a newer release has moved past
// this binary's level: this binary would reject that release's commands
// while the other members apply them.
func (n *Node) checkLevelOnOpen() error {
	l, err := n.storedLevel()
	if err != nil {
		return err
	}
	if l > n.ownLevel() {
		return fmt.Errorf("the cluster's command level is %d and this release proposes and reads level %d: "+
			"a newer release has run on this data dir, and a cluster is never downgraded; run that release or a newer one", l, n.ownLevel())
	}
	return nil
}

// JoinAtLevel is Join for a node whose release runs at the given command
// level: one below the cluster's is refused (apperr.Conflict) before it
// becomes a member, since it could not apply the cluster's log. The check
// and the join are one step against RaiseClusterLevel.
func (n *Node) JoinAtLevel(ctx context.Context, m NodeMeta, level int) error {
	if m.ID == "" || m.RaftAddr == "" {
		return n.Join(ctx, m) // refused as invalid, whatever the level
	}
	n.levelMu.Lock()
	defer n.levelMu.Unlock()
	if cl := n.ClusterLevel(); level < cl {
		return apperr.New(apperr.Conflict, "node %q runs a release at command level %d and this cluster is at level %d: it could not apply the cluster's log; install the cluster's release on it and join again",
			truncateType(m.ID), level, cl)
	}
	return n.Join(ctx, m)
}
