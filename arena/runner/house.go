package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/ledger"
)

// The built-in bots stake from their owner's wallet, wallet:ow_house,
// which got the starting grant once. Bots playing each other move nothing
// out of it, but every contest a bot loses to another owner's agent does,
// and once it held less than an arena's stake the bots were no longer
// seated there: their tickets waited, and so did every agent queued to
// play them, until an operator noticed and granted money by hand. The
// leader now keeps the wallet at Config.HouseFloor: when it holds less,
// a grant (kind grant, memo "house top-up") brings it back up.

// houseCheckEvery is how often the leader reads the house's balance.
const houseCheckEvery = 10 * time.Second

// fundHouse tops up the bots' wallet when it has fallen below the floor.
// The grant's id is the minute it is made in, so a leader that changes
// mid-minute, or a retry, cannot grant twice (the ledger keeps one
// transfer per id), and the house is topped up at most once a minute.
func (r *Runner) fundHouse(now time.Time) {
	if r.cfg.HouseFloor <= 0 || len(r.bots) == 0 || now.Sub(r.houseChecked) < houseCheckEvery {
		return
	}
	r.houseChecked = now
	acct, err := r.node.Balance(arena.HouseOwnerID)
	if err != nil {
		r.log.Warn("read the house bots' balance", "err", err)
		return
	}
	if acct.Balance >= r.cfg.HouseFloor {
		return
	}
	amount := r.cfg.HouseFloor - acct.Balance
	id := fmt.Sprintf("house-topup-%d", now.Unix()/60)
	r.goDo("house-topup", func(ctx context.Context) {
		ctx, cancel := r.opCtx(ctx)
		defer cancel()
		start := time.Now()
		t, err := r.node.Grant(ctx, id, arena.HouseOwnerID, amount, ledger.KindGrant, "house top-up")
		switch {
		case apperr.Is(err, apperr.Conflict):
			// This minute's grant is made with another amount (by this
			// leader or the one before it), or the credit cap is
			// reached: nothing to add.
			r.log.Debug("house top-up not made", "id", id, "err", err)
		case err != nil:
			r.log.Warn("house top-up failed", "id", id, "err", err)
		case t.At.Before(start):
			// The ledger answered a grant made earlier with this id
			// and amount: no new money.
			r.log.Debug("house top-up already made this minute", "id", id)
		default:
			r.metrics.houseTopUps.Add(float64(t.Amount))
			r.log.Info("topped up the house bots' wallet", "amount", t.Amount, "balance_was", acct.Balance, "floor", r.cfg.HouseFloor, "transfer", t.ID)
		}
	})
}
