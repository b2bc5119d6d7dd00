package arena

import (
	"fmt"
	"math"
	"strconv"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/ledger"
)

// LedgerSettings are the cluster's money rules (package api's resource),
// replicated like the rest.
type LedgerSettings = api.LedgerSettings

// DefaultLedgerSettings: 1,000.00 arena credits for every new owner.
var DefaultLedgerSettings = LedgerSettings{StartingGrant: 100_000, Currency: ledger.DefaultCurrency}

type ledgerSettingsCmd struct {
	Settings LedgerSettings `json:"settings"`
}

func (f *FSM) applyLedgerSettings(ac *applyCtx, env Envelope) (any, error) {
	var c ledgerSettingsCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	if c.Settings.StartingGrant < 0 || c.Settings.StartingGrant > 1<<40 {
		return nil, apperr.New(apperr.Invalid, "starting_grant must be from 0 to %d", int64(1<<40))
	}
	if c.Settings.Currency == "" {
		c.Settings.Currency = ledger.DefaultCurrency
	}
	return c.Settings, putJSON(ac.tx.Bucket(bucketCluster), keyLedgerSettings, c.Settings)
}

// grantStart credits a new owner's starting grant, if the cluster has one.
func grantStart(ac *applyCtx, ownerID string) error {
	s, ok, err := ledgerSettings(ac.tx)
	if err != nil || !ok || s.StartingGrant == 0 {
		return err
	}
	_, _, err = ledger.Apply(ac.tx, ledger.Transfer{ID: "grant/start/" + ownerID, From: ledger.IssuerID,
		To: ledger.WalletID(ownerID), Amount: s.StartingGrant, Currency: s.Currency, Kind: "grant", Memo: "starting grant", At: ac.now})
	return err
}

type ledgerGrantCmd struct {
	ID      string `json:"id"`
	OwnerID string `json:"owner_id"`
	// Amount > 0 credits the owner from the issuer; < 0 (adjustments only)
	// debits the owner back to the issuer.
	Amount int64  `json:"amount"`
	Memo   string `json:"memo,omitempty"`
	Kind   string `json:"kind"` // grant or adjust
	// Rules newer than the command, keyed on fields the commands logged
	// before them lack, so that those replay as they did (see the package
	// doc's Golden log). MaxCredit refuses a credit that would take the
	// credit in circulation past it (ledger.MaxCredit). WholeMemo keeps the
	// memo as sent, up to ledger.MaxMemo bytes; without it the memo is cut
	// at 64 bytes, mid-character if need be, which made a grant with a
	// longer memo fail as "not valid UTF-8" or silently lose its tail.
	MaxCredit int64 `json:"max_credit,omitempty"`
	WholeMemo bool  `json:"whole_memo,omitempty"`
}

// applyLedgerGrant moves money between the issuer and an owner's wallet on
// an operator's word. The id is the caller's: a retry cannot pay twice.
func (f *FSM) applyLedgerGrant(ac *applyCtx, env Envelope) (any, error) {
	var c ledgerGrantCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	if c.ID == "" || len(c.ID) > 128 {
		return nil, apperr.New(apperr.Invalid, "transfer id must be 1-128 bytes")
	}
	if c.Kind != "grant" && c.Kind != "adjust" {
		return nil, apperr.New(apperr.Invalid, "kind must be grant or adjust")
	}
	if c.Kind == "grant" && c.Amount <= 0 {
		return nil, apperr.New(apperr.Invalid, "a grant must be positive")
	}
	if c.Amount == 0 {
		return nil, apperr.New(apperr.Invalid, "amount must not be zero")
	}
	if err := agents.OwnerExists(ac.tx, c.OwnerID); err != nil {
		return nil, err
	}
	s, _, err := ledgerSettings(ac.tx)
	if err != nil {
		return nil, err
	}
	cur := s.Currency
	if cur == "" {
		cur = ledger.DefaultCurrency
	}
	memo := c.Memo
	if !c.WholeMemo {
		memo = truncateType(memo)
	}
	t := ledger.Transfer{ID: c.ID, From: ledger.IssuerID, To: ledger.WalletID(c.OwnerID), Amount: c.Amount,
		Currency: cur, Kind: c.Kind, Memo: memo, At: ac.now}
	if c.Amount < 0 {
		t.From, t.To, t.Amount = t.To, t.From, -c.Amount
	}
	if err := checkCredit(ac.tx, c); err != nil {
		return nil, err
	}
	out, _, err := ledger.Apply(ac.tx, t)
	return out, err
}

