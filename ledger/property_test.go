package ledger

import (
	"fmt"
	"maps"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"pgregory.net/rapid"

	"github.com/agentarena/arena/apperr"
)

var owners = []string{"o0", "o1", "o2", "o3"}

type contest struct {
	id       string
	seats    []string // owner per seat
	stake    int64
	resolved bool
}

// ledgerModel is what the balances must be, kept apart from the ledger by
// plain arithmetic, plus everything applied so far.
type ledgerModel struct {
	db       *bolt.DB
	wallets  map[string]int64
	house    int64
	contests []*contest
	applied  []Transfer   // inputs that moved money, for retries
	batches  [][]Transfer // every batch tried, for the replay check
	n        int
	now      time.Time
}

func (m *ledgerModel) tick() time.Time { m.now = m.now.Add(time.Second); return m.now }
func (m *ledgerModel) next() int       { m.n++; return m.n }

// run applies a batch in its own bbolt transaction, as one command would.
func (m *ledgerModel) run(rt *rapid.T, ts ...Transfer) (out []Transfer, applied []bool, err error) {
	m.batches = append(m.batches, ts)
	if uerr := m.db.Update(func(tx *bolt.Tx) error {
		out, applied, err = ApplyAll(tx, ts)
		return nil
	}); uerr != nil {
		rt.Fatal(uerr)
	}
	return out, applied, err
}

func (m *ledgerModel) active(rt *rapid.T) *contest {
	var open []*contest
	for _, c := range m.contests {
		if !c.resolved {
			open = append(open, c)
		}
	}
	if len(open) == 0 {
		rt.Skip("no running contest")
	}
	return rapid.SampledFrom(open).Draw(rt, "contest")
}

func (m *ledgerModel) grant(rt *rapid.T) {
	owner, amount := rapid.SampledFrom(owners).Draw(rt, "owner"), rapid.Int64Range(1, 500).Draw(rt, "amount")
	tr := Transfer{ID: fmt.Sprintf("grant/%d", m.next()), From: IssuerID, To: WalletID(owner), Amount: amount, Kind: KindGrant, At: m.tick()}
	if _, _, err := m.run(rt, tr); err != nil {
		rt.Fatal(err)
	}
	m.wallets[owner] += amount
	m.applied = append(m.applied, tr)
}

// start stakes every seat of a new contest, or none: a seat whose owner
// cannot pay is skipped by the pre-check or refused by the apply.
func (m *ledgerModel) start(rt *rapid.T) {
	c := &contest{id: fmt.Sprintf("c%d", m.next()), stake: rapid.Int64Range(1, 300).Draw(rt, "stake")}
	need := map[string]int64{}
	for range rapid.IntRange(2, 4).Draw(rt, "seats") {
		o := rapid.SampledFrom(owners).Draw(rt, "seat")
		c.seats = append(c.seats, o)
		need[o] += c.stake
	}
	affordable := true
	for o, n := range need {
		affordable = affordable && m.wallets[o] >= n
	}
	if rapid.Bool().Draw(rt, "precheck") {
		_ = m.db.View(func(tx *bolt.Tx) error {
			for o, n := range need {
				if CanPay(tx, WalletID(o), n) != (m.wallets[o] >= n) {
					rt.Fatalf("CanPay(%s, %d) disagrees with the model's %d", o, n, m.wallets[o])
				}
			}
			return nil
		})
		if !affordable {
			return
		}
	}
	var ts []Transfer
	for i, o := range c.seats {
		ts = append(ts, Transfer{ID: fmt.Sprintf("stake/%s/%d", c.id, i), From: WalletID(o), To: EscrowID(c.id),
			Amount: c.stake, Kind: KindStake, Contest: c.id, At: m.tick()})
	}
	_, _, err := m.run(rt, ts...)
	if !affordable {
		if !apperr.Is(err, apperr.InsufficientFunds) {
			rt.Fatalf("unaffordable contest: got %v", err)
		}
		return
	}
	if err != nil {
		rt.Fatal(err)
	}
	for _, o := range c.seats {
		m.wallets[o] -= c.stake
	}
	m.contests = append(m.contests, c)
	m.applied = append(m.applied, ts...)
}

// settle pays the escrow out by random ranks (ties included) in one batch.
func (m *ledgerModel) settle(rt *rapid.T) {
	c := m.active(rt)
	ranks := make([]int, len(c.seats))
	for i := range ranks {
		ranks[i] = rapid.IntRange(0, len(c.seats)-1).Draw(rt, "rank")
	}
	schedules := [][]int{{50, 30, 20}, {100}, {60, 40}, {70}, {34, 33, 33}, LinearSchedule(len(c.seats))}
	schedule := rapid.SampledFrom(schedules).Draw(rt, "schedule")
	feeBps := rapid.SampledFrom([]int{0, 0, 250, 1000, 3333}).Draw(rt, "fee")
	pot := balanceOf(rt, m.db, EscrowID(c.id))
	if pot != c.stake*int64(len(c.seats)) {
		rt.Fatalf("escrow of %s holds %d, want %d", c.id, pot, c.stake*int64(len(c.seats)))
	}
	shares, fee, err := Payouts(pot, feeBps, schedule, ranks)
	if err != nil {
		rt.Fatal(err)
	}
	var ts []Transfer
	for i, amt := range shares {
		if amt > 0 {
			ts = append(ts, Transfer{ID: fmt.Sprintf("payout/%s/%d", c.id, i), From: EscrowID(c.id), To: WalletID(c.seats[i]),
				Amount: amt, Kind: KindPayout, Contest: c.id, At: m.tick()})
			m.wallets[c.seats[i]] += amt
		}
	}
	if fee > 0 {
		ts = append(ts, Transfer{ID: "fee/" + c.id, From: EscrowID(c.id), To: HouseID, Amount: fee, Kind: KindFee, At: m.tick()})
		m.house += fee
	}
	if _, _, err := m.run(rt, ts...); err != nil {
		rt.Fatal(err)
	}
	c.resolved = true
	m.applied = append(m.applied, ts...)
}

