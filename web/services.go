package web

import (
	"context"
	"encoding/json"
	"time"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/ledger"
	"github.com/agentarena/arena/ranking"
)

// The server talks to the node through one small interface per concern,
// as benbjohnson/wtf's http.Server talks to its services: a handler file
// names the concerns it touches, and a test may replace one concern
// without faking the rest. In a real process *arena.Node serves them all.

// Cluster is membership, leadership and consistency: who leads, whether
// this node is ready, how far it has applied the log, and joining or
// removing members (cluster.go, forward.go, health.go, backup.go).
type Cluster interface {
	ID() string
	IsLeader() bool
	Leader() (arena.NodeMeta, bool)
	Ready() (bool, string)
	Status() (arena.Status, error)
	RecentStatus(maxAge time.Duration) (arena.Status, error)
	ReadIndex(ctx context.Context) (uint64, error)
	WaitApplied(ctx context.Context, idx uint64) error
	AppliedIndex() uint64
	// Replaying: the state is catching up on the log after an unclean stop
	// rolled it back, so local reads are served linearizably meanwhile.
	Replaying() bool
	// JoinAtLevel adds a member whose release runs at the given command
	// level, refusing one below the cluster's.
	JoinAtLevel(ctx context.Context, m arena.NodeMeta, level int) error
	Remove(ctx context.Context, id string) error
	// RotateOperatorToken replaces the cluster's operator token (its hash).
	RotateOperatorToken(ctx context.Context, hash string) error
	// Progress, Members, LeaderReady and Promote feed readiness and the
	// promotion of caught-up non-voters (progress.go); LeaderChanged lets
	// a forwarded write give up on a leader that was replaced (forward.go).
	Progress() api.Progress
	Members() ([]arena.Member, error)
	LeaderReady() bool
	Promote(ctx context.Context, id string) error
	LeaderChanged() <-chan struct{}
	// ClusterLevel and RaiseClusterLevel: the cluster's command level,
	// which the leader raises once every member reports a release that
	// has the next one (progress.go), and joins are checked against
	// (cluster.go).
	ClusterLevel() int
	RaiseClusterLevel(ctx context.Context, levels map[string]int) (int, error)
}

// Accounts is who may call: owners, agents, trainers and the keys that
// identify them, the operator's included (auth.go, owners.go, agents.go).
type Accounts interface {
	OperatorTokenHash() string
	// ResolveKey resolves a bearer token's hash: the operator token (a
	// principal of kind agents.PrincipalOperator) or a stored key.
	ResolveKey(keyHash string) (agents.Principal, bool, error)
	CreateOwner(ctx context.Context, o agents.Owner, keyHash string) (agents.Owner, error)
	GetOwner(id string) (agents.Owner, error)
	CreateAgentWithSecrets(ctx context.Context, a agents.Agent, keyHash, sealedKey, sealedWebhookSecret string) (agents.Agent, error)
	UpdateAgentWithSecrets(ctx context.Context, id, actor string, p agents.AgentPatch, sealedKey, sealedWebhookSecret *string) (agents.Agent, error)
	DeleteAgent(ctx context.Context, id, actor string) error
	GetAgent(id string) (agents.Agent, error)
	ListAgents(ownerID, after string, limit int) ([]agents.Agent, string, error)
	CreateTrainer(ctx context.Context, t agents.Trainer, keyHash string) (agents.Trainer, error)
	RotateKey(ctx context.Context, kind, id, actor, keyHash string) error
}

