package ledger

import (
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/apperr"
)

func TestApplyMovesMoneyAndChains(t *testing.T) {
	db := newDB(t)
	first := mustApply(t, db, grant("g1", "alice", 500))
	second := mustApply(t, db, Transfer{ID: "s1", From: WalletID("alice"), To: EscrowID("c1"), Amount: 200, Kind: KindStake, At: t0})
	if first.Seq != 1 || second.Seq != 2 {
		t.Errorf("seqs %d, %d; want 1, 2", first.Seq, second.Seq)
	}
	if first.PrevHash != GenesisHash || second.PrevHash != first.Hash || second.Hash != second.ComputeHash() {
		t.Errorf("chain not linked: %+v %+v", first, second)
	}
	if first.Currency != DefaultCurrency || second.Contest != "c1" {
		t.Errorf("defaults not filled: currency %q, contest %q", first.Currency, second.Contest)
	}
	for id, want := range map[string]int64{IssuerID: -500, WalletID("alice"): 300, EscrowID("c1"): 200, HouseID: 0} {
		if got := balanceOf(t, db, id); got != want {
			t.Errorf("%s holds %d, want %d", id, got, want)
		}
	}
	if r := audit(t, db, nil); !r.OK || r.Head != second.Hash || r.Transfers != 2 || r.Accounts != 3 {
		t.Errorf("audit %+v", r)
	}
}

func TestApplyIsIdempotent(t *testing.T) {
	db := newDB(t)
	orig := mustApply(t, db, grant("g1", "alice", 100))

	t.Run("the same id and content a second time moves nothing and returns the original", func(t *testing.T) {
		retry := grant("g1", "alice", 100)
		retry.At = t0.Add(time.Hour) // proposed again after a leader change
		got, applied, err := apply(t, db, retry)
		if err != nil || applied || got != orig {
			t.Fatalf("got %+v applied=%v err=%v; want the original, not applied", got, applied, err)
		}
		if b := balanceOf(t, db, WalletID("alice")); b != 100 {
			t.Fatalf("alice holds %d after a retry", b)
		}
	})
	t.Run("the same id with different content is a conflict", func(t *testing.T) {
		before := dump(t, db)
		for _, tr := range []Transfer{grant("g1", "alice", 101), grant("g1", "bob", 100), {ID: "g1", From: IssuerID, To: WalletID("alice"), Amount: 100, Kind: KindAdjust, At: t0}} {
			if _, _, err := apply(t, db, tr); !apperr.Is(err, apperr.Conflict) {
				t.Fatalf("got %v, want conflict", err)
			}
		}
		if !maps.Equal(before, dump(t, db)) {
			t.Fatal("a conflicting transfer changed the store")
		}
	})
}

func TestApplyRefusesWithoutWriting(t *testing.T) {
	db := newDB(t)
	mustApply(t, db, grant("g1", "alice", 100))
	mustApply(t, db, Transfer{ID: "x1", From: "issuer:EUR", To: WalletID("eu"), Amount: 1, Currency: "EUR", Kind: KindGrant, At: t0})
	stake := func(amount int64) Transfer {
		return Transfer{ID: "s1", From: WalletID("alice"), To: EscrowID("c1"), Amount: amount, Kind: KindStake, At: t0}
	}
	tests := []struct {
		name string
		tr   Transfer
		code apperr.Code
		msg  string
	}{
		{"a wallet that cannot cover the amount", stake(150), apperr.InsufficientFunds, "wallet:alice has 1.00 ARC = 100 minor units, transfer s1 needs 1.50 ARC = 150 minor units (short by 0.50 ARC = 50 minor units)"},
		{"the house that cannot cover the amount", Transfer{ID: "h", From: HouseID, To: WalletID("a"), Amount: 1, Kind: KindAdjust, At: t0}, apperr.InsufficientFunds, "short by 0.01 ARC = 1 minor unit)"},
		{"a zero amount", stake(0), apperr.Invalid, "positive"},
		{"a negative amount", stake(-5), apperr.Invalid, "positive"},
		{"the same account on both sides", Transfer{ID: "x", From: WalletID("alice"), To: WalletID("alice"), Amount: 1, Kind: KindAdjust, At: t0}, apperr.Invalid, "same account"},
		{"a currency the sender does not hold", Transfer{ID: "x", From: WalletID("alice"), To: WalletID("bob"), Amount: 1, Currency: "EUR", Kind: KindAdjust, At: t0}, apperr.Invalid, "holds ARC"},
		{"a currency the receiver does not hold", Transfer{ID: "x", From: IssuerID, To: WalletID("eu"), Amount: 1, Kind: KindGrant, At: t0}, apperr.Invalid, "holds EUR"},
		{"a malformed currency", Transfer{ID: "x", From: IssuerID, To: WalletID("a"), Amount: 1, Currency: "arc", Kind: KindGrant, At: t0}, apperr.Invalid, "currency"},
		{"an unknown kind", Transfer{ID: "x", From: IssuerID, To: WalletID("a"), Amount: 1, Kind: "gift", At: t0}, apperr.Invalid, "kind"},
		{"an unknown account", Transfer{ID: "x", From: IssuerID, To: "bank", Amount: 1, Kind: KindGrant, At: t0}, apperr.Invalid, "account id"},
		{"an empty wallet owner", Transfer{ID: "x", From: IssuerID, To: WalletID(""), Amount: 1, Kind: KindGrant, At: t0}, apperr.Invalid, "account id"},
		{"a missing id", Transfer{From: IssuerID, To: WalletID("a"), Amount: 1, Kind: KindGrant, At: t0}, apperr.Invalid, "id is required"},
		{"a NUL in an id", Transfer{ID: "x", From: IssuerID, To: WalletID("a\x00b"), Amount: 1, Kind: KindGrant, At: t0}, apperr.Invalid, "NUL"},
		{"invalid UTF-8 in a memo", Transfer{ID: "x", From: IssuerID, To: WalletID("a"), Amount: 1, Kind: KindGrant, Memo: "\xff", At: t0}, apperr.Invalid, "UTF-8"},
		{"a missing time", Transfer{ID: "x", From: IssuerID, To: WalletID("a"), Amount: 1, Kind: KindGrant}, apperr.Invalid, "time"},
		{"an escrow named under another contest", Transfer{ID: "x", From: WalletID("alice"), To: EscrowID("c1"), Amount: 1, Kind: KindStake, Contest: "c2", At: t0}, apperr.Invalid, "belongs to contest c1"},
	}
	for _, tc := range tests {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			before := dump(t, db)
			_, _, err := apply(t, db, tc.tr)
			if !apperr.Is(err, tc.code) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("got %v, want %s mentioning %q", err, tc.code, tc.msg)
			}
			if !maps.Equal(before, dump(t, db)) {
				t.Fatal("a refused transfer changed the store")
			}
		})
	}
}