// abort refunds every stake, found the way the node finds them.
func (m *ledgerModel) abort(rt *rapid.T) {
	c := m.active(rt)
	var stakes []Transfer
	_ = m.db.View(func(tx *bolt.Tx) (err error) {
		stakes, err = ContestTransfers(tx, c.id)
		return err
	})
	var ts []Transfer
	for _, s := range stakes {
		ts = append(ts, Transfer{ID: "refund/" + s.ID, From: EscrowID(c.id), To: s.From, Amount: s.Amount, Kind: KindRefund, At: m.tick()})
	}
	if len(ts) != len(c.seats) {
		rt.Fatalf("contest %s lists %d stakes, has %d seats", c.id, len(ts), len(c.seats))
	}
	if _, _, err := m.run(rt, ts...); err != nil {
		rt.Fatal(err)
	}
	for _, o := range c.seats {
		m.wallets[o] += c.stake
	}
	c.resolved = true
	m.applied = append(m.applied, ts...)
}

// repeat proposes an applied transfer again, as a client retry or a leader
// change would: it must move nothing; changed, it must conflict.
func (m *ledgerModel) repeat(rt *rapid.T) {
	if len(m.applied) == 0 {
		rt.Skip("nothing applied yet")
	}
	tr := rapid.SampledFrom(m.applied).Draw(rt, "transfer")
	tr.At = m.tick()
	if rapid.Bool().Draw(rt, "changed") {
		tr.Amount++
		if _, _, err := m.run(rt, tr); !apperr.Is(err, apperr.Conflict) {
			rt.Fatalf("changed retry of %s: got %v, want conflict", tr.ID, err)
		}
		return
	}
	out, applied, err := m.run(rt, tr)
	if err != nil || applied[0] || out[0].ID != tr.ID || out[0].Seq == 0 {
		rt.Fatalf("retry of %s: %+v applied=%v err=%v", tr.ID, out, applied, err)
	}
}

func (m *ledgerModel) check(rt *rapid.T) {
	ended := map[string]bool{}
	escrows := int64(0)
	for _, c := range m.contests {
		ended[c.id] = c.resolved
		want := int64(0)
		if !c.resolved {
			want = c.stake * int64(len(c.seats))
		}
		escrows += want
		if got := balanceOf(rt, m.db, EscrowID(c.id)); got != want {
			rt.Fatalf("escrow of %s holds %d, want %d", c.id, got, want)
		}
	}
	r := audit(rt, m.db, func(c string) bool { return ended[c] })
	if !r.OK || r.Sum != 0 {
		rt.Fatalf("audit: %+v", r)
	}
	total := m.house + escrows
	for _, o := range owners {
		got := balanceOf(rt, m.db, WalletID(o))
		if got != m.wallets[o] || got < 0 {
			rt.Fatalf("wallet of %s holds %d, want %d", o, got, m.wallets[o])
		}
		total += got
	}
	if h, i := balanceOf(rt, m.db, HouseID), balanceOf(rt, m.db, IssuerID); h != m.house || i != -total {
		rt.Fatalf("house %d (want %d), issuer %d (want %d)", h, m.house, i, -total)
	}
}

func TestLedgerInvariantsHoldOverRandomContests(t *testing.T) {
	dir := t.TempDir()
	cases := 0
	rapid.Check(t, func(rt *rapid.T) {
		cases++
		db := openDB(rt, filepath.Join(dir, fmt.Sprintf("case%d.db", cases)))
		defer db.Close()
		m := &ledgerModel{db: db, wallets: map[string]int64{}, now: t0}
		rt.Repeat(map[string]func(*rapid.T){
			"grant": m.grant, "start": m.start, "settle": m.settle, "abort": m.abort, "repeat": m.repeat,
			"": m.check,
		})
		// The same batches on a fresh file give the same bytes: what every
		// node of a cluster relies on.
		replica := openDB(rt, filepath.Join(dir, fmt.Sprintf("case%d-replica.db", cases)))
		defer replica.Close()
		for _, ts := range m.batches {
			_ = replica.Update(func(tx *bolt.Tx) error {
				_, _, _ = ApplyAll(tx, ts)
				return nil
			})
		}
		if !maps.Equal(dump(rt, db), dump(rt, replica)) {
			rt.Fatal("a replica applying the same batches holds different bytes")
		}
	})
}