// checkCredit refuses a new grant that would put more than c.MaxCredit in
// circulation. A retry of a grant already applied passes, so that Apply
// answers it with the original; the limit only stops new money.
func checkCredit(tx *bolt.Tx, c ledgerGrantCmd) error {
	if c.MaxCredit <= 0 || c.Amount <= 0 {
		return nil
	}
	if _, done, err := ledger.Get(tx, c.ID); err != nil || done {
		return err
	}
	iss, err := ledger.Balance(tx, ledger.IssuerID)
	if err != nil {
		return err
	}
	// The issuer's balance is minus the credit in circulation; written
	// without negating it, which overflows at math.MinInt64.
	if iss.Balance >= c.Amount-c.MaxCredit {
		return nil
	}
	now := int64(math.MaxInt64) // the issuer at math.MinInt64, off by one unit
	if iss.Balance > math.MinInt64 {
		now = -iss.Balance
	}
	return apperr.New(apperr.Conflict, "transfer %s: the ledger would put more than %s in circulation (%s now); "+
		"grant less, or take credit back with a negative adjustment first",
		c.ID, ledger.ShowAmount(c.MaxCredit, iss.Currency), ledger.ShowAmount(now, iss.Currency))
}

// checkStakes refuses a contest some owner cannot pay for. All owners are
// checked before anything is written (one owner may hold several seats,
// like the house bots), so a contest starts fully paid or not at all.
func checkStakes(tx *bolt.Tx, seats []Seat, ar *Arena) error {
	if ar.Stake == 0 {
		return nil
	}
	need := map[string]int64{}
	var order []string
	for _, s := range seats {
		if _, ok := need[s.OwnerID]; !ok {
			order = append(order, s.OwnerID)
		}
		need[s.OwnerID] += ar.Stake
	}
	for _, o := range order {
		if !ledger.CanPay(tx, ledger.WalletID(o), need[o]) {
			return apperr.New(apperr.InsufficientFunds, "owner %s cannot pay stakes of %d in arena %s", o, need[o], ar.Name)
		}
	}
	return nil
}

// stakeContest moves every seat's stake into the contest's escrow; call
// checkStakes first.
func stakeContest(ac *applyCtx, c *Contest, ar *Arena) error {
	if ar.Stake == 0 {
		return nil
	}
	cur := currencyOf(ac.tx)
	var ts []ledger.Transfer
	for i, s := range c.Seats {
		ts = append(ts, ledger.Transfer{ID: stakeTransferID(c.ID, i), From: ledger.WalletID(s.OwnerID),
			To: ledger.EscrowID(c.ID), Amount: ar.Stake, Currency: cur, Kind: "stake", Contest: c.ID, At: ac.now})
	}
	// ApplyAll writes every stake or none.
	_, _, err := ledger.ApplyAll(ac.tx, ts)
	return err
}

// stakeTransferID names the transfer of a seat's stake into its contest's
// escrow. Stored in the log's transfers: it must never change.
func stakeTransferID(contest string, seat int) string {
	return "stake/" + contest + "/" + strconv.Itoa(seat)
}

// payContest empties the escrow by rank: payouts per the contest's terms
// (the arena's at settlement for a contest started before terms were
// kept), the house fee, nothing left behind.
func payContest(ac *applyCtx, c *Contest, ar *Arena, ranks []int) error {
	esc, err := ledger.Balance(ac.tx, ledger.EscrowID(c.ID))
	if err != nil || esc.Balance == 0 {
		return err
	}
	feeBps, schedule := ar.HouseFeeBps, paySchedule(ar)
	if c.Terms != nil {
		feeBps, schedule = c.Terms.HouseFeeBps, c.Terms.Rewards
	}
	shares, fee, err := ledger.Payouts(esc.Balance, feeBps, schedule, ranks)
	if err != nil {
		return fmt.Errorf("payouts of %s: %w", c.ID, err)
	}
	c.Payouts = shares
	var ts []ledger.Transfer
	for i, amt := range shares {
		if amt > 0 {
			ts = append(ts, ledger.Transfer{ID: "payout/" + c.ID + "/" + strconv.Itoa(i), From: ledger.EscrowID(c.ID),
				To: ledger.WalletID(c.Seats[i].OwnerID), Amount: amt, Currency: esc.Currency, Kind: "payout", Contest: c.ID, At: ac.now})
		}
	}
	if fee > 0 {
		ts = append(ts, ledger.Transfer{ID: "fee/" + c.ID, From: ledger.EscrowID(c.ID), To: ledger.HouseID,
			Amount: fee, Currency: esc.Currency, Kind: "fee", Contest: c.ID, At: ac.now})
	}
	if _, _, err := ledger.ApplyAll(ac.tx, ts); err != nil {
		return fmt.Errorf("pay out %s: %w", c.ID, err)
	}
	return nil
}

// refundContest returns every stake of an aborted contest.
func refundContest(ac *applyCtx, c *Contest) error {
	ts, err := ledger.ContestTransfers(ac.tx, c.ID)
	if err != nil {
		return err
	}
	var refunds []ledger.Transfer
	for _, t := range ts {
		if t.Kind == "stake" {
			refunds = append(refunds, ledger.Transfer{ID: "refund/" + t.ID, From: ledger.EscrowID(c.ID), To: t.From,
				Amount: t.Amount, Currency: t.Currency, Kind: "refund", Contest: c.ID, At: ac.now})
		}
	}
	if _, _, err := ledger.ApplyAll(ac.tx, refunds); err != nil {
		return fmt.Errorf("refund %s: %w", c.ID, err)
	}
	return nil
}
