package arena

import (
	"encoding/json"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/ledger"
)

func (d *fsmDriver) balance(account string) int64 {
	d.t.Helper()
	var a ledger.Account
	if err := d.f.View(func(tx *bolt.Tx) error {
		var err error
		a, err = ledger.Balance(tx, account)
		return err
	}); err != nil {
		d.t.Fatal(err)
	}
	return a.Balance
}

func (d *fsmDriver) audit() ledger.AuditReport {
	d.t.Helper()
	var r ledger.AuditReport
	if err := d.f.View(func(tx *bolt.Tx) error {
		var err error
		r, err = ledger.Audit(tx, func(id string) bool {
			c, err := (*contestMemo)(nil).get(tx, id)
			return err == nil && !c.Active()
		})
		return err
	}); err != nil {
		d.t.Fatal(err)
	}
	if !r.OK {
		d.t.Fatalf("audit failed: %v", r.Problems)
	}
	return r
}

func TestStakesPayoutsAndRefunds(t *testing.T) {
	d := newDriver(t)
	grant := DefaultLedgerSettings.StartingGrant
	wallet := ledger.WalletID("ow_1")
	if got := d.balance(wallet); got != grant {
		t.Fatalf("new owner holds %d, want the starting grant %d", got, grant)
	}
	// A second owner, so money visibly moves between owners.
	d.must(CmdOwnerCreate, ownerCreateCmd{ID: "ow_2", Name: "bo", KeyHash: agents.HashKey("k2")})
	d.must(CmdAgentCreate, agentCreateCmd{ID: "ag_z", OwnerID: "ow_2", Name: "z", Kind: agents.KindWebsocket, KeyHash: agents.HashKey("kz")})

	d.must(CmdContestCreate, contestCreateCmd{ID: "c1", Arena: "connect4", Agents: []string{"ag_a", "ag_z"}, Seed: 1})
	if got := d.balance(ledger.EscrowID("c1")); got != 200 {
		t.Fatalf("escrow holds %d, want both stakes (200)", got)
	}
	t.Run("the winner takes the pot and the escrow is emptied", func(t *testing.T) {
		for i := 0; i < 3; i++ {
			d.move("c1", "ag_a", 3)
			d.move("c1", "ag_z", 4)
		}
		d.move("c1", "ag_a", 3)
		if d.balance(ledger.EscrowID("c1")) != 0 || d.balance(wallet) != grant+100 || d.balance(ledger.WalletID("ow_2")) != grant-100 {
			t.Fatalf("after the win: escrow %d, winner %d, loser %d", d.balance(ledger.EscrowID("c1")), d.balance(wallet), d.balance(ledger.WalletID("ow_2")))
		}
		if c := d.contest("c1"); len(c.Payouts) != 2 || c.Payouts[0] != 200 || c.Payouts[1] != 0 {
			t.Fatalf("payouts recorded %v", c.Payouts)
		}
		d.audit()
	})
	t.Run("an aborted contest refunds every stake", func(t *testing.T) {
		before := d.balance(wallet)
		d.must(CmdContestCreate, contestCreateCmd{ID: "c2", Arena: "connect4", Agents: []string{"ag_a", "ag_z"}, Seed: 2})
		d.must(CmdContestAbort, contestAbortCmd{Contest: "c2", Reason: "test"})
		if d.balance(wallet) != before || d.balance(ledger.EscrowID("c2")) != 0 {
			t.Fatalf("after abort: wallet %d (was %d), escrow %d", d.balance(wallet), before, d.balance(ledger.EscrowID("c2")))
		}
		d.audit()
	})
	t.Run("an owner who cannot pay is not seated", func(t *testing.T) {
		d.must(CmdLedgerGrant, ledgerGrantCmd{ID: "drain", OwnerID: "ow_2", Amount: -(d.balance(ledger.WalletID("ow_2")) - 50), Kind: "adjust"})
		r := d.apply(CmdContestCreate, contestCreateCmd{ID: "c3", Arena: "connect4", Agents: []string{"ag_a", "ag_z"}, Seed: 3})
		if !apperr.Is(r.Err, apperr.InsufficientFunds) {
			t.Fatalf("got %v, want insufficient_funds", r.Err)
		}
		if d.balance(ledger.EscrowID("c3")) != 0 {
			t.Fatal("a refused contest moved money")
		}
	})
	t.Run("a grant repeated with the same id pays once", func(t *testing.T) {
		before := d.balance(wallet)
		d.must(CmdLedgerGrant, ledgerGrantCmd{ID: "bonus-1", OwnerID: "ow_1", Amount: 500, Kind: "grant"})
		d.must(CmdLedgerGrant, ledgerGrantCmd{ID: "bonus-1", OwnerID: "ow_1", Amount: 500, Kind: "grant"})
		if d.balance(wallet) != before+500 {
			t.Fatalf("wallet %d, want %d", d.balance(wallet), before+500)
		}
		r := d.apply(CmdLedgerGrant, ledgerGrantCmd{ID: "bonus-1", OwnerID: "ow_1", Amount: 600, Kind: "grant"})
		if !apperr.Is(r.Err, apperr.Conflict) {
			t.Fatalf("same id, other amount: %v, want conflict", r.Err)
		}
	})
}

