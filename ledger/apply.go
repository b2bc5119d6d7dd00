package ledger

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/apperr"
)

// Apply performs one transfer inside tx, the state machine's apply
// transaction. It validates everything before writing anything, because the
// transaction is shared by a batch of commands and cannot be rolled back for
// one of them: an error means tx is untouched.
//
// A repeated ID with the same content is a no-op returning the stored
// original and applied=false; with different content it is apperr.Conflict.
// A wallet, escrow or the house that cannot cover Amount refuses with
// apperr.InsufficientFunds. Apply assigns Seq, PrevHash and Hash.
func Apply(tx *bolt.Tx, t Transfer) (out Transfer, applied bool, err error) {
	outs, flags, err := ApplyAll(tx, []Transfer{t})
	if err != nil {
		return Transfer{}, false, err
	}
	return outs[0], flags[0], nil
}

// ApplyAll performs several transfers as one: every transfer is checked
// against the balances the earlier ones leave before any is written, so a
// contest start whose third stake cannot be paid moves no stake at all.
// Errors name the failing transfer and keep its apperr code. Only a storage
// failure while writing (which bbolt reports for a broken transaction) can
// leave part of the batch written; the caller must then fail the batch.
func ApplyAll(tx *bolt.Tx, ts []Transfer) (out []Transfer, applied []bool, err error) {
	s, err := open(tx)
	if err != nil {
		return nil, nil, err
	}
	v := &view{s: s, accounts: map[string]Account{}, pending: map[string]int{}}
	steps := make([]step, 0, len(ts))
	for i, t := range ts {
		st, err := v.prepare(t, steps)
		if err != nil {
			if len(ts) == 1 {
				return nil, nil, err
			}
			return nil, nil, fmt.Errorf("transfer %d of %d (%s): %w", i+1, len(ts), t.ID, err)
		}
		steps = append(steps, st)
	}
	out, applied = make([]Transfer, len(ts)), make([]bool, len(ts))
	for i, st := range steps {
		switch {
		case st.stored != nil:
			out[i] = *st.stored
		case st.repeats >= 0:
			out[i] = out[st.repeats]
		default:
			if out[i], err = s.commit(st); err != nil {
				return nil, nil, err
			}
			applied[i] = true
		}
	}
	return out, applied, nil
}

// step is one checked transfer and the balances it leaves behind.
type step struct {
	t        Transfer
	from, to Account
	stored   *Transfer // the id is already in the ledger with this content
	repeats  int       // index of an earlier step with the same id, or -1
}

// view is the state a batch sees: stored accounts overlaid with what the
// batch's earlier steps did to them.
type view struct {
	s        *store
	accounts map[string]Account
	pending  map[string]int // transfer id -> step index
}

func (v *view) account(id string) (Account, error) {
	if a, ok := v.accounts[id]; ok {
		return a, nil
	}
	a, _, err := v.s.account(id)
	return a, err
}

func (v *view) prepare(t Transfer, batch []step) (step, error) {
	t = normalize(t)
	if err := validate(t); err != nil {
		return step{}, err
	}
	if i, ok := v.pending[t.ID]; ok {
		if !sameContent(batch[i].t, t) {
			return step{}, conflict(t.ID)
		}
		return step{t: t, repeats: i}, nil
	}
	old, ok, err := v.s.transfer(t.ID)
	if err != nil {
		return step{}, err
	}
	if ok {
		if !sameContent(old, t) {
			return step{}, conflict(t.ID)
		}
		return step{t: t, stored: &old, repeats: -1}, nil
	}
	from, err := v.account(t.From)
	if err != nil {
		return step{}, err
	}
	to, err := v.account(t.To)
	if err != nil {
		return step{}, err
	}
	for _, a := range []*Account{&from, &to} {
		if a.Currency == "" { // first transfer fixes the currency
			a.Currency = t.Currency
		}
		if a.Currency != t.Currency {
			return step{}, apperr.New(apperr.Invalid, "transfer %s is in %s but account %s holds %s", t.ID, t.Currency, a.ID, a.Currency)
		}
	}
	switch {
	case !from.system() && from.Balance < t.Amount:
		return step{}, apperr.New(apperr.InsufficientFunds, "account %s has %s, transfer %s needs %s (short by %s)",
			from.ID, ShowAmount(from.Balance, t.Currency), t.ID, ShowAmount(t.Amount, t.Currency), ShowAmount(t.Amount-from.Balance, t.Currency))
	case from.system() && from.Balance < math.MinInt64+t.Amount:
		return step{}, apperr.New(apperr.Invalid, "transfer %s would overflow the balance of %s", t.ID, from.ID)
	case to.Balance > math.MaxInt64-t.Amount:
		return step{}, apperr.New(apperr.Invalid, "transfer %s would overflow the balance of %s", t.ID, to.ID)
	}
	from.Balance -= t.Amount
	to.Balance += t.Amount
	v.accounts[from.ID], v.accounts[to.ID] = from, to
	v.pending[t.ID] = len(batch)
	return step{t: t, from: from, to: to, repeats: -1}, nil
}

