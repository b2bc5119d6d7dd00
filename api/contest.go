package api

import (
	"encoding/json"
	"time"
)

// Contest statuses. A contest is created running (its stakes move in the
// same apply), then ends settled (rule-judged games) or passes through
// judging (judge-ranked games); aborted refunds it.
const (
	StatusRunning = "running"
	StatusJudging = "judging" // judge-ranked games, between the last move and the verdict
	StatusSettled = "settled"
	StatusAborted = "aborted" // stakes refunded
)

// Contest event types (ContestEvent.Type). A seat that misses a deadline
// under the three-strikes rule also records a "strike", and a new leader
// that re-arms deadlines a "resumed".
const (
	EvCreated = "created"
	EvMove    = "move"
	EvForfeit = "forfeit"
	EvJudging = "judging"
	EvSettled = "settled"
	EvAborted = "aborted"
)

// Seat is one entrant of a contest, pinned to the agent version that played.
type Seat struct {
	AgentID string `json:"agent_id"`
	OwnerID string `json:"owner_id"`
	Name    string `json:"name"`
	Version int    `json:"version"`
	// KeepQueued: the seat came from a keep ticket, so the agent is queued
	// again when the contest ends (unless its owner unqueued it, or it
	// forfeited).
	KeepQueued bool `json:"keep_queued,omitempty"`
}

// Contest is the replicated record of one contest.
type Contest struct {
	ID     string `json:"id"`
	Arena  string `json:"arena"`
	Game   string `json:"game"`
	Status string `json:"status"`
	Seats  []Seat `json:"seats"`
	Seed   uint64 `json:"seed"`
	// State is the game state (games.State.Marshal output). GET
	// /v1/contests/{id} sends it as null and returns the spectator view
	// beside the contest instead.
	State json.RawMessage `json:"state"`
	// Seq is the number of the contest's last event; Turn counts applied
	// moves and is what a move frame must quote.
	Seq  uint64 `json:"seq"`
	Turn uint64 `json:"turn"`
	// Deadlines[seat] is when the seat's current move is due (Unix ns), 0
	// when the seat is not to move.
	Deadlines []int64   `json:"deadlines"`
	Strikes   []int     `json:"strikes"`
	CreatedAt time.Time `json:"created_at"`
	EndedAt   time.Time `json:"ended_at,omitzero"`
	// Ranks[seat] is the final place (0 = first) once settled.
	Ranks        []int     `json:"ranks,omitempty"`
	RatingDeltas []float64 `json:"rating_deltas,omitempty"`
	// Payouts[seat] is what the seat's owner received from the escrow, in
	// minor units.
	Payouts []int64 `json:"payouts,omitempty"`
	// Terms are the payout terms the seats staked under, fixed when the
	// contest started: a later change to the arena's rewards or house fee
	// applies to contests created after it. Nil for a free contest, and
	// for contests started before terms were kept (those are paid on the
	// arena's terms at the time they settle).
	Terms   *PayTerms       `json:"terms,omitempty"`
	Reason  string          `json:"reason,omitempty"`
	Verdict json.RawMessage `json:"verdict,omitempty"`
}

// PayTerms is how a contest's pot is shared: Rewards are the percent of
// the pot after the fee paid to each place (0 = first), linear schedules
// written out; HouseFeeBps is the house's cut in basis points.
type PayTerms struct {
	Rewards     []int `json:"rewards"`
	HouseFeeBps int   `json:"house_fee_bps"`
}

// SeatOf returns the seat an agent holds, or -1.
func (c *Contest) SeatOf(agentID string) int {
	for i, s := range c.Seats {
		if s.AgentID == agentID {
			return i
		}
	}
	return -1
}

// Active reports whether the contest still needs the runner: it is running
// or judging.
func (c *Contest) Active() bool { return c.Status == StatusRunning || c.Status == StatusJudging }

// ContestEvent is one entry of a contest's replicated history; spectators
// receive these in Seq order and replays step through them.
type ContestEvent struct {
	Contest string          `json:"contest"`
	Seq     uint64          `json:"seq"`
	Type    string          `json:"type"`
	At      time.Time       `json:"at"`
	Seat    *int            `json:"seat,omitempty"`
	Turn    uint64          `json:"turn"`
	Move    json.RawMessage `json:"move,omitempty"`
	Auto    bool            `json:"auto,omitempty"` // played by the runner for a seat that missed its deadline
	Reason  string          `json:"reason,omitempty"`
	// Data carries the whole contest (without its state) on created,
	// judging, settled and aborted events, and the verdict on judged
	// events. The node sets a Contest here; decoded from JSON it is the
	// generic value (map[string]any).
	Data any `json:"data,omitempty"`
}