func TestJudgedPayoutSplitsATieForSecond(t *testing.T) {
	d := newDriver(t)
	ar := Arena{Name: "trio", Game: "prompt", Seats: 3, MoveDeadlineMS: 60000, GraceMS: 1000, Forfeit: ForfeitLose,
		Stake: 100, Rewards: []int{50, 30, 20}, Judges: []string{"rubric"}, EloK: 32, MaxConcurrentPerAgent: 1}
	d.must(CmdArenaPut, arenaPutCmd{Arena: ar})
	d.must(CmdContestCreate, contestCreateCmd{ID: "p1", Arena: "trio", Agents: []string{"ag_a", "ag_b", "ag_c"}, Seed: 1})
	for _, a := range []string{"ag_a", "ag_b", "ag_c"} {
		d.must(CmdContestMove, contestMoveCmd{Contest: "p1", AgentID: a, Move: json.RawMessage(`{"text":"an answer","final":true}`)})
	}
	if c := d.contest("p1"); c.Status != StatusJudging {
		t.Fatalf("status %s, want judging", c.Status)
	}
	// Pot 300, [50,30,20]: first 150; the tie for second pools 30+20 and
	// splits it: 75 each.
	d.must(CmdContestJudged, contestJudgedCmd{Contest: "p1", Ranks: []int{0, 1, 1}, Verdict: json.RawMessage(`{"judge":"test"}`)})
	c := d.contest("p1")
	if len(c.Payouts) != 3 || c.Payouts[0] != 150 || c.Payouts[1] != 75 || c.Payouts[2] != 75 {
		t.Fatalf("payouts %v, want [150 75 75]", c.Payouts)
	}
	if d.balance(ledger.EscrowID("p1")) != 0 {
		t.Fatal("escrow not empty")
	}
	d.audit()
}

// TestContestsArePaidOnTheTermsTheyStartedUnder: an operator who changes an
// arena's rewards or house fee changes what later contests pay, never what
// a running contest's seats staked for. A create command logged before the
// rule (no keep_terms) settles on the arena's terms of the moment, as it
// did, so old logs replay to the same balances.
func TestContestsArePaidOnTheTermsTheyStartedUnder(t *testing.T) {
	start := Arena{Name: "trio", Game: "prompt", Seats: 3, MoveDeadlineMS: 60000, GraceMS: 1000, Forfeit: ForfeitLose,
		Stake: 100, Rewards: []int{50, 30, 20}, HouseFeeBps: 1000, Judges: []string{"rubric"}, EloK: 32, MaxConcurrentPerAgent: 1}
	later := start
	later.Rewards, later.HouseFeeBps = []int{100}, 0
	linear := start
	linear.Rewards, linear.RewardMode = nil, "linear"
	for _, tc := range []struct {
		name        string
		before      Arena // the arena when the contest starts
		keep        bool
		wantTerms   *PayTerms
		wantPayouts []int64 // after the arena becomes `later`; ranks 0, 1, 2
		wantHouse   int64
	}{
		// Pot 300, fee 10% = 30, 270 shared 50/30/20.
		{"kept terms", start, true, &PayTerms{Rewards: []int{50, 30, 20}, HouseFeeBps: 1000}, []int64{135, 81, 54}, 30},
		// The linear schedule is written out: 3 seats share 3:2:1 of 100.
		{"a linear schedule kept as its percents", linear, true, &PayTerms{Rewards: []int{50, 33, 17}, HouseFeeBps: 1000}, nil, 30},
		// Old command: the whole 300 to the winner, no fee (the new terms).
		{"an old command pays the arena's terms at settlement", start, false, nil, []int64{300, 0, 0}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDriver(t)
			d.must(CmdArenaPut, arenaPutCmd{Arena: tc.before})
			d.must(CmdContestCreate, contestCreateCmd{ID: "p1", Arena: "trio", Agents: []string{"ag_a", "ag_b", "ag_c"}, Seed: 1, KeepTerms: tc.keep})
			got := d.contest("p1").Terms
			if (got == nil) != (tc.wantTerms == nil) || (got != nil && (got.HouseFeeBps != tc.wantTerms.HouseFeeBps || !slices.Equal(got.Rewards, tc.wantTerms.Rewards))) {
				t.Fatalf("terms %+v, want %+v", got, tc.wantTerms)
			}
			d.must(CmdArenaPut, arenaPutCmd{Arena: later})
			for _, a := range []string{"ag_a", "ag_b", "ag_c"} {
				d.must(CmdContestMove, contestMoveCmd{Contest: "p1", AgentID: a, Move: json.RawMessage(`{"text":"an answer","final":true}`)})
			}
			d.must(CmdContestJudged, contestJudgedCmd{Contest: "p1", Ranks: []int{0, 1, 2}, Verdict: json.RawMessage(`{"judge":"test"}`)})
			c := d.contest("p1")
			if tc.wantPayouts != nil && !slices.Equal(c.Payouts, tc.wantPayouts) {
				t.Fatalf("payouts %v, want %v", c.Payouts, tc.wantPayouts)
			}
			if h := d.balance(ledger.HouseID); h != tc.wantHouse {
				t.Fatalf("house took %d, want %d", h, tc.wantHouse)
			}
			d.audit()
		})
	}
}

// TestFreeContestsKeepNoTerms: a contest without a stake has no pot, so
// nothing is stored for it.
func TestFreeContestsKeepNoTerms(t *testing.T) {
	d := newDriver(t)
	ar := Arena{Name: "free", Game: "connect4", Seats: 2, MoveDeadlineMS: 5000, GraceMS: 1000, Forfeit: ForfeitLose,
		Rewards: []int{100}, Judges: []string{"referee"}, EloK: 32, MaxConcurrentPerAgent: 1}
	d.must(CmdArenaPut, arenaPutCmd{Arena: ar})
	d.must(CmdContestCreate, contestCreateCmd{ID: "f1", Arena: "free", Agents: []string{"ag_a", "ag_b"}, Seed: 1, KeepTerms: true})
	if c := d.contest("f1"); c.Terms != nil {
		t.Fatalf("a free contest stored terms %+v", c.Terms)
	}
}
