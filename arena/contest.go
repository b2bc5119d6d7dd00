package arena

import (
	"github.com/agentarena/arena/api"
)

// The contest resources are the API's (package api): the state machine
// stores exactly the JSON that GET /v1/contests serves.
type (
	Seat         = api.Seat
	Contest      = api.Contest
	ContestEvent = api.ContestEvent
	PayTerms     = api.PayTerms
)

// Contest statuses. A contest is created running (its stakes move in the
// same apply), then ends settled (rule-judged games) or passes through
// judging (judge-ranked games); aborted refunds it.
const (
	StatusRunning = api.StatusRunning
	StatusJudging = api.StatusJudging
	StatusSettled = api.StatusSettled
	StatusAborted = api.StatusAborted
)

// Contest event types.
const (
	EvCreated = api.EvCreated
	EvMove    = api.EvMove
	EvForfeit = api.EvForfeit
	EvJudging = api.EvJudging
	EvSettled = api.EvSettled
	EvAborted = api.EvAborted
)

// Bus event types published after commit.
const (
	EventContest      = "contest"       // Data: ContestEvent
	EventArenaUpdated = "arena.updated" // Data: Arena
	EventArenaDeleted = "arena.deleted" // Data: ArenaDeleted
	EventLeaderboard  = "leaderboard"   // Data: LeaderboardChange
)