func TestApplyAllIsAllOrNothing(t *testing.T) {
	db := newDB(t)
	mustApply(t, db, grant("g1", "alice", 100))
	mustApply(t, db, grant("g2", "bob", 60))
	stakes := func(amount int64) []Transfer {
		var ts []Transfer
		for i, o := range []string{"alice", "bob", "alice"} {
			ts = append(ts, Transfer{ID: "stake/c1/" + string(rune('0'+i)), From: WalletID(o), To: EscrowID("c1"), Amount: amount, Kind: KindStake, At: t0})
		}
		return ts
	}
	run := func(ts []Transfer) (out []Transfer, applied []bool, err error) {
		_ = db.Update(func(tx *bolt.Tx) error {
			out, applied, err = ApplyAll(tx, ts)
			return nil
		})
		return
	}

	t.Run("one seat short refuses every stake", func(t *testing.T) {
		before := dump(t, db)
		_, _, err := run(stakes(60)) // alice's second stake finds 40 left
		if !apperr.Is(err, apperr.InsufficientFunds) || !strings.Contains(err.Error(), "stake/c1/2") {
			t.Fatalf("got %v", err)
		}
		if !maps.Equal(before, dump(t, db)) {
			t.Fatal("a refused batch changed the store")
		}
	})
	t.Run("a batch that fits is written whole and repeats are no-ops", func(t *testing.T) {
		ts := append(stakes(30), stakes(30)[0])
		out, applied, err := run(ts)
		if err != nil {
			t.Fatal(err)
		}
		if want := []bool{true, true, true, false}; !slices.Equal(applied, want) || out[3] != out[0] {
			t.Fatalf("applied %v, out[3] %+v", applied, out[3])
		}
		if e := balanceOf(t, db, EscrowID("c1")); e != 90 {
			t.Fatalf("escrow holds %d", e)
		}
		if _, applied, err := run(stakes(30)); err != nil || slices.Equal(applied, []bool{true, true, true}) {
			t.Fatalf("replay: applied %v err %v", applied, err)
		}
	})
}

func TestShowAmount(t *testing.T) {
	for _, tt := range []struct {
		minor    int64
		currency string
		want     string
	}{
		{0, DefaultCurrency, "0.00 ARC = 0 minor units"},
		{5, DefaultCurrency, "0.05 ARC = 5 minor units"},
		{1, DefaultCurrency, "0.01 ARC = 1 minor unit"},
		{-1, DefaultCurrency, "-0.01 ARC = -1 minor unit"},
		{100105, DefaultCurrency, "1,001.05 ARC = 100105 minor units"},
		{-123456789, DefaultCurrency, "-1,234,567.89 ARC = -123456789 minor units"},
		{math.MinInt64, DefaultCurrency, "-92,233,720,368,547,758.08 ARC = -9223372036854775808 minor units"},
		{42, "XYZ", "42 XYZ"},
	} {
		if got := ShowAmount(tt.minor, tt.currency); got != tt.want {
			t.Errorf("ShowAmount(%d, %s) = %q, want %q", tt.minor, tt.currency, got, tt.want)
		}
	}
}
