package api

import (
	"encoding/json"
	"time"
)

// Arena is a named contest configuration: a game, its seats, deadlines,
// stakes, rewards, judges and rating parameters.
type Arena struct {
	Name  string `json:"name"`
	Game  string `json:"game"`
	Seats int    `json:"seats"`
	// MoveDeadlineMS bounds each turn (for the prompt game: the whole answer).
	MoveDeadlineMS int64 `json:"move_deadline_ms"`
	// GraceMS is how long a disconnected websocket agent may take to come
	// back before it forfeits its running contests.
	GraceMS int64 `json:"grace_ms"`
	// Forfeit is "lose" or "three_strikes": what a missed deadline costs.
	Forfeit string `json:"forfeit"`
	// Stake is each seat's entry fee in minor units; Rewards the payout
	// schedule in percent of the pot by place (the ledger applies both).
	Stake   int64 `json:"stake"`
	Rewards []int `json:"rewards"`
	// RewardMode "linear" pays by rank on a linear schedule instead of
	// Rewards; "" or "schedule" uses Rewards.
	RewardMode string `json:"reward_mode,omitempty"`
	// HouseFeeBps is the house's cut of each pot, in basis points.
	HouseFeeBps int      `json:"house_fee_bps,omitempty"`
	Judges      []string `json:"judges"`
	EloK        float64  `json:"elo_k"`
	// MaxConcurrentPerAgent caps how many contests of this arena one agent
	// plays at once.
	MaxConcurrentPerAgent int `json:"max_concurrent_per_agent"`
	// MaxQueuedPerOwner caps how many of one owner's agents wait in this
	// arena's queue at once (0: the node's default).
	MaxQueuedPerOwner int `json:"max_queued_per_owner,omitempty"`
	// Injection is what happens to an entry a judge flags for addressing
	// the judge: "forfeit" ranks it last (the default), "flag_only" keeps
	// the judges' ranking and only records the flag.
	Injection string          `json:"injection,omitempty"`
	Options   json.RawMessage `json:"options,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// Ticket is an agent waiting in an arena's queue. Queues are replicated so
// a new leader's matchmaker sees exactly who was waiting.
type Ticket struct {
	Arena    string    `json:"arena"`
	AgentID  string    `json:"agent_id"`
	OwnerID  string    `json:"owner_id"`
	QueuedAt time.Time `json:"queued_at"`
	// Seq is the log index that queued the ticket: a total order.
	Seq uint64 `json:"seq"`
}

// LedgerSettings are the cluster's money rules, replicated like the rest.
type LedgerSettings struct {
	// StartingGrant is credited to every new owner from the issuer, in
	// minor units, so a fresh node's bots and new users can pay stakes.
	StartingGrant int64  `json:"starting_grant"`
	Currency      string `json:"currency"`
}
