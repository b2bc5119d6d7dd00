package runner

import (
	"context"
	"encoding/json"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/games"
	"github.com/agentarena/arena/ledger"
	"github.com/agentarena/arena/ranking"
)

// Node is what the runner needs from the local node: local reads of the
// replicated state, the event bus, and the commands it proposes. Every
// write goes through Raft; the runner holds no state of its own that
// outlives a term.
type Node interface {
	// LeaderReady reports whether this node leads and has committed a
	// command of its current term: only then may the runner act.
	LeaderReady() bool
	Bus() *arena.Bus

	// Reads of the local state.
	Arena(name string) (api.Arena, error)
	Arenas() ([]api.Arena, error)
	Contest(id string) (*arena.Contest, error)
	ActiveContests() ([]*arena.Contest, error)
	// SharedContest and SharedActiveContests read like Contest and
	// ActiveContests without copying the node's remembered contests: the
	// runner changes nothing in what they return, and reads every
	// contest after each of its moves and ten times a second.
	SharedContest(id string) (*arena.Contest, error)
	SharedActiveContests() ([]*arena.Contest, error)
	Contests(f arena.ContestFilter) ([]arena.Contest, string, error)
	ContestsOf(agentID string) []string
	GameState(c *arena.Contest) (games.State, error)
	Tickets(arenaName string) ([]arena.Ticket, error)
	RecentOpponents() (map[string][]string, error)
	RatingOf(arenaName, agentID string) (arena.RatingEntry, bool, error)
	RatingAfter(agentID, arenaName, contestID string) (ranking.Rating, bool, error)
	ContestEvents(id string, since uint64, limit int) ([]arena.ContestEvent, error)
	PublicView(c *arena.Contest) (any, error)
	Stakes(cs []arena.Contest) ([][]int64, error)
	CanAfford(ownerID string, amount int64) bool
	Balance(ownerID string) (ledger.Account, error)
	GetAgent(id string) (agents.Agent, error)
	AgentSecret(id string) string
	WebhookSecret(id string) string

	// Commands, proposed on the leader.
	Seed(ctx context.Context, arenas []api.Arena, bots []arena.BotSpec) error
	Queue(ctx context.Context, arenaName, agentID string) (arena.Ticket, error)
	Unqueue(ctx context.Context, arenaName, agentID string) error
	CreateContest(ctx context.Context, id, arenaName string, agentIDs []string, seed uint64) (*arena.Contest, error)
	ResumeContest(ctx context.Context, contest string) error
	Move(ctx context.Context, contest, agentID string, turn *uint64, move json.RawMessage) error
	Resign(ctx context.Context, contest, agentID, reason string) error
	Timeout(ctx context.Context, contest string, seat int, deadline int64) error
	Judged(ctx context.Context, contest string, ranks []int, verdict json.RawMessage, flagged []int) error
	// AbortContest voids a contest, refunding its stakes (the operator's
	// abort; the runner's when a judging is given up).
	AbortContest(ctx context.Context, contest, reason string) error
	// Grant credits an owner's wallet (the house's top-up, house.go).
	Grant(ctx context.Context, id, ownerID string, amount int64, kind, memo string) (ledger.Transfer, error)
}

var _ Node = (*arena.Node)(nil)
