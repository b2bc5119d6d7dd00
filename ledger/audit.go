package ledger

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// AuditReport is the result of re-verifying the whole ledger. Head is the
// hash of the last transfer: equal state on every node means equal heads.
type AuditReport struct {
	OK        bool     `json:"ok"`
	Transfers uint64   `json:"transfers"`
	Head      string   `json:"head"`
	Sum       int64    `json:"sum"`
	Accounts  int      `json:"accounts"`
	Problems  []string `json:"problems"`
	// Totals are the stored balances summed by currency, then by account
	// kind: "issuer" (minus the credit in circulation), "wallet" (what
	// owners hold), "escrow" (stakes of contests still running) and
	// "house" (fees and the percent no seat was owed). They are how an
	// operator reads the house's takings and the money at stake; a
	// currency's totals add up to zero like its balances. Each of the four
	// kinds is listed, 0 when no account of it holds money; a total that
	// does not fit an int64 is left out (its zero sum has failed).
	Totals map[string]map[string]int64 `json:"totals"`
}

// maxProblems keeps a badly damaged file from producing a huge report.
const maxProblems = 100

type auditor struct {
	r       AuditReport
	dropped int
}

func (a *auditor) problem(format string, args ...any) {
	if len(a.r.Problems) == maxProblems {
		a.dropped++
		return
	}
	a.r.Problems = append(a.r.Problems, fmt.Sprintf(format, args...))
}

// replayed is an account's state rebuilt from the transfers alone.
type replayed struct {
	currency string
	balance  int64
}

// Audit re-verifies everything from the stored bytes, trusting nothing the
// write path maintained: each transfer's hash and its link to the previous
// one, seq continuity, the id and history indexes, balances recomputed by
// replaying every transfer against the stored balances, a zero sum per
// currency, no wallet, escrow or house below zero, and, when endedContests
// is not nil, an empty escrow for every contest it reports ended.
//
// Damage is reported in Problems (OK is false), never as an error: an error
// means the audit itself could not run.
func Audit(tx *bolt.Tx, endedContests func(contestID string) bool) (AuditReport, error) {
	s, err := open(tx)
	if err != nil {
		return AuditReport{}, err
	}
	a := &auditor{r: AuditReport{Head: GenesisHash, Problems: []string{}, Totals: map[string]map[string]int64{}}}
	bal := map[string]*replayed{}
	withContest := 0
	prev, linked := GenesisHash, true // linked is false after a record we could not read
	c := s.transfers.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		a.r.Transfers++
		want := a.r.Transfers
		if len(k) != 8 {
			a.problem("transfer key %x is not a sequence number", k)
			linked = false
			continue
		}
		if seq := binary.BigEndian.Uint64(k); seq != want {
			a.problem("transfer %d: sequence breaks, expected %d", seq, want)
		}
		var t Transfer
		if err := json.Unmarshal(v, &t); err != nil {
			a.problem("transfer %d: record does not decode: %v", binary.BigEndian.Uint64(k), err)
			linked = false
			continue
		}
		name := fmt.Sprintf("transfer %d (id %s)", binary.BigEndian.Uint64(k), t.ID)
		if t.Seq != binary.BigEndian.Uint64(k) {
			a.problem("%s: record says seq %d", name, t.Seq)
		}
		if linked && t.PrevHash != prev {
			a.problem("%s: chain broken, prev_hash %s but the previous transfer hashes to %s", name, t.PrevHash, prev)
		}
		if h := t.ComputeHash(); h != t.Hash {
			a.problem("%s: hash mismatch, record hashes to %s but says %s: it was altered", name, h, t.Hash)
		}
		prev, linked = t.Hash, true
		if err := validate(t); err != nil {
			a.problem("%s: %v", name, err)
			continue
		}
		a.checkIndexes(s, t, k)
		if t.Contest != "" {
			withContest++
		}
		a.replay(bal, t, name)
	}
	a.r.Head = prev
	if seq, head := s.head(); seq != a.r.Transfers || head != prev {
		a.problem("head record says transfer %d with hash %s, chain ends at %d with %s", seq, head, a.r.Transfers, prev)
	}
	a.checkCounts(s, withContest)
	a.checkAccounts(s, bal, endedContests)
	if a.dropped > 0 {
		a.r.Problems = append(a.r.Problems, fmt.Sprintf("... and %d more problems", a.dropped))
	}
	a.r.OK = len(a.r.Problems) == 0
	return a.r, nil
}

// checkIndexes confirms the lookups Apply maintains point at this transfer.
func (a *auditor) checkIndexes(s *store, t Transfer, key []byte) {
	if got := s.ids.Get([]byte(t.ID)); string(got) != string(key) {
		a.problem("transfer %d (id %s): id index points at %x", t.Seq, t.ID, got)
	}
	for _, id := range []string{t.From, t.To} {
		if s.byAccount.Get(indexKey(id, t.Seq)) == nil {
			a.problem("transfer %d (id %s): missing from the history of %s", t.Seq, t.ID, id)
		}
	}
	if t.Contest != "" && s.byContest.Get(indexKey(t.Contest, t.Seq)) == nil {
		a.problem("transfer %d (id %s): missing from the transfers of contest %s", t.Seq, t.ID, t.Contest)
	}
}

