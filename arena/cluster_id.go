package arena

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/apperr"
)

// A cluster id names one cluster for its whole life, as etcd's does: a
// node id alone cannot tell two clusters apart (every quick start names
// its nodes n1, n2, n3), so a data dir copied from another cluster, or
// kept from one torn down, could pass for a member's. The first leader
// at LevelClusterID mints it and the log carries it to every member, so
// a node knows its cluster's id from its own state file before its Raft
// starts. A restore starts a new cluster and mints a new one.

// clusterIDLen is the length of a minted id: 16 random bytes in hex.
const clusterIDLen = 32

type clusterIDCmd struct {
	ID string `json:"id"`
}

// NewClusterID returns a fresh random cluster id.
func NewClusterID() (string, error) {
	var b [clusterIDLen / 2]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("mint a cluster id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

func validClusterID(id string) bool {
	if len(id) != clusterIDLen {
		return false
	}
	for _, c := range id {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// applyClusterID names the cluster once: a later proposal (two leaders
// of one term cannot exist, but a leader that lost the answer to its
// proposal proposes again) keeps the first id, so every node ends with
// the same one. It returns the cluster's id.
func applyClusterID(ac *applyCtx, env Envelope) (any, error) {
	var c clusterIDCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	if !validClusterID(c.ID) {
		return nil, apperr.New(apperr.Invalid, "cluster id must be %d lower-case hex characters", clusterIDLen)
	}
	b := ac.tx.Bucket(bucketCluster)
	if cur := b.Get(keyClusterID); cur != nil {
		return string(cur), nil
	}
	return c.ID, b.Put(keyClusterID, []byte(c.ID))
}

// ClusterID is the cluster's id as this node has applied it: "" before
// the cluster has reached LevelClusterID and its leader has named it
// (a data dir of an older release, or one that has not caught up).
func (n *Node) ClusterID() string { return n.fsm.ClusterID() }

// raftIdentity is the cluster this node's Raft connections belong to
// (raft_cluster_check.go): the id its state holds, announced once the
// cluster is at LevelClusterID, or, until the state holds one, the id of
// the cluster an empty data dir joins (Config.JoinClusterID) or the id a
// bootstrapping node will name its new cluster with, neither announced
// but both refusing another cluster's connections. A node that took any
// of them until the leader's snapshot reached it could be given another
// cluster's state first; and a member whose dir was emptied and that was
// restarted without --join, contacted by its old cluster's leader before
// its own first election, took that leader's log and sat in the old
// cluster as an empty voter (seen on loopback, 7 December 2026), which
// the --join checks exist to prevent.
func (n *Node) raftIdentity() (string, bool) {
	if id := n.ClusterID(); id != "" {
		return id, n.ClusterLevel() >= LevelClusterID
	}
	if id := n.bootstrapID.Load(); id != nil {
		return *id, false
	}
	return n.cfg.JoinClusterID, false
}

// ClusterID reads the cluster's id from the state file.
func (f *FSM) ClusterID() string {
	var id string
	_ = f.View(func(tx *bolt.Tx) error {
		id = string(tx.Bucket(bucketCluster).Get(keyClusterID))
		return nil
	})
	return id
}

// ensureClusterID has the leader name the cluster once its level allows
// it: on the election of a leader of a cluster already there, or right
// after the raise that brings an upgraded cluster to it.
func (n *Node) ensureClusterID(ctx context.Context) error {
	if n.ClusterLevel() < LevelClusterID || n.ClusterID() != "" {
		return nil
	}
	var id string
	if b := n.bootstrapID.Load(); b != nil {
		id = *b // the id its connections were already checked against
	} else {
		var err error
		if id, err = NewClusterID(); err != nil {
			return err
		}
	}
	res, err := n.Apply(ctx, CmdClusterID, clusterIDCmd{ID: id})
	if err != nil {
		return fmt.Errorf("name the cluster: %w", err)
	}
	n.log.Info("cluster named", "cluster_id", res)
	return nil
}

// renameCluster gives a restored state file a new cluster id: the
// cluster started from it is a new one, and the id must tell its members
// from the backed-up cluster's, whose dirs may still be about. A backup
// from before LevelClusterID is left unnamed; its first leader names it.
func renameCluster(path string) (string, error) {
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", path, err)
	}
	var id string
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCluster)
		if b == nil || b.Get(keyClusterID) == nil {
			return nil
		}
		var err error
		if id, err = NewClusterID(); err != nil {
			return err
		}
		return b.Put(keyClusterID, []byte(id))
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("name the restored cluster: %w", err)
	}
	return id, nil
}
