package api

import "time"

// Raft node states as reported in ClusterStatus.State.
const (
	StateLeader    = "Leader"
	StateFollower  = "Follower"
	StateCandidate = "Candidate"
)

// ClusterStatus is one node's view of the Raft cluster (GET /v1/cluster).
type ClusterStatus struct {
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
	Leader        *NodeMeta      `json:"leader"`
	Nodes         []Member       `json:"nodes"`
	LeaderChanges []LeaderChange `json:"leader_changes"`
}

// NodeMeta is what the cluster knows about a member beyond Raft: where its
// HTTP API lives, so followers can forward writes to the leader.
type NodeMeta struct {
	ID       string `json:"id"`
	RaftAddr string `json:"raft_addr"`
	HTTPAddr string `json:"http_addr"`
}

// Member is one server of the Raft configuration.
type Member struct {
	ID       string `json:"id"`
	RaftAddr string `json:"raft_addr"`
	HTTPAddr string `json:"http_addr"`
	// Suffrage is the Raft voting status, e.g. "Voter" or "Nonvoter".
	Suffrage string `json:"suffrage"`
	Leader   bool   `json:"leader"`
}

// LeaderChange records one election, for operators.
type LeaderChange struct {
	NodeID string    `json:"node_id"`
	Term   uint64    `json:"term"`
	At     time.Time `json:"at"`
}
