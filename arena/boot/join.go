package boot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"syscall"
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
	var wrong wrongAddress
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
		if werr := wrong.check(cfg.Via, "POST /v1/cluster/join", err); werr != nil {
			return werr
		}
		if permanent(err) {
			return fmt.Errorf("join %s: %w%s", cfg.Via, err, joinHint(err))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("join %s: gave up after %v; the last answer: %w%s", cfg.Via, patience, err, noAnswerHint(err))
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

// joinAddrAdvice ends the refusal of a --join that names no member's
// HTTP API.
const joinAddrAdvice = "--join takes the HTTP URL of a running member (its --http-addr, such as http://10.0.0.1:8080), not its --raft-addr"

// notHTTPLimit is how many answers in a row that are not HTTP make a
// --join address wrong rather than a member that is going away.
const notHTTPLimit = 3

// wrongAddress tells a --join that names no arena node's HTTP API (a
// member's Raft address, as an etcd operator gives a peer URL; another
// service) from a member that is down or starting, which is waited for.
// A 404 or 405 to a route every arena node serves settles it at once. A
// port that takes connections but answers no HTTP (a Raft port resets
// them) settles it after notHTTPLimit such answers in a row, so a member
// that dies mid-request (one reset, then refused connections) is still
// waited for. Without it the node waited out a minute in silence and
// then said only that there was no answer.
type wrongAddress struct{ notHTTP int }

// check returns the refusal once err shows via is not a member's HTTP
// API; route is the request that got err.
func (w *wrongAddress) check(via, route string, err error) error {
	var apiErr *client.APIError
	if errors.As(err, &apiErr) && (apiErr.Status == http.StatusNotFound || apiErr.Status == http.StatusMethodNotAllowed) {
		return fmt.Errorf("join %s: it answered %s with HTTP %d, a route every arena node serves, so it is not an arena member's HTTP address: %s",
			via, route, apiErr.Status, joinAddrAdvice)
	}
	if !answersNoHTTP(err) {
		w.notHTTP = 0
		return nil
	}
	if w.notHTTP++; w.notHTTP < notHTTPLimit {
		return nil
	}
	return fmt.Errorf("join %s: it takes connections but does not answer HTTP (%d tries in a row, the last: %v), as a member's Raft port does: %s",
		via, w.notHTTP, err, joinAddrAdvice)
}

// answersNoHTTP reports a connection that was reset or closed, or that
// answered something other than HTTP.
func answersNoHTTP(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		(err != nil && strings.Contains(err.Error(), "malformed HTTP"))
}

// noAnswerHint says what to check when the last try got no answer at all
// (connection refused, timed out).
func noAnswerHint(err error) string {
	if !errors.Is(err, client.ErrNoAnswer) {
		return ""
	}
	return " (is a member running there? " + joinAddrAdvice + ")"
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
	if clusterID != "" && clusterID == st.ClusterID {
		// The dir's own cluster: the node was a member and is no more.
		return fmt.Errorf("data dir %s holds node %s's log of this very cluster (%s, up to index %d), but %s no longer lists %s among its members (%s): it was removed. "+
			"Its old log cannot be joined again: to add it back, empty its data dir (or give a new --data-dir) and start it with --join; it receives the cluster's current state",
			dataDir, cfg.NodeID, clusterID, lastIndex, cfg.Via, cfg.NodeID, strings.Join(ids, ", "))
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
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	patience := cmpOr(cfg.Patience, 60*time.Second)
	backoff := cmpOr(cfg.Backoff, 100*time.Millisecond)
	start := time.Now()
	deadline := start.Add(patience)
	var wrong wrongAddress
	var logged time.Time
	for {
		st, err := c.Cluster(ctx, false)
		if err == nil && st.Removed() {
			// It would answer the join "removed, send requests to another
			// member" for the whole minute of retries.
			return "", fmt.Errorf("join %s: the node there, %s, was removed from the cluster and takes no joins: --join another member (the members it last knew: %s)",
				cfg.Via, st.NodeID, memberURLs(st.Nodes))
		}
		if err == nil {
			for _, n := range st.Nodes {
				if n.ID == cfg.NodeID && n.Suffrage == "Voter" && n.RaftAddr == cfg.RaftAddr {
					if live := liveMember(ctx, cfg, n); live != "" {
						return "", fmt.Errorf("node %s (raft %s) is a running voter of the cluster %s belongs to: %s answers as %s, so this is a second node under its id and Raft address. "+
							"Give this node its own --node-id and --raft-addr; if it is to replace %s, stop %s first, remove it (arenactl cluster remove %s) and start this one again",
							cfg.NodeID, n.RaftAddr, cfg.Via, live, cfg.NodeID, cfg.NodeID, cfg.NodeID, cfg.NodeID)
					}
					return "", fmt.Errorf("node %s is a voter of the cluster %s belongs to (raft %s), but its data dir is empty: the member's log and vote are lost, "+
						"and as a voter it could elect a member that lacks acknowledged writes. Remove it first (arenactl cluster remove %s, or DELETE /v1/cluster/nodes/%s), "+
						"then start it again with --join: it joins as a non-voter, receives the cluster's state and is promoted once caught up",
						cfg.NodeID, cfg.Via, n.RaftAddr, cfg.NodeID, cfg.NodeID)
				}
			}
			return st.ClusterID, nil
		}
		if werr := wrong.check(cfg.Via, "GET /v1/cluster", err); werr != nil {
			return "", werr
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("join %s: no answer within %v to whether node %s is already a voter (a node with an empty data dir must know before its Raft starts); the last error: %w%s",
				cfg.Via, patience, cfg.NodeID, err, noAnswerHint(err))
		}
		if time.Since(logged) >= 10*time.Second {
			// Silent, the node looked hung for the whole minute.
			logger.Warn("waiting for the member --join names to answer before this node's Raft starts",
				"join", cfg.Via, "err", err, "waited", time.Since(start).Round(time.Second), "gives_up_after", patience)
			logged = time.Now()
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

// memberURLs lists members' HTTP addresses (their ids where a member has
// none), for an operator to pick another --join from.
func memberURLs(nodes []client.Node) string {
	urls := make([]string, 0, len(nodes))
	for _, n := range nodes {
		urls = append(urls, cmp.Or(n.HTTPAddr, n.ID))
	}
	return strings.Join(urls, ", ")
}

// liveMember asks member n at its own HTTP address who it is, and returns
// that address if it answers as n: the voter whose id and Raft address a
// node with an empty dir took is running, not lost. A member at the
// node's own HTTP address is the node itself (a wiped member restarted
// on its machine), whose listener does not serve yet.
func liveMember(ctx context.Context, cfg JoinConfig, n client.Node) string {
	addr := strings.TrimRight(n.HTTPAddr, "/")
	if addr == "" || addr == strings.TrimRight(cfg.HTTPAddr, "/") {
		return ""
	}
	c, err := client.New(addr, client.WithNotLeaderRetry(0, 0),
		client.WithHTTPClient(&http.Client{Timeout: cmpOr(cfg.AttemptTimeout, 5*time.Second)}))
	if err != nil {
		return ""
	}
	st, err := c.Cluster(ctx, false)
	if err != nil || st.NodeID != n.ID {
		return ""
	}
	return addr
}
