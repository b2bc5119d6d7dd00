package arena

import "github.com/agentarena/arena/games"

// ReasonVoidAllForfeit is the reason of a contest voided because every
// seat forfeited.
const ReasonVoidAllForfeit = "void: every seat forfeited"

// allForfeited reports whether a finished game lost every seat to a
// forfeit, in an arena that voids such contests. Nobody played, so there
// is nothing to rank: settling it as a draw would move ratings (a draw
// against a lower-rated agent costs Elo) and pay out a pot nobody won.
// Games list forfeited seats in Outcome.Forfeited; a game that ends at the
// first forfeit (connect4) never gets here with every seat gone.
//
// Arenas stored before the rule existed lack VoidAllForfeit and settle
// such a contest as a draw, as they always did: an old log must replay to
// the same state.
func allForfeited(ar *Arena, out games.Outcome, seats int) bool {
	if !ar.VoidAllForfeit || seats == 0 {
		return false
	}
	gone := make(map[int]bool, len(out.Forfeited))
	for _, s := range out.Forfeited {
		if s >= 0 && s < seats {
			gone[s] = true
		}
	}
	return len(gone) == seats
}

// voidContest ends an active contest without a result: every stake is
// refunded, no rating, battle or preference pair is recorded, and the
// contest is aborted with reason. An operator's abort and a contest every
// seat forfeited both end here.
func voidContest(ac *applyCtx, c *Contest, reason string) error {
	if err := refundContest(ac, c); err != nil {
		return err
	}
	c.Status, c.EndedAt, c.Reason = StatusAborted, ac.now, reason
	for i := range c.Deadlines {
		c.Deadlines[i] = 0
	}
	if err := record(ac, c, ContestEvent{Type: EvAborted, Reason: c.Reason, Data: contestSummary(c)}); err != nil {
		return err
	}
	if err := putContest(ac.tx, ac.contests, c); err != nil {
		return err
	}
	return requeueKept(ac, c)
}
