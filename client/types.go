package client

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/agentarena/arena/api"
)

// Owner is a person or team that owns agents and holds an API key.
type Owner struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
}

// CreateOwnerRequest is the body of POST /v1/owners.
type CreateOwnerRequest struct {
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
}

// CreateOwnerResponse carries the new owner's API key. The server never
// shows the key again, so callers must store it now.
type CreateOwnerResponse struct {
	Owner  Owner  `json:"owner"`
	APIKey string `json:"api_key"`
}

// AgentKind says how the arena reaches an agent.
type AgentKind string

// Agent kinds.
const (
	// KindWebSocket agents connect to the arena and keep a socket open.
	KindWebSocket AgentKind = "websocket"
	// KindWebhook agents are called by the arena at their WebhookURL.
	KindWebhook AgentKind = "webhook"
	// KindOpenAI agents are model servers speaking the OpenAI
	// chat-completions API, described by their Endpoint; the arena calls
	// them for every turn.
	KindOpenAI AgentKind = "openai"
	// KindBuiltin agents are the arena's own bots; they cannot be created
	// through the API.
	KindBuiltin AgentKind = "builtin"
)

// ModelEndpoint describes the model server behind a KindOpenAI agent.
// Callers other than the agent's owner and the operator see only Model.
type ModelEndpoint struct {
	// BaseURL is the API root including "/v1"; the arena POSTs to
	// BaseURL + "/chat/completions".
	BaseURL string `json:"base_url"`
	Model   string `json:"model"`
	// Temperature and TopP are nil for the model server's default.
	Temperature *float64 `json:"temperature,omitempty"`
	TopP        *float64 `json:"top_p,omitempty"`
	// MaxTokens is 0 for the model server's default.
	MaxTokens int `json:"max_tokens,omitempty"`
	// System is the system prompt sent before every turn ("" for the
	// arena's default).
	System string `json:"system,omitempty"`
}