// Contests is play: arenas and their queues, contests and their moves and
// events, and the ratings they produce; Bus carries the committed events
// the spectator hub fans out (contests.go, streams.go, agentws.go).
type Contests interface {
	Arena(name string) (api.Arena, error)
	Arenas() ([]api.Arena, error)
	PutArena(ctx context.Context, a api.Arena) (api.Arena, error)
	// DeleteArena removes an arena, its queue, ratings and battles; its
	// running contests are voided with abort, and refuse the delete
	// (apperr.Conflict) without.
	DeleteArena(ctx context.Context, name string, abort bool) (api.Arena, error)
	Tickets(arenaName string) ([]arena.Ticket, error)
	Queue(ctx context.Context, arenaName, agentID string) (arena.Ticket, error)
	QueueKeep(ctx context.Context, arenaName, agentID string, keep bool) (arena.Ticket, error)
	Unqueue(ctx context.Context, arenaName, agentID string) error
	Contest(id string) (*arena.Contest, error)
	Contests(f arena.ContestFilter) ([]arena.Contest, string, error)
	// ActiveContests is every running or judging contest, read from the
	// index the runner keeps rather than the whole contest history.
	ActiveContests() ([]*arena.Contest, error)
	// RecentlySettled is the contests that settled last, latest first.
	RecentlySettled(limit int) ([]arena.Contest, error)
	// Stakes is what each seat of each contest staked (nil: nothing).
	Stakes(cs []arena.Contest) ([][]int64, error)
	ContestEvents(id string, since uint64, limit int) ([]arena.ContestEvent, error)
	ContestsOf(agentID string) []string
	TicketsOf(agentID string) ([]arena.Ticket, error)
	PublicView(c *arena.Contest) (any, error)
	PublicEvent(c *arena.Contest, ev arena.ContestEvent) arena.ContestEvent
	Move(ctx context.Context, contest, agentID string, turn *uint64, move json.RawMessage) error
	// Play is Move returning the contest's turn counter after the move.
	Play(ctx context.Context, contest, agentID string, turn *uint64, move json.RawMessage) (uint64, error)
	// CheckTextFrame refuses a chunk or final frame for a contest whose
	// game takes move frames only (a bad_move naming the frame).
	CheckTextFrame(c *arena.Contest, frame string) error
	Resign(ctx context.Context, contest, agentID, reason string) error
	AbortContest(ctx context.Context, contest, reason string) error
	Bus() *arena.Bus
	Leaderboard(arenaName string) ([]arena.RatingEntry, error)
	// RatingOf is one agent's leaderboard row in an arena (ok false: none).
	RatingOf(arenaName, agentID string) (arena.RatingEntry, bool, error)
	RatingHistory(agentID, arenaName string) ([]arena.RatingPoint, error)
	RatingHistoryTail(agentID, arenaName string, limit int) ([]arena.RatingPoint, map[string]int, error)
	WinRates(arenaName string) (arena.WinRates, error)
	BradleyTerry(ctx context.Context, arenaName string) (map[string]ranking.BTRow, error)
	// Prompts is the arena's public task set (NotFound for a game with
	// none): the node asks the game, so web stays game-agnostic.
	Prompts(arenaName string) (api.PromptSet, error)
}

// Ledger is money: balances, transfers, payouts, grants, the audit and the
// ledger's settings (ledger.go).
type Ledger interface {
	Balance(ownerID string) (ledger.Account, error)
	Transfers(ownerID string, after uint64, limit int) ([]ledger.Transfer, uint64, error)
	ContestPayouts(contestID string) ([]ledger.Transfer, error)
	Audit() (ledger.AuditReport, error)
	Grant(ctx context.Context, id, ownerID string, amount int64, kind, memo string) (ledger.Transfer, error)
	LedgerSettings() (arena.LedgerSettings, error)
	SetLedgerSettings(ctx context.Context, s arena.LedgerSettings) (arena.LedgerSettings, error)
}

// Preferences is the export of judged preference pairs (preferences.go).
type Preferences interface {
	Preferences(f arena.PreferenceFilter) ([]arena.PreferencePair, uint64, error)
	NewestPreferenceCursor() (uint64, error)
}

var (
	_ Cluster     = (*arena.Node)(nil)
	_ Accounts    = (*arena.Node)(nil)
	_ Contests    = (*arena.Node)(nil)
	_ Ledger      = (*arena.Node)(nil)
	_ Preferences = (*arena.Node)(nil)
)
