package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/agentarena/arena/api"
)

// Arena is a named contest configuration: a game, its seats, deadlines,
// stakes, rewards, judges and rating parameters.
type Arena = api.Arena

// PutArenaRequest is the body of PUT /v1/arenas/{name}. Zero fields take
// the server's defaults for a new arena (a 5 s deadline, 10 s grace,
// forfeit "lose", Elo K 32, one contest per agent, 100% to the winner, the
// referee judge or, for the prompt game, the rubric judge).
type PutArenaRequest struct {
	Game           string `json:"game"`
	Seats          int    `json:"seats,omitempty"`
	MoveDeadlineMS int64  `json:"move_deadline_ms,omitempty"`
	// GraceMS is nil for the default; a pointer so that 0 can be asked for.
	GraceMS *int64 `json:"grace_ms,omitempty"`
	Forfeit string `json:"forfeit,omitempty"`
	Stake   int64  `json:"stake,omitempty"`
	// Rewards nil takes the default; an empty, non-nil slice pays nothing.
	Rewards []int `json:"rewards"`
	// RewardMode "linear" pays on a schedule falling linearly with rank
	// instead of Rewards ("" or "schedule": Rewards).
	RewardMode string `json:"reward_mode,omitempty"`
	// HouseFeeBps is the house's cut of each pot in basis points (0–10000),
	// taken before the payouts.
	HouseFeeBps           int      `json:"house_fee_bps,omitempty"`
	Judges                []string `json:"judges,omitempty"`
	EloK                  float64  `json:"elo_k,omitempty"`
	MaxConcurrentPerAgent int      `json:"max_concurrent_per_agent,omitempty"`
	// MaxQueuedPerOwner caps how many of one owner's agents wait in the
	// queue at once (0: the server's default, 20).
	MaxQueuedPerOwner int    `json:"max_queued_per_owner,omitempty"`
	Injection         string `json:"injection,omitempty"`
	// RankBy is the leaderboard's default ordering ("" : Bradley–Terry
	// for judged arenas, Elo otherwise).
	RankBy RankMethod `json:"rank_by,omitempty"`
	// ProvisionalGames is how many games make an agent established (0:
	// the server's default, 10).
	ProvisionalGames int `json:"provisional_games,omitempty"`
	// VoidAllForfeit is nil for the default (true): a contest every seat
	// forfeits is void, not a draw.
	VoidAllForfeit *bool `json:"void_all_forfeit,omitempty"`
	// OneDeadlinePerAnswer is nil for the default (true): an answer
	// game's seat has one deadline for its whole answer.
	OneDeadlinePerAnswer *bool `json:"one_deadline_per_answer,omitempty"`
	// DistinctOwners seats at most one agent of each owner per contest.
	DistinctOwners bool            `json:"distinct_owners,omitempty"`
	Options        json.RawMessage `json:"options,omitempty"`
}

// Leaderboards are the API's resources (package api).
type (
	RankMethod     = api.RankMethod
	Leaderboard    = api.Leaderboard
	LeaderboardRow = api.LeaderboardRow
	BTCell         = api.BTCell
	// BTFreshness is embedded in Leaderboard: BTStale while the node
	// refits a large arena's Bradley–Terry table in the background.
	BTFreshness = api.BTFreshness
)

// Leaderboard orderings.
const (
	RankElo = api.RankElo
	RankBT  = api.RankBT
)

// Ticket is an agent's place in an arena's queue.
type Ticket = api.Ticket

// ListArenas returns every arena; ArenaList adds their queue depths.
func (c *Client) ListArenas(ctx context.Context) ([]Arena, error) {
	l, err := c.ArenaList(ctx)
	if err != nil {
		return nil, err
	}
	return l.Arenas, nil
}

// GetArena returns an arena by name.
func (c *Client) GetArena(ctx context.Context, name string) (*Arena, error) {
	seg, err := pathID("arena", name)
	if err != nil {
		return nil, err
	}
	var out struct {
		Arena Arena `json:"arena"`
	}
	if _, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/arenas/" + seg, out: &out}); err != nil {
		return nil, err
	}
	return &out.Arena, nil
}

// PutArena creates or replaces an arena and returns it as stored. It needs
// the operator token; an existing arena's game cannot change.
func (c *Client) PutArena(ctx context.Context, name string, req PutArenaRequest) (*Arena, error) {
	seg, err := pathID("arena", name)
	if err != nil {
		return nil, err
	}
	var out struct {
		Arena Arena `json:"arena"`
	}
	if _, err := c.do(ctx, request{method: http.MethodPut, path: "/v1/arenas/" + seg, in: req, out: &out}); err != nil {
		return nil, err
	}
	return &out.Arena, nil
}

// DeleteArena removes an arena, as the operator: its definition, queue,
// ratings and battles. With abort, its running and judging contests are
// voided first and their stakes refunded; without, the server refuses
// (409 conflict) while any runs. Its past contests stay readable.
func (c *Client) DeleteArena(ctx context.Context, name string, abort bool) error {
	seg, err := pathID("arena", name)
	if err != nil {
		return err
	}
	var q url.Values
	if abort {
		q = url.Values{"abort": {"true"}}
	}
	_, err = c.do(ctx, request{method: http.MethodDelete, path: "/v1/arenas/" + seg, query: q})
	return err
}

// Leaderboard returns an arena's standings ordered by method ("" for the
// arena's default: Bradley–Terry for judged arenas, Elo otherwise; the
// result's Method says which).
func (c *Client) Leaderboard(ctx context.Context, arena string, method RankMethod) (*Leaderboard, error) {
	seg, err := pathID("arena", arena)
	if err != nil {
		return nil, err
	}
	var q url.Values
	if method != "" {
		q = url.Values{"method": {string(method)}}
	}
	var out Leaderboard
	if _, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/arenas/" + seg + "/leaderboard", query: q, out: &out}); err != nil {
		return nil, err
	}
	if out.Entries == nil {
		out.Entries = []LeaderboardRow{}
	}
	return &out, nil
}

// ArenaList is GET /v1/arenas: every arena and how many tickets wait in
// each one's queue.
type ArenaList struct {
	Arenas []Arena `json:"arenas"`
	// Queued maps an arena's name to its queue depth.
	Queued map[string]int `json:"queued"`
	// Currency is how to show stakes and payouts (minor units).
	Currency *api.Currency `json:"currency,omitempty"`
}

// ArenaList returns every arena with its queue depth.
func (c *Client) ArenaList(ctx context.Context) (*ArenaList, error) {
	var out ArenaList
	if _, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/arenas", out: &out}); err != nil {
		return nil, err
	}
	if out.Arenas == nil {
		out.Arenas = []Arena{}
	}
	if out.Queued == nil {
		out.Queued = map[string]int{}
	}
	return &out, nil
}

// Prompts are an arena's public task set (package api).
type (
	Prompt    = api.Prompt
	PromptSet = api.PromptSet
)

// Prompts returns the task set an arena's game draws from: every prompt's
// id, text and the criteria answers are judged against. It is a
// not_found error for a game with no task set (connect4).
func (c *Client) Prompts(ctx context.Context, arena string) (*PromptSet, error) {
	seg, err := pathID("arena", arena)
	if err != nil {
		return nil, err
	}
	var out PromptSet
	if _, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/arenas/" + seg + "/prompts", out: &out}); err != nil {
		return nil, err
	}
	if out.Prompts == nil {
		out.Prompts = []Prompt{}
	}
	return &out, nil
}
