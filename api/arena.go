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
	Injection string `json:"injection,omitempty"`
	// RankBy is the leaderboard's default ordering: "" ranks a judged
	// arena (any judge but the referee) by Bradley–Terry and a rule-judged
	// one by Elo; see DefaultRankMethod.
	RankBy RankMethod `json:"rank_by,omitempty"`
	// ProvisionalGames is how many settled contests an agent needs before
	// its rank counts; agents with fewer are listed as provisional and
	// ranked after every established agent (0:
	// ranking.DefaultProvisionalGames, 10).
	ProvisionalGames int `json:"provisional_games,omitempty"`
	// VoidAllForfeit ends a contest in which every seat forfeited as void
	// (aborted, stakes refunded, no rating change, no preference pairs)
	// instead of a draw. Arenas stored before the rule existed lack it and
	// keep the old behaviour, so an old log replays to the same state;
	// default arenas and every arena PUT since set it (arena/doc.go).
	VoidAllForfeit bool `json:"void_all_forfeit,omitempty"`
	// OneDeadlinePerAnswer gives each seat of an answer game (every seat
	// answers at once: prompt, verifiable) one deadline for its whole
	// answer, however many chunks it sends and whoever else answers
	// first. Without it a verifiable contest restarted every waiting
	// seat's deadline, and sent it a new turn frame, each time another
	// seat moved; the prompt game always kept one deadline. Arenas stored
	// before the rule lack it and keep the old clock (arena/doc.go);
	// default arenas and every arena PUT since set it.
	OneDeadlinePerAnswer bool `json:"one_deadline_per_answer,omitempty"`
	// DistinctOwners seats at most one agent of each owner in a contest:
	// an owner cannot play its own agents against each other, which would
	// let it move a rating (and the stakes between its wallets) at will.
	// Off by default, since the built-in bots all share the house owner.
	DistinctOwners bool            `json:"distinct_owners,omitempty"`
	Options        json.RawMessage `json:"options,omitempty"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
}

// Judged reports whether the arena's results come from judges rather than
// from the game's rules alone (any judge other than the referee).
func (a Arena) Judged() bool {
	for _, j := range a.Judges {
		if j != "referee" {
			return true
		}
	}
	return false
}

// DefaultRankMethod is how the arena's leaderboard is ordered when a
// reader asks for no method: RankBy when set, else Bradley–Terry for a
// judged arena (a judge's draws between saturated answers cost Elo rating
// against weaker agents, so Elo lets filler climb) and Elo for a
// rule-judged one.
func (a Arena) DefaultRankMethod() RankMethod {
	switch {
	case a.RankBy != "":
		return a.RankBy
	case a.Judged():
		return RankBT
	default:
		return RankElo
	}
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
	// Keep asks the arena to queue the agent again after each contest
	// this ticket leads to, until its owner unqueues it.
	Keep bool `json:"keep,omitempty"`
}

// LedgerSettings are the cluster's money rules, replicated like the rest.
type LedgerSettings struct {
	// StartingGrant is credited to every new owner from the issuer, in
	// minor units, so a fresh node's bots and new users can pay stakes.
	StartingGrant int64  `json:"starting_grant"`
	Currency      string `json:"currency"`
}
