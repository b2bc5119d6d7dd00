package arena

import (
	"context"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/ledger"
)

// Ledger reads and writes for the web layer.

// Balance reads an owner's wallet.
func (n *Node) Balance(ownerID string) (a ledger.Account, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		a, err = ledger.Balance(tx, ledger.WalletID(ownerID))
		return err
	})
	return a, err
}

// Transfers pages through an owner's wallet history, oldest first.
func (n *Node) Transfers(ownerID string, after uint64, limit int) (list []ledger.Transfer, next uint64, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		list, next, err = ledger.History(tx, ledger.WalletID(ownerID), after, limit)
		return err
	})
	return list, next, err
}

// ContestPayouts lists every transfer of a contest (stakes, payouts, fee,
// refunds).
func (n *Node) ContestPayouts(contestID string) (list []ledger.Transfer, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketContests).Get([]byte(contestID)) == nil {
			return notFoundContest(contestID)
		}
		list, err = ledger.ContestTransfers(tx, contestID)
		return err
	})
	return list, err
}

// Audit re-verifies the whole ledger: chain, balances, zero sum, and that
// no ended contest's escrow holds money.
func (n *Node) Audit() (r ledger.AuditReport, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		r, err = ledger.Audit(tx, func(contestID string) bool {
			// Decoded, not remembered: an audit reads every contest
			// with escrow once and would only churn the memo.
			c, err := (*contestMemo)(nil).get(tx, contestID)
			return err == nil && !c.Active()
		})
		return err
	})
	return r, err
}

// Grant credits (or, for adjustments with a negative amount, debits) an
// owner's wallet against the issuer, under a caller-chosen transfer id,
// with the memo as given (at most ledger.MaxMemo bytes). A credit that
// would put more than ledger.MaxCredit in circulation is refused
// (apperr.Conflict).
func (n *Node) Grant(ctx context.Context, id, ownerID string, amount int64, kind, memo string) (ledger.Transfer, error) {
	c := ledgerGrantCmd{ID: id, OwnerID: ownerID, Amount: amount, Kind: kind, Memo: memo}
	if n.ClusterLevel() >= LevelKeptTerms {
		c.MaxCredit, c.WholeMemo = ledger.MaxCredit, true
	}
	v, err := n.Apply(ctx, CmdLedgerGrant, c)
	if err != nil {
		return ledger.Transfer{}, err
	}
	return as[ledger.Transfer](v)
}

// LedgerSettings reads the cluster's money rules; a cluster that never
// stored any grants nothing to new owners.
func (n *Node) LedgerSettings() (s LedgerSettings, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		var ok bool
		s, ok, err = ledgerSettings(tx)
		if err == nil && !ok {
			s = LedgerSettings{Currency: ledger.DefaultCurrency}
		}
		return err
	})
	return s, err
}

// SetLedgerSettings changes the cluster's money rules (operators).
func (n *Node) SetLedgerSettings(ctx context.Context, s LedgerSettings) (LedgerSettings, error) {
	v, err := n.Apply(ctx, CmdLedgerSettings, ledgerSettingsCmd{Settings: s})
	if err != nil {
		return LedgerSettings{}, err
	}
	return as[LedgerSettings](v)
}

// CanAfford reports whether an owner's wallet covers an amount.
func (n *Node) CanAfford(ownerID string, amount int64) (ok bool) {
	_ = n.fsm.View(func(tx *bolt.Tx) error {
		ok = ledger.CanPay(tx, ledger.WalletID(ownerID), amount)
		return nil
	})
	return ok
}
