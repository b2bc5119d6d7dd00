package boot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/agentarena/arena/client"
)

// JoinConfig says which node joins, through which member.
type JoinConfig struct {
	// Via is the HTTP base URL of any cluster member; a follower forwards
	// the join to the leader.
	Via string
	// OperatorToken authenticates the join.
	OperatorToken string
	// The joining node: its id and the addresses peers reach it at.
	NodeID, RaftAddr, HTTPAddr string
	// ReadReplica asks to stay a non-voter (see client.JoinRequest).
	ReadReplica bool
	// CommandLevel is the node's release's command level
	// (arena.CommandLevel); a cluster at a higher level refuses the join.
	// A leader of a release before levels refuses the field itself, and
	// the join is sent again without it (its cluster is at level 0).
	CommandLevel int
	// Secrets sends its fingerprint with the request, so a cluster sealing
	// with another key refuses the node before it becomes a member, and
	// adopts the key the cluster answers with. Nil: neither.
	Secrets *SecretsKey
	Logger  *slog.Logger

	// Patience bounds how long failed attempts are retried (default 60 s),
	// AttemptTimeout each attempt (default 15 s), and Backoff is the first
	// pause between attempts (default 100 ms), doubling up to 2 s.
	Patience       time.Duration
	AttemptTimeout time.Duration
	Backoff        time.Duration
}

const maxJoinBackoff = 2 * time.Second

// Join asks the member at cfg.Via to add the node (as a non-voter, which
// the leader promotes once it has caught up), retrying
// while the cluster elects a leader or the member is still starting, then
// adopts the cluster's secrets key. A refusal that retrying cannot change
// (bad request, wrong token, conflicting secrets key) ends it at once.
func Join(ctx context.Context, cfg JoinConfig) error {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	patience := cmpOr(cfg.Patience, 60*time.Second)
	backoff := cmpOr(cfg.Backoff, 100*time.Millisecond)
	// One attempt per round: the loop below does the retrying, the
	// client's own not-leader retries would only stretch a round.
	c, err := client.New(cfg.Via, client.WithKey(cfg.OperatorToken), client.WithNotLeaderRetry(0, 0),
		client.WithHTTPClient(&http.Client{Timeout: cmpOr(cfg.AttemptTimeout, 15*time.Second)}))
	if err != nil {
		return fmt.Errorf("join %s: %w", cfg.Via, err)
	}
	req := client.JoinRequest{NodeID: cfg.NodeID, RaftAddr: cfg.RaftAddr, HTTPAddr: cfg.HTTPAddr, ReadReplica: cfg.ReadReplica, CommandLevel: cfg.CommandLevel}
	if cfg.Secrets != nil {
		req.SecretsKeyID = cfg.Secrets.Fingerprint()
	}
	deadline := time.Now().Add(patience)
	for {
		ans, err := c.Join(ctx, req)
		if err == nil {
			cfg.Logger.Info("joined cluster", "via", cfg.Via)
			if cfg.Secrets == nil {
				return nil
			}
			return cfg.Secrets.Adopt(ans.SecretsKey)
		}
		if req.CommandLevel != 0 && refusesLevelField(err) {
			// A leader of a release before command levels decodes the
			// join strictly and refuses the field it does not know. Its
			// cluster is at level 0, which takes a node of any level:
			// ask again without the field, as that release's nodes do.
			cfg.Logger.Info("the cluster runs a release from before command levels (level 0); joining without this node's level",
				"via", cfg.Via, "level", req.CommandLevel)
			req.CommandLevel = 0
			continue
		}
		if permanent(err) {
			return fmt.Errorf("join %s: %w%s", cfg.Via, err, joinHint(err))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("join %s: gave up after %v; the last answer: %w", cfg.Via, patience, err)
		}
		cfg.Logger.Warn("join failed; retrying", "via", cfg.Via, "err", err)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		backoff = min(backoff*2, maxJoinBackoff)
	}
}

// refusesLevelField reports a release from before command levels
// refusing the join's command_level field as unknown (400 invalid,
// 'unknown field "command_level"'). Releases with levels know the field
// and never answer so.
func refusesLevelField(err error) bool {
	var apiErr *client.APIError
	return errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest &&
		strings.Contains(apiErr.Message, `unknown field "command_level"`)
}

// permanent reports a refusal that asking again cannot change: a request
// the member cannot accept, a token it does not know or a conflicting
// secrets key. Anything else (no leader yet, a starting member, a network
// error) may pass on a later attempt.
func permanent(err error) bool {
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.Status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusConflict:
		return true
	}
	return false
}

// joinHint says what to do about a refusal the operator can fix.
func joinHint(err error) string {
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		return ""
	}
	switch apiErr.Status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return " (the member does not take this node's operator token: start the node with the token the cluster was started with, " +
			"--operator-token or ARENA_OPERATOR_TOKEN; a generated one is in the operator-token file of the first node's data dir)"
	}
	return ""
}

func cmpOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// CheckHeldState refuses to join a node whose data dir already holds a
// Raft log (lastIndex > 0) through a member whose cluster does not list
// the node's id. Such a dir is another cluster's (a restored backup, a
// copied dir, a node of a cluster torn down) or that of a member removed
// since: joined, the leader would graft its log onto the cluster's and
// its state machine, which never re-applies an index it holds, would
// serve a state of its own for good (etcd refuses it by cluster id; a
// dir with a higher term also deposes the leader). It runs before the
// join, so the cluster never hears of the node. A member that does not
// answer is no verdict: the join decides then, as before.
//
// clusterID is the cluster id the dir's state holds (arena.Node.ClusterID):
// where both it and the member's are known, they must be equal, which
// also catches another cluster's dir that reuses a member's node id
// (every quick start names its nodes n1, n2, n3).
func CheckHeldState(ctx context.Context, cfg JoinConfig, dataDir string, lastIndex uint64, clusterID string) error {
	if lastIndex == 0 {
		return nil // an empty dir, or a join that added nothing yet
	}
	c, err := client.New(cfg.Via, client.WithNotLeaderRetry(0, 0),
		client.WithHTTPClient(&http.Client{Timeout: cmpOr(cfg.AttemptTimeout, 5*time.Second)}))
	if err != nil {
		return nil // Join reports a bad URL
	}
	st, err := c.Cluster(ctx, false)
	if err != nil || len(st.Nodes) == 0 {
		return nil
	}
	if clusterID != "" && st.ClusterID != "" && clusterID != st.ClusterID {
		return fmt.Errorf("data dir %s holds the state of cluster %s (up to log index %d), but %s is a member of cluster %s: "+
			"the dir is another cluster's (a copy, a restored backup's old members, a cluster torn down), and joining would mix two histories. "+
			"To add this node to %s, empty its data dir (or give a new --data-dir) and start it with --join: it receives that cluster's state; "+
			"to run cluster %s, start its members without this --join",
			dataDir, clusterID, lastIndex, cfg.Via, st.ClusterID, st.ClusterID, clusterID)
	}
	ids := make([]string, 0, len(st.Nodes))
	for _, n := range st.Nodes {
		if n.ID == cfg.NodeID {
			return nil // a member restarted with --join, or one that moved
		}
		ids = append(ids, n.ID)
	}
	return fmt.Errorf("data dir %s holds a Raft log (up to index %d), but the cluster %s belongs to does not list node %s among its members (%s): "+
		"the dir is another cluster's (a restored backup, a copy) or this node was removed, and joining would mix two histories. "+
		"To add this node, empty its data dir (or give a new --data-dir) and start it with --join: it receives the cluster's current state; "+
		"to run the cluster the dir belongs to, start it without --join",
		dataDir, lastIndex, cfg.Via, cfg.NodeID, strings.Join(ids, ", "))
}

// CheckEmptyVoter refuses to start a node with an empty data dir under
// the id and Raft address (cfg.RaftAddr, as advertised) of a voter of the
// cluster at cfg.Via: that member's log and its
// vote are lost with its disk, and an empty voter grants its vote to any
// candidate, so a member that missed committed writes could be elected
// with it and those acknowledged writes dropped (2 of 3 members lost
// would otherwise leave the cluster without a leader, not without its
// writes). The member must be removed first, as a replacement always is;
// it then joins as a non-voter and is promoted once caught up. (At
// another address no member asks it for a vote, and the join re-adds it
// there as a non-voter.) It runs before the node's Raft starts, and asks
// again, as Join does, until the member answers: a node with an empty
// data dir cannot serve before it has joined anyway, and starting its
// Raft without the answer is what let the stale member win.
//
// It returns the id of the cluster the member belongs to ("" before
// command level 3), which the node holds until the cluster's state
// reaches it (arena.Config.JoinClusterID): an empty dir has no id of its
// own, and took another cluster's Raft connections until then.
func CheckEmptyVoter(ctx context.Context, cfg JoinConfig) (string, error) {
	c, err := client.New(cfg.Via, client.WithNotLeaderRetry(0, 0),
		client.WithHTTPClient(&http.Client{Timeout: cmpOr(cfg.AttemptTimeout, 5*time.Second)}))
	if err != nil {
		return "", nil // Join reports a bad URL
	}
	patience := cmpOr(cfg.Patience, 60*time.Second)
	backoff := cmpOr(cfg.Backoff, 100*time.Millisecond)
	deadline := time.Now().Add(patience)
	for {
		st, err := c.Cluster(ctx, false)
		if err == nil {
			for _, n := range st.Nodes {
				if n.ID == cfg.NodeID && n.Suffrage == "Voter" && n.RaftAddr == cfg.RaftAddr {
					return "", fmt.Errorf("node %s is a voter of the cluster %s belongs to (raft %s), but its data dir is empty: the member's log and vote are lost, "+
						"and as a voter it could elect a member that lacks acknowledged writes. Remove it first (arenactl cluster remove %s, or DELETE /v1/cluster/nodes/%s), "+
						"then start it again with --join: it joins as a non-voter, receives the cluster's state and is promoted once caught up",
						cfg.NodeID, cfg.Via, n.RaftAddr, cfg.NodeID, cfg.NodeID)
				}
			}
			return st.ClusterID, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("join %s: no answer within %v to whether node %s is already a voter (a node with an empty data dir must know before its Raft starts); the last error: %w",
				cfg.Via, patience, cfg.NodeID, err)
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", fmt.Errorf("%w; the last answer: %v", ctx.Err(), err)
		case <-t.C:
		}
		backoff = min(backoff*2, maxJoinBackoff)
	}
}
