package arena

import (
	"maps"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Command types. A type name is part of the log format: never rename one.
const (
	CmdOwnerCreate         = "owner.create"
	CmdAgentCreate         = "agent.create"
	CmdAgentUpdate         = "agent.update"
	CmdAgentDelete         = "agent.delete"
	CmdCounterAdd          = "counter.add"
	CmdClusterOperator     = "cluster.operator_token"
	CmdClusterNode         = "cluster.node"
	CmdClusterNodeRemove   = "cluster.node_remove"
	CmdClusterLeader       = "cluster.leader"
	CmdClusterCommandLevel = "cluster.command_level"
	CmdClusterID           = "cluster.id"
	CmdSystemSeed          = "system.seed"
	CmdArenaPut            = "arena.put"
	CmdArenaDelete         = "arena.delete"
	CmdQueueJoin           = "queue.join"
	CmdQueueLeave          = "queue.leave"
	CmdContestCreate       = "contest.create"
	CmdContestMove         = "contest.move"
	CmdContestTimeout      = "contest.timeout"
	CmdContestForfeit      = "contest.forfeit"
	CmdContestJudged       = "contest.judged"
	CmdContestAbort        = "contest.abort"
	CmdContestResume       = "contest.resume"
	CmdLedgerGrant         = "ledger.grant"
	CmdLedgerSettings      = "ledger.settings"
	CmdTrainerCreate       = "trainer.create"
	CmdKeyRotate           = "key.rotate"
)

// applyCtx is what a command handler sees: the batch transaction, the log
// index and the leader-stamped time. Handlers must check everything before
// writing anything, because a failed command shares its transaction with the
// rest of the batch and there is no partial rollback.
type applyCtx struct {
	tx       *bolt.Tx
	contests *contestMemo
	arenas   *arenaMemo
	states   *stateMemo
	index    uint64
	now      time.Time
	events   *[]Event
}

func (ac *applyCtx) emit(typ string, data any) {
	*ac.events = append(*ac.events, Event{Type: typ, Index: ac.index, Data: data})
}

type handler func(ac *applyCtx, env Envelope) (any, error)

// CommandTypes lists every command type the state machine applies, sorted.
func CommandTypes() []string {
	types := slices.Collect(maps.Keys((&FSM{}).stateHandlers()))
	slices.Sort(types)
	return types
}

func (f *FSM) stateHandlers() map[string]handler {
	return map[string]handler{
		CmdSystemSeed:          f.applySystemSeed,
		CmdArenaPut:            f.applyArenaPut,
		CmdArenaDelete:         f.applyArenaDelete,
		CmdQueueJoin:           f.applyQueueJoin,
		CmdQueueLeave:          f.applyQueueLeave,
		CmdContestCreate:       f.applyContestCreate,
		CmdContestMove:         f.applyContestMove,
		CmdContestTimeout:      f.applyContestTimeout,
		CmdContestForfeit:      f.applyContestForfeit,
		CmdContestJudged:       f.applyContestJudged,
		CmdContestAbort:        f.applyContestAbort,
		CmdContestResume:       f.applyContestResume,
		CmdLedgerGrant:         f.applyLedgerGrant,
		CmdLedgerSettings:      f.applyLedgerSettings,
		CmdOwnerCreate:         applyOwnerCreate,
		CmdTrainerCreate:       applyTrainerCreate,
		CmdKeyRotate:           applyKeyRotate,
		CmdAgentCreate:         applyAgentCreate,
		CmdAgentUpdate:         applyAgentUpdate,
		CmdAgentDelete:         applyAgentDelete,
		CmdCounterAdd:          applyCounterAdd,
		CmdClusterOperator:     applyOperatorToken,
		CmdClusterNode:         applyClusterNode,
		CmdClusterNodeRemove:   applyClusterNodeRemove,
		CmdClusterLeader:       applyClusterLeader,
		CmdClusterCommandLevel: applyCommandLevel,
		CmdClusterID:           applyClusterID,
	}
}
