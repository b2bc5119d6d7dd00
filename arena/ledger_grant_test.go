package arena

import (
	"strings"
	"testing"

	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/ledger"
)

// TestGrantCreditLimit: a grant command carrying max_credit stops at it;
// one logged before the limit (without the field) applies as it did.
func TestGrantCreditLimit(t *testing.T) {
	d := newDriver(t)
	issued := -d.balance(ledger.IssuerID) // ow_1's starting grant
	room := ledger.MaxCredit - issued
	d.must(CmdLedgerGrant, ledgerGrantCmd{ID: "fill", OwnerID: "ow_1", Amount: room, Kind: "grant", MaxCredit: ledger.MaxCredit, WholeMemo: true})
	if got := -d.balance(ledger.IssuerID); got != ledger.MaxCredit {
		t.Fatalf("credit %d after filling the room, want %d", got, ledger.MaxCredit)
	}
	r := d.apply(CmdLedgerGrant, ledgerGrantCmd{ID: "over", OwnerID: "ow_1", Amount: 1, Kind: "grant", MaxCredit: ledger.MaxCredit, WholeMemo: true})
	if !apperr.Is(r.Err, apperr.Conflict) || !strings.Contains(r.Err.Error(), "in circulation") {
		t.Fatalf("a unit past the limit: %v, want a conflict naming the credit in circulation", r.Err)
	}
	// A retry of the grant that reached the limit answers the original.
	again := d.must(CmdLedgerGrant, ledgerGrantCmd{ID: "fill", OwnerID: "ow_1", Amount: room, Kind: "grant", MaxCredit: ledger.MaxCredit, WholeMemo: true})
	if tr := again.(ledger.Transfer); tr.Amount != room {
		t.Fatalf("retry answered %+v", tr)
	}
	// Adjustments take credit back and are never held by the limit.
	d.must(CmdLedgerGrant, ledgerGrantCmd{ID: "back", OwnerID: "ow_1", Amount: -5, Kind: "adjust", MaxCredit: ledger.MaxCredit, WholeMemo: true})
	d.must(CmdLedgerGrant, ledgerGrantCmd{ID: "over", OwnerID: "ow_1", Amount: 5, Kind: "grant", MaxCredit: ledger.MaxCredit, WholeMemo: true})
	// A command from before the limit carries no max_credit: it applies.
	d.must(CmdLedgerGrant, ledgerGrantCmd{ID: "old", OwnerID: "ow_1", Amount: 7, Kind: "grant"})
	if got := -d.balance(ledger.IssuerID); got != ledger.MaxCredit+7 {
		t.Fatalf("credit %d after an old-style grant, want %d", got, ledger.MaxCredit+7)
	}
	d.audit()
}

// TestGrantMemo: a memo is kept as sent when the command says so; commands
// logged before that keep the old 64-byte cut, failures included.
func TestGrantMemo(t *testing.T) {
	d := newDriver(t)
	accented := "a" + strings.Repeat("é", 40) // 81 bytes: byte 64 falls inside an "é"
	long := strings.Repeat("m", 65)
	for _, tc := range []struct {
		name, memo string
		whole      bool
		want       string // the stored memo; "" when the command fails
	}{
		{"a whole accented memo", accented, true, accented},
		{"a whole 65-byte memo", long, true, long},
		{"an old command's 65-byte memo is cut", long, false, long[:64]},
		{"an old command's accented memo fails as it did", accented, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := d.apply(CmdLedgerGrant, ledgerGrantCmd{ID: "memo/" + tc.name, OwnerID: "ow_1", Amount: 1, Kind: "grant", Memo: tc.memo, WholeMemo: tc.whole})
			if tc.want == "" {
				if !apperr.Is(r.Err, apperr.Invalid) {
					t.Fatalf("err %v, want invalid", r.Err)
				}
				return
			}
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			if got := r.Value.(ledger.Transfer).Memo; got != tc.want {
				t.Fatalf("memo %q, want %q", got, tc.want)
			}
		})
	}
	d.audit()
}