// checkCounts catches index entries that point at no transfer.
func (a *auditor) checkCounts(s *store, withContest int) {
	for _, c := range []struct {
		name string
		b    *bolt.Bucket
		want uint64
	}{
		{"id index", s.ids, a.r.Transfers},
		{"history index", s.byAccount, 2 * a.r.Transfers},
		{"contest index", s.byContest, uint64(withContest)},
	} {
		if n := uint64(c.b.Stats().KeyN); n != c.want {
			a.problem("%s holds %d entries, expected %d", c.name, n, c.want)
		}
	}
}

// replay moves one transfer's money in the rebuilt balances.
func (a *auditor) replay(bal map[string]*replayed, t Transfer, name string) {
	var sides [2]*replayed
	for i, id := range []string{t.From, t.To} {
		r := bal[id]
		if r == nil {
			r = &replayed{currency: t.Currency}
			bal[id] = r
		}
		if r.currency != t.Currency {
			a.problem("%s: in %s but account %s holds %s", name, t.Currency, id, r.currency)
		}
		sides[i] = r
	}
	from, to := sides[0], sides[1]
	if from.balance < math.MinInt64+t.Amount || to.balance > math.MaxInt64-t.Amount {
		a.problem("%s: balance overflows", name)
		return
	}
	from.balance -= t.Amount
	to.balance += t.Amount
	if kind, _ := kindOf(t.From); kind != AccountIssuer && from.balance < 0 {
		a.problem("%s: takes %s below zero, to %s", name, t.From, ShowAmount(from.balance, t.Currency))
	}
}

// checkAccounts compares stored balances with the replay and checks the
// invariants that hold over all accounts at once.
func (a *auditor) checkAccounts(s *store, bal map[string]*replayed, ended func(string) bool) {
	sums := map[string]*big.Int{}
	byKind := map[string]map[string]*big.Int{}
	total := new(big.Int)
	seen := map[string]bool{}
	_ = s.accounts.ForEach(func(k, v []byte) error {
		a.r.Accounts++
		id := string(k)
		seen[id] = true
		var acc Account
		if err := json.Unmarshal(v, &acc); err != nil {
			a.problem("account %s: record does not decode: %v", id, err)
			return nil
		}
		kind, err := kindOf(id)
		if err != nil || acc.ID != id || acc.Kind != kind {
			a.problem("account %s: record names %s of kind %s", id, acc.ID, acc.Kind)
		}
		if r := bal[id]; r == nil {
			a.problem("account %s: holds %s but no transfer touches it", id, ShowAmount(acc.Balance, acc.Currency))
		} else if r.balance != acc.Balance || r.currency != acc.Currency {
			a.problem("account %s: stores %s but its transfers add up to %s", id, ShowAmount(acc.Balance, acc.Currency), ShowAmount(r.balance, r.currency))
		}
		if kind != AccountIssuer && acc.Balance < 0 {
			a.problem("account %s: is negative (%s)", id, ShowAmount(acc.Balance, acc.Currency))
		}
		if c, ok := escrowContest(id); ok && ended != nil && acc.Balance != 0 && ended(c) {
			a.problem("account %s: contest %s has ended but its escrow holds %s", id, c, ShowAmount(acc.Balance, acc.Currency))
		}
		if sums[acc.Currency] == nil {
			sums[acc.Currency] = new(big.Int)
			byKind[acc.Currency] = map[string]*big.Int{}
		}
		sums[acc.Currency].Add(sums[acc.Currency], big.NewInt(acc.Balance))
		if kind != "" {
			if byKind[acc.Currency][kind] == nil {
				byKind[acc.Currency][kind] = new(big.Int)
			}
			byKind[acc.Currency][kind].Add(byKind[acc.Currency][kind], big.NewInt(acc.Balance))
		}
		total.Add(total, big.NewInt(acc.Balance))
		return nil
	})
	ids := make([]string, 0, len(bal))
	for id := range bal {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if !seen[id] {
			a.problem("account %s: its transfers add up to %s but it is not stored", id, ShowAmount(bal[id].balance, bal[id].currency))
		}
	}
	curs := make([]string, 0, len(sums))
	for cur := range sums {
		curs = append(curs, cur)
	}
	slices.Sort(curs)
	for _, cur := range curs {
		if sums[cur].Sign() != 0 {
			a.problem("balances in %s sum to %s minor units, not zero", cur, sums[cur])
		}
	}
	if total.IsInt64() {
		a.r.Sum = total.Int64()
	}
	for cur, kinds := range byKind {
		// Every kind is named, 0 when no account of it holds money yet
		// (a house that never took a fee), so a reader need not guess.
		out := map[string]int64{AccountIssuer: 0, AccountWallet: 0, AccountEscrow: 0, AccountHouse: 0}
		for kind, v := range kinds {
			if v.IsInt64() {
				out[kind] = v.Int64()
			} else {
				delete(out, kind)
			}
		}
		a.r.Totals[cur] = out
	}
}