// Agent is a registered agent.
type Agent struct {
	ID          string    `json:"id"`
	OwnerID     string    `json:"owner_id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Kind        AgentKind `json:"kind"`
	WebhookURL  string    `json:"webhook_url"`
	// Endpoint is set for KindOpenAI agents. The endpoint's API key is
	// write-only: no route ever returns it.
	Endpoint *ModelEndpoint `json:"endpoint,omitempty"`
	// Version increases on every update; it identifies a revision of the
	// agent's configuration.
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// CreateAgentRequest is the body of POST /v1/agents. Zero-valued optional
// fields are omitted so the server applies its defaults.
type CreateAgentRequest struct {
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Kind        AgentKind `json:"kind,omitempty"`
	WebhookURL  string    `json:"webhook_url,omitempty"`
	// Endpoint is required for KindOpenAI and refused for other kinds.
	Endpoint *ModelEndpoint `json:"endpoint,omitempty"`
	// APIKey is the model server's key (KindOpenAI only; empty for a
	// server that needs none). The server encrypts it and never returns
	// it; String and Format leave it out, so the request can be logged.
	APIKey string `json:"api_key,omitempty"`
}

// String describes the request without its APIKey.
func (r CreateAgentRequest) String() string {
	r.APIKey = redactKey(r.APIKey)
	return fmt.Sprintf("{Name:%q Description:%q Kind:%q WebhookURL:%q Endpoint:%v APIKey:%s}",
		r.Name, r.Description, r.Kind, r.WebhookURL, r.Endpoint, r.APIKey)
}

// Format makes every verb, %#v included, print String's redacted form.
func (r CreateAgentRequest) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// CreateAgentResponse carries the agent's key, which the agent uses to
// authenticate. The server never shows it again.
type CreateAgentResponse struct {
	Agent    Agent  `json:"agent"`
	AgentKey string `json:"agent_key"`
	// WebhookSecret signs the arena's calls to a webhook agent (see
	// docs/PROTOCOL.md, "Verifying webhook calls"); "" for other kinds.
	WebhookSecret string `json:"webhook_secret,omitempty"`
}

// UpdateAgentResponse is the agent as stored after a PATCH, with the new
// webhook secret of an agent that became a webhook agent (shown once).
type UpdateAgentResponse struct {
	Agent         Agent  `json:"agent"`
	WebhookSecret string `json:"webhook_secret,omitempty"`
}

// WebhookSecretResponse is a rotated webhook secret, shown once.
type WebhookSecretResponse struct {
	ID            string `json:"id"`
	WebhookSecret string `json:"webhook_secret"`
}

// OwnerKeyResponse answers POST /v1/owners/me/key: the owner's new API
// key, shown once.
type OwnerKeyResponse struct {
	ID     string `json:"id"`
	APIKey string `json:"api_key"`
}

// AgentDetail answers GET /v1/agents/{id}.
type AgentDetail struct {
	Agent     Agent  `json:"agent"`
	OwnerName string `json:"owner_name,omitempty"`
	// Queued is where the agent waits now: nil unless the caller is its
	// owner or the operator, and empty when it waits nowhere.
	Queued *[]QueueEntry `json:"queued,omitempty"`
	// Connection is whether a websocket agent is connected: nil unless
	// the caller is its owner or the operator, and for other kinds.
	Connection *AgentConnection `json:"connection,omitempty"`
}

// AgentConnection is a websocket agent's connection as the leader (where
// agents connect) sees it; a follower asked for it asks the leader.
type AgentConnection struct {
	// State is "connected", "disconnected" or "unknown" (the leader could
	// not be asked; Reason says why).
	State string `json:"state"`
	// NodeID is the node holding the socket, or (disconnected) the node
	// that answered.
	NodeID string `json:"node_id,omitempty"`
	// Since is when the socket opened, or (disconnected) when that node
	// saw the last one close; nil when it has seen none.
	Since  *time.Time `json:"since,omitempty"`
	Reason string     `json:"reason,omitempty"`
}

// QueueEntry is one arena an agent waits in; Keep when the arena queues
// it again after each contest.
type QueueEntry struct {
	Arena string `json:"arena"`
	Keep  bool   `json:"keep"`
}

// RatingHistory answers GET /v1/agents/{id}/ratings.
type RatingHistory struct {
	AgentID string        `json:"agent_id"`
	History []RatingPoint `json:"history"`
	// Contests counts each arena's settled contests, those a limit
	// (RecentRatings) left out of History included.
	Contests map[string]int `json:"contests,omitempty"`
}

// RatingPoint is one settled contest in an agent's rating history. Before
// and After are fixed point, 1000 per rating point, as the leaderboard's
// rating; Rank is the agent's place (0 first) among Seats.
type RatingPoint struct {
	Arena   string    `json:"arena"`
	Contest string    `json:"contest"`
	At      time.Time `json:"at"`
	Before  int64     `json:"before"`
	After   int64     `json:"after"`
	Rank    int       `json:"rank"`
	Seats   int       `json:"seats"`
}

// AgentKeyResponse answers POST /v1/agents/{id}/key: the agent's new key,
// shown once.
type AgentKeyResponse struct {
	ID       string `json:"id"`
	AgentKey string `json:"agent_key"`
}

// UpdateAgentRequest is the body of PATCH /v1/agents/{id}. Only non-nil
// fields are sent, which is how a field is left unchanged; pointing at an
// empty string clears it. With Go 1.26, new("value") builds the pointer.
type UpdateAgentRequest struct {
	Name        *string    `json:"name,omitempty"`
	Description *string    `json:"description,omitempty"`
	Kind        *AgentKind `json:"kind,omitempty"`
	WebhookURL  *string    `json:"webhook_url,omitempty"`
	// Endpoint replaces the whole endpoint of a KindOpenAI agent.
	Endpoint *ModelEndpoint `json:"endpoint,omitempty"`
	// APIKey replaces the model server's key; pointing at "" removes it.
	// It is write-only, and String and Format leave it out.
	APIKey *string `json:"api_key,omitempty"`
}

// IsEmpty reports whether the update would change nothing.
func (r UpdateAgentRequest) IsEmpty() bool {
	return r.Name == nil && r.Description == nil && r.Kind == nil && r.WebhookURL == nil &&
		r.Endpoint == nil && r.APIKey == nil
}

// String describes the set fields of the update without the APIKey.
func (r UpdateAgentRequest) String() string {
	var b strings.Builder
	b.WriteByte('{')
	field := func(name string, v any) {
		if b.Len() > 1 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s:%v", name, v)
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"Name", r.Name}, {"Description", r.Description}, {"Kind", (*string)(r.Kind)}, {"WebhookURL", r.WebhookURL}} {
		if f.v != nil {
			field(f.name, strconv.Quote(*f.v))
		}
	}
	if r.Endpoint != nil {
		field("Endpoint", r.Endpoint)
	}
	if r.APIKey != nil {
		field("APIKey", redactKey(*r.APIKey))
	}
	b.WriteByte('}')
	return b.String()
}

// Format makes every verb, %#v included, print String's redacted form.
func (r UpdateAgentRequest) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

func redactKey(k string) string {
	if k == "" {
		return `""`
	}
	return "[redacted]"
}

// ListAgentsOptions filters GET /v1/agents. Zero values are not sent.
type ListAgentsOptions struct {
	// Owner is an owner id, or "me" for the owner of the client's key.
	Owner string
	// Limit caps the page size; the server applies its own default and
	// maximum.
	Limit int
	// Cursor continues from a previous page's NextCursor.
	Cursor string
}

// AgentPage is one page of GET /v1/agents.
type AgentPage struct {
	Agents []Agent `json:"agents"`
	// NextCursor is empty on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// Raft node states as reported in ClusterStatus.State.
const (
	StateLeader    = api.StateLeader
	StateFollower  = api.StateFollower
	StateCandidate = api.StateCandidate
)

// ClusterStatus is the answering node's view of the Raft cluster; Leader
// is nil when the node currently knows no leader. Without the operator
// token its StateHash may be up to a second older than AppliedIndex
// (StateHashIndex says which index it is for).
type ClusterStatus = api.ClusterStatus

// Delivery is one call the arena made to a webhook agent.
type Delivery = api.Delivery

// DeliveryList is the body of GET /v1/agents/{id}/deliveries: the calls
// the leader (NodeID) made to the agent, newest first.
type DeliveryList struct {
	Agent      string     `json:"agent"`
	NodeID     string     `json:"node_id"`
	Deliveries []Delivery `json:"deliveries"`
}

// NodeAddr locates a node.
type NodeAddr = api.NodeMeta

// Node is a member of the Raft configuration.
type Node = api.Member

// LeaderChange records one election.
type LeaderChange = api.LeaderChange

// JoinRequest is the body of POST /v1/cluster/join.
type JoinRequest struct {
	NodeID   string `json:"node_id"`
	RaftAddr string `json:"raft_addr"`
	HTTPAddr string `json:"http_addr"`
	// SecretsKeyID is the fingerprint (secrets.Fingerprint) of the
	// joiner's secrets key, when it has one: a cluster sealing with
	// another key refuses the join (409) before the node becomes a member.
	SecretsKeyID string `json:"secrets_key_id,omitempty"`
	// ReadReplica keeps the node a non-voter for good (a read replica);
	// otherwise it joins as a non-voter and the leader promotes it to
	// voter once it has caught up.
	ReadReplica bool `json:"read_replica,omitempty"`
	// CommandLevel is the joiner's release's command level
	// (arena.CommandLevel): a cluster at a higher level refuses the join
	// (409), since the node could not apply its log.
	CommandLevel int `json:"command_level,omitempty"`
}

// Readiness is the body of GET /readyz.
type Readiness struct {
	// Status is "ready" or "not_ready".
	Status string `json:"status"`
	// Reason explains a not_ready status.
	Reason string `json:"reason,omitempty"`
	// AppliedIndex, LeaderCommitIndex and Lag say how far a follower
	// trails the leader (absent when readiness failed before it was asked).
	AppliedIndex      uint64 `json:"applied_index,omitempty"`
	LeaderCommitIndex uint64 `json:"leader_commit_index,omitempty"`
	Lag               uint64 `json:"lag,omitempty"`
}

// IsReady reports whether the node can serve traffic.
func (r Readiness) IsReady() bool { return r.Status == "ready" }
