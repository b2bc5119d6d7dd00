package api

import "time"

// RankMethod orders a leaderboard.
type RankMethod string

// Leaderboard orderings.
const (
	// RankElo orders by Elo rating (rule-judged arenas' default).
	RankElo RankMethod = "elo"
	// RankBT orders by Bradley–Terry rank; agents whose intervals overlap
	// share a rank (judged arenas' default).
	RankBT RankMethod = "bt"
)

// Leaderboard is an arena's standings (GET /v1/arenas/{name}/leaderboard).
type Leaderboard struct {
	Arena   string           `json:"arena"`
	Method  RankMethod       `json:"method"`
	Entries []LeaderboardRow `json:"entries"`
	BTFreshness
}

// BTFreshness says which settlements a board's Bradley–Terry cells cover.
// The Elo columns are always current. A large arena's Bradley–Terry fit
// takes seconds, so when its last fit took over a quarter of a second the
// node refits it in the background and serves the previous fit meanwhile:
// BTStale is then true, and BTAsOf is the time of the newest settlement
// the cells include (agents first rated since have no bt cell yet).
type BTFreshness struct {
	// BTAsOf is absent when the board has no entries.
	BTAsOf  *time.Time `json:"bt_as_of,omitempty"`
	BTStale bool       `json:"bt_stale"`
}

// LeaderboardRow is one agent's standing in an arena.
type LeaderboardRow struct {
	// Rank is the position by Elo, or the Bradley–Terry rank (shared by
	// statistically tied agents) when ordered by RankBT. Provisional
	// agents rank after every established one; with nobody established
	// they rank from 1 (ranking/provisional.go).
	Rank int `json:"rank"`
	// Provisional is true while the agent has played fewer than the
	// arena's provisional_games contests.
	Provisional bool   `json:"provisional"`
	AgentID     string `json:"agent_id"`
	// Name is the agent's current name (looked up when the row is
	// served); a deleted agent keeps the name it last played under.
	Name string `json:"name"`
	// Deleted is true when the agent has been deleted since it played:
	// its rating stays on the board, but GET /v1/agents/{id} is a 404.
	Deleted bool   `json:"deleted,omitempty"`
	OwnerID string `json:"owner_id"`
	// OwnerName is the owner's display name, looked up when the row is
	// served (it is not part of the rating state).
	OwnerName string  `json:"owner_name,omitempty"`
	Elo       float64 `json:"elo"`
	// Rating is the Elo rating in fixed point (thousandths of a point).
	Rating int64 `json:"rating"`
	// BT is nil until the agent has Bradley–Terry battles.
	BT     *BTCell   `json:"bt,omitempty"`
	Games  int       `json:"games"`
	Wins   int       `json:"wins"`
	Draws  int       `json:"draws"`
	Losses int       `json:"losses"`
	LastAt time.Time `json:"last_at"`
}

// BTCell is an agent's Bradley–Terry rating with its 95% bootstrap
// interval.
type BTCell struct {
	Rating float64 `json:"rating"`
	Lower  float64 `json:"lower"`
	Upper  float64 `json:"upper"`
	// Rank is 1 + the number of agents whose lower bound is above this
	// agent's upper bound: statistically tied agents share a rank.
	Rank    int `json:"rank"`
	Battles int `json:"battles"`
}
