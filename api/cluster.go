package api

import (
	"fmt"
	"time"
)

// Raft node states as reported in ClusterStatus.State.
const (
	StateLeader    = "Leader"
	StateFollower  = "Follower"
	StateCandidate = "Candidate"
)

// ClusterStatus is one node's view of the Raft cluster (GET /v1/cluster).
type ClusterStatus struct {
	// ClusterID names the cluster for its whole life (a restore starts a
	// new one); empty until a leader at command level 3 has named it.
	ClusterID    string `json:"cluster_id,omitempty"`
	NodeID       string `json:"node_id"`
	State        string `json:"state"`
	Term         uint64 `json:"term"`
	CommitIndex  uint64 `json:"commit_index"`
	AppliedIndex uint64 `json:"applied_index"`
	LastLogIndex uint64 `json:"last_log_index"`
	// StateHash is a hex digest of the applied state at StateHashIndex;
	// equal hashes at equal indexes mean two nodes agree.
	StateHash string `json:"state_hash"`
	// StateHashIndex is the applied index StateHash was taken at: equal to
	// AppliedIndex in a fresh status; without the operator token the hash
	// may be up to a second older.
	StateHashIndex uint64 `json:"state_hash_index"`
	// Leader is nil when the node currently knows no leader.
	Leader *NodeMeta `json:"leader"`
	// CommandLevel is the cluster's command level: the newest log format
	// its leaders propose, raised once every member runs a release that
	// has it (docs/OPERATIONS.md, Upgrading).
	CommandLevel  int            `json:"command_level"`
	Nodes         []Member       `json:"nodes"`
	LeaderChanges []LeaderChange `json:"leader_changes"`
}

// Removed reports a node that was removed from the cluster while it ran,
// as the node's own /readyz tells it: its configuration lists other
// members but not it, and its Raft has stopped (a leader that removed
// itself) or it knows no leader (a follower removed). A node that has
// not joined yet holds no configuration, and one catching up hears from
// a leader.
func (s *ClusterStatus) Removed() bool {
	if len(s.Nodes) == 0 {
		return false
	}
	for _, n := range s.Nodes {
		if n.ID == s.NodeID {
			return false
		}
	}
	return s.State == "Shutdown" || s.Leader == nil || s.Leader.ID == ""
}

// NodeMeta is what the cluster knows about a member beyond Raft: where its
// HTTP API lives, so followers can forward writes to the leader.
type NodeMeta struct {
	ID       string `json:"id"`
	RaftAddr string `json:"raft_addr"`
	HTTPAddr string `json:"http_addr"`
	// ReadReplica keeps the member a non-voter: the leader never promotes
	// it (spectator read replicas). omitempty: old logs replay unchanged.
	ReadReplica bool `json:"read_replica,omitempty"`
}

// Member is one server of the Raft configuration.
type Member struct {
	ID       string `json:"id"`
	RaftAddr string `json:"raft_addr"`
	HTTPAddr string `json:"http_addr"`
	// Suffrage is the Raft voting status, e.g. "Voter" or "Nonvoter".
	Suffrage string `json:"suffrage"`
	Leader   bool   `json:"leader"`
	// ReadReplica: the member stays a non-voter (NodeMeta.ReadReplica).
	ReadReplica bool `json:"read_replica,omitempty"`
	// AppliedIndex and Lag (entries behind the highest commit index this
	// node has seen) come from polling each member's /v1/cluster/progress;
	// Reachable is false when the member did not answer the last poll.
	// Absent when the serving node has no poller (tests without HTTP).
	AppliedIndex *uint64 `json:"applied_index,omitempty"`
	Lag          *uint64 `json:"lag,omitempty"`
	Reachable    *bool   `json:"reachable,omitempty"`
	// CommandLevel is the member's release's level, from the same poll.
	CommandLevel *int `json:"command_level,omitempty"`
	// Problem says why Reachable is false: the last poll's error, e.g. a
	// node of another cluster answering at the member's address.
	Problem string `json:"problem,omitempty"`
}

// Progress is one node's cheap account of how far it has got, served at
// GET /v1/cluster/progress: what readiness, promotion of non-voters and
// the status's lag column are computed from.
type Progress struct {
	NodeID       string `json:"node_id"`
	State        string `json:"state"`
	Term         uint64 `json:"term"`
	CommitIndex  uint64 `json:"commit_index"`
	AppliedIndex uint64 `json:"applied_index"`
	LastLogIndex uint64 `json:"last_log_index"`
	// LeaderID is "" while the node knows no leader.
	LeaderID string `json:"leader_id"`
	// CommandLevel is the newest log format the node's release proposes
	// and reads (arena.CommandLevel); releases before levels existed do
	// not send it, which reads as 0.
	CommandLevel int `json:"command_level"`
	// ClusterID is the cluster the node belongs to ("" until named, and
	// from releases before ids): a poller of another cluster's id is
	// told that its member's address answers for another cluster.
	ClusterID string `json:"cluster_id,omitempty"`
}

// LeaderChange records one election, for operators.
type LeaderChange struct {
	NodeID string    `json:"node_id"`
	Term   uint64    `json:"term"`
	At     time.Time `json:"at"`
}

// ValidNodeID checks a new node's id: 1–64 letters, digits, '.', '_' or
// '-', starting with a letter or digit. An id is part of URLs
// (DELETE /v1/cluster/nodes/{id}) and file names; one with a '/' joined a
// cluster and could never be removed.
func ValidNodeID(id string) error {
	ok := id != "" && len(id) <= 64
	for i, r := range id {
		alnum := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		ok = ok && (alnum || i > 0 && (r == '.' || r == '_' || r == '-'))
	}
	if !ok {
		return fmt.Errorf("node id %q: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", id)
	}
	return nil
}
