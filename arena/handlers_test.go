package arena

import "testing"

// TestEveryCommandTypeHasAHandler guards against a command constant that
// was added without registering its handler: such commands would be
// proposed and then rejected as unknown on every node.
func TestEveryCommandTypeHasAHandler(t *testing.T) {
	f := openTestFSM(t)
	for _, typ := range []string{CmdOwnerCreate, CmdAgentCreate, CmdAgentUpdate, CmdAgentDelete, CmdCounterAdd,
		CmdClusterOperator, CmdClusterNode, CmdClusterNodeRemove, CmdClusterLeader, CmdSystemSeed, CmdArenaPut,
		CmdQueueJoin, CmdQueueLeave, CmdContestCreate, CmdContestMove, CmdContestTimeout, CmdContestForfeit,
		CmdContestJudged, CmdContestAbort, CmdContestResume, CmdLedgerGrant, CmdLedgerSettings, CmdTrainerCreate, CmdKeyRotate} {
		if _, ok := f.handlers[typ]; !ok {
			t.Errorf("command %q has no handler", typ)
		}
	}
}
