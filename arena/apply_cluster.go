package arena

import (
	"fmt"

	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/apperr"
)

type operatorTokenCmd struct {
	Hash string `json:"hash"`
	// Replace rotates the token: the hash replaces the cluster's, where a
	// command without it only sets the first (command level 2).
	Replace bool `json:"replace,omitempty"`
}

// applyOperatorToken sets the cluster's operator token hash once: the first
// leader proposes its own, later proposals are no-ops, so every node checks
// operator requests against the same secret. A rotation replaces it.
func applyOperatorToken(ac *applyCtx, env Envelope) (any, error) {
	var c operatorTokenCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	if len(c.Hash) != 64 {
		return nil, apperr.New(apperr.Invalid, "operator token hash must be 64 hex characters")
	}
	b := ac.tx.Bucket(bucketCluster)
	if b.Get(keyOperator) != nil && !c.Replace {
		return false, nil
	}
	return true, b.Put(keyOperator, []byte(c.Hash))
}

// NodeMeta is what the cluster knows about a member beyond Raft: where its
// HTTP API lives, so followers can forward writes to the leader.
type NodeMeta = api.NodeMeta

func applyClusterNode(ac *applyCtx, env Envelope) (any, error) {
	var c NodeMeta
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	if c.ID == "" || c.RaftAddr == "" {
		return nil, apperr.New(apperr.Invalid, "node id and raft_addr are required")
	}
	return c, putJSON(ac.tx.Bucket(bucketCluster), []byte(nodePrefix+c.ID), c)
}

type nodeRemoveCmd struct {
	ID string `json:"id"`
}

func applyClusterNodeRemove(ac *applyCtx, env Envelope) (any, error) {
	var c nodeRemoveCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	if err := ac.tx.Bucket(bucketCluster).Delete([]byte(nodePrefix + c.ID)); err != nil {
		return nil, fmt.Errorf("delete node meta: %w", err)
	}
	return nil, nil
}

// LeaderChange records one election, for operators.
type LeaderChange = api.LeaderChange

type leaderCmd struct {
	NodeID string `json:"node_id"`
	Term   uint64 `json:"term"`
}

// maxLeaderChanges bounds the leader-change history kept in the state.
const maxLeaderChanges = 50

func applyClusterLeader(ac *applyCtx, env Envelope) (any, error) {
	var c leaderCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	b := ac.tx.Bucket(bucketCluster)
	var hist []LeaderChange
	if _, err := getJSON(b, keyLeaders, &hist); err != nil {
		return nil, err
	}
	hist = append(hist, LeaderChange{NodeID: c.NodeID, Term: c.Term, At: ac.now})
	if len(hist) > maxLeaderChanges {
		hist = hist[len(hist)-maxLeaderChanges:]
	}
	ac.emit("cluster.leader", hist[len(hist)-1])
	return nil, putJSON(b, keyLeaders, hist)
}