func conflict(id string) error {
	return apperr.New(apperr.Conflict, "transfer %s already exists with different content", id)
}

// commit writes a checked step: it links the transfer to the chain head,
// stores it with its indexes, and writes both balances.
func (s *store) commit(st step) (Transfer, error) {
	t := st.t
	seq, prev := s.head()
	t.Seq, t.PrevHash = seq+1, prev
	t.Hash = t.ComputeHash()
	key := seqKey(t.Seq)
	data, err := encodeTransfer(t)
	if err != nil {
		return Transfer{}, fmt.Errorf("encode transfer %s: %w", t.ID, err)
	}
	type put struct {
		b    *bolt.Bucket
		k, v []byte
	}
	puts := []put{
		{s.transfers, key, data},
		{s.ids, []byte(t.ID), key},
		{s.byAccount, indexKey(t.From, t.Seq), []byte{}},
		{s.byAccount, indexKey(t.To, t.Seq), []byte{}},
		{s.meta, keyHead, append(seqKey(t.Seq), t.Hash...)},
	}
	if t.Contest != "" {
		puts = append(puts, put{s.byContest, indexKey(t.Contest, t.Seq), []byte{}})
	}
	for _, a := range []Account{st.from, st.to} {
		ad, err := encodeAccount(a)
		if err != nil {
			return Transfer{}, fmt.Errorf("encode account %s: %w", a.ID, err)
		}
		puts = append(puts, put{s.accounts, []byte(a.ID), ad})
	}
	for _, p := range puts {
		if err := p.b.Put(p.k, p.v); err != nil {
			return Transfer{}, fmt.Errorf("write transfer %s: %w", t.ID, err)
		}
	}
	return t, nil
}

// head is the last transfer's seq and hash (0 and GenesisHash when empty).
func (s *store) head() (uint64, string) {
	v := s.meta.Get(keyHead)
	if len(v) < 8 {
		return 0, GenesisHash
	}
	return binary.BigEndian.Uint64(v), string(v[8:])
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// indexKey orders an account's or contest's transfers by seq under a prefix
// that no other id shares (ids contain no NUL).
func indexKey(id string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(id), 0), seq)
}

// ShowAmount writes minor units the way people read money ("1,234.50 ARC
// = 123450 minor units") for the default currency, whose exponent is
// known, and the bare minor units for any other.
func ShowAmount(minor int64, currency string) string {
	if currency != DefaultCurrency {
		return fmt.Sprintf("%d %s", minor, currency)
	}
	neg := minor < 0
	u := uint64(minor)
	if neg {
		u = -u
	}
	unit := uint64(1)
	for range DefaultExponent {
		unit *= 10
	}
	whole := strconv.FormatUint(u/unit, 10)
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	sign := ""
	if neg {
		sign = "-"
	}
	units := "minor units"
	if u == 1 {
		units = "minor unit"
	}
	return fmt.Sprintf("%s%s.%0*d %s = %d %s", sign, whole, DefaultExponent, u%unit, currency, minor, units)
}
