package arena

import (
	"time"

	"github.com/agentarena/arena/ranking"
)

// RatingPoint is one step of an agent's rating history.
type RatingPoint struct {
	Arena   string         `json:"arena"`
	Contest string         `json:"contest"`
	At      time.Time      `json:"at"`
	Before  ranking.Rating `json:"before"`
	After   ranking.Rating `json:"after"`
	Rank    int            `json:"rank"`
	Seats   int            `json:"seats"`
}

// Battle is one pairwise outcome of a settled contest: every pair of seats
// counts, as in the Elo update.
type Battle struct {
	Contest string `json:"contest"`
	A       string `json:"a"`
	B       string `json:"b"`
	// Winner is 0 when A ranked better, 1 when B did, 2 for a tie.
	Winner int `json:"winner"`
}

// RatingEntry is one agent's row of an arena's leaderboard.
type RatingEntry struct {
	Arena   string         `json:"arena"`
	AgentID string         `json:"agent_id"`
	Name    string         `json:"name"`
	OwnerID string         `json:"owner_id"`
	Rating  ranking.Rating `json:"rating"` // fixed point, see ranking.Rating
	Games   int            `json:"games"`
	Wins    int            `json:"wins"`
	Draws   int            `json:"draws"`
	Losses  int            `json:"losses"`
	LastAt  time.Time      `json:"last_at"`
}

// LeaderboardChange is published when a settlement moves ratings.
type LeaderboardChange struct {
	Arena   string        `json:"arena"`
	Contest string        `json:"contest"`
	Entries []RatingEntry `json:"entries"`
}
