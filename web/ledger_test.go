package web_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/agentarena/arena/ledger"
)

func TestMoneyRoutes(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	a := plAgents(t, base, "a1")[0]
	b := plAgents(t, base, "b1")[0]
	var me struct {
		Owner struct{ ID string } `json:"owner"`
	}
	plHTTP(t, "GET", base+"/v1/owners/me", a.ownerKey, nil, &me)
	var other struct {
		Owner struct{ ID string } `json:"owner"`
	}
	plHTTP(t, "GET", base+"/v1/owners/me", b.ownerKey, nil, &other)

	type bal struct {
		Balance  int64  `json:"balance"`
		Currency string `json:"currency"`
	}
	tests := []struct {
		name   string
		path   string
		key    string
		status int
	}{
		{"an owner reads its own balance", "/v1/owners/me/balance", a.ownerKey, 200},
		{"an owner reads its own balance by id", "/v1/owners/" + me.Owner.ID + "/balance", a.ownerKey, 200},
		{"an owner may not read another's balance", "/v1/owners/" + other.Owner.ID + "/balance", a.ownerKey, 403},
		{"an owner may not read another's transfers", "/v1/owners/" + other.Owner.ID + "/transfers", a.ownerKey, 403},
		{"an anonymous caller reads no balance", "/v1/owners/" + me.Owner.ID + "/balance", "", 401},
		{"an agent key reads no balance", "/v1/owners/me/balance", a.agentKey, 403},
		{"the operator reads anyone's balance", "/v1/owners/" + other.Owner.ID + "/balance", plOperator, 200},
		{"an owner may not run the audit", "/v1/ledger/audit", a.ownerKey, 403},
		{"the operator runs the audit", "/v1/ledger/audit", plOperator, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code := plHTTP(t, "GET", base+tt.path, tt.key, nil, nil); code != tt.status {
				t.Fatalf("status %d, want %d", code, tt.status)
			}
		})
	}

	var start bal
	plHTTP(t, "GET", base+"/v1/owners/me/balance", a.ownerKey, nil, &start)
	if start.Balance != 100_000 || start.Currency != "ARC" {
		t.Fatalf("starting balance %+v, want the 100000 ARC grant", start)
	}
	t.Run("an owner cannot grant itself money", func(t *testing.T) {
		if code := plHTTP(t, "POST", base+"/v1/ledger/grants", a.ownerKey, map[string]any{"owner_id": me.Owner.ID, "amount": 5}, nil); code != 403 {
			t.Fatalf("status %d, want 403", code)
		}
	})
	t.Run("an operator grant with an id pays once", func(t *testing.T) {
		g := map[string]any{"id": "g-1", "owner_id": me.Owner.ID, "amount": 250, "memo": "welcome"}
		for i := 0; i < 2; i++ {
			if code := plHTTP(t, "POST", base+"/v1/ledger/grants", plOperator, g, nil); code != 200 {
				t.Fatalf("grant %d: status %d", i, code)
			}
		}
		var now bal
		plHTTP(t, "GET", base+"/v1/owners/me/balance", a.ownerKey, nil, &now)
		if now.Balance != start.Balance+250 {
			t.Fatalf("balance %d, want %d", now.Balance, start.Balance+250)
		}
		g["amount"] = 300
		if code := plHTTP(t, "POST", base+"/v1/ledger/grants", plOperator, g, nil); code != 409 {
			t.Fatalf("same id, other amount: status %d, want 409", code)
		}
	})
	t.Run("the arena's own transfer ids cannot be taken by a grant", func(t *testing.T) {
		// A payout id taken beforehand made its contest's settlement fail.
		for _, id := range []string{"payout/c_x/0", "stake/c_x/1", "fee/c_x", "refund/stake/c_x/0", "grant/start/ow_x"} {
			for _, path := range []string{"/v1/ledger/grants", "/v1/ledger/adjustments"} {
				var e struct {
					Error struct{ Code, Message string } `json:"error"`
				}
				g := map[string]any{"id": id, "owner_id": me.Owner.ID, "amount": 1}
				if code := plHTTP(t, "POST", base+path, plOperator, g, &e); code != 400 || !strings.Contains(e.Error.Message, "the arena's own") {
					t.Errorf("%s with id %s: %d %+v, want 400 naming the reserved prefix", path, id, code, e.Error)
				}
			}
		}
	})
	t.Run("an adjustment cannot overdraw a wallet", func(t *testing.T) {
		adj := map[string]any{"id": "adj-1", "owner_id": me.Owner.ID, "amount": -10_000_000}
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		if code := plHTTP(t, "POST", base+"/v1/ledger/adjustments", plOperator, adj, &e); code != 409 || e.Error.Code != "insufficient_funds" {
			t.Fatalf("status %d code %q, want 409 insufficient_funds", code, e.Error.Code)
		}
	})
	t.Run("the history pages through every transfer", func(t *testing.T) {
		var page struct {
			Transfers []struct {
				ID     string `json:"id"`
				Amount int64  `json:"amount"`
			} `json:"transfers"`
			Next string `json:"next_cursor"`
		}
		plHTTP(t, "GET", base+"/v1/owners/me/transfers?limit=1", a.ownerKey, nil, &page)
		if len(page.Transfers) != 1 || page.Next == "" {
			t.Fatalf("first page %+v", page)
		}
		first := page.Transfers[0].ID
		plHTTP(t, "GET", base+"/v1/owners/me/transfers?limit=1&cursor="+page.Next, a.ownerKey, nil, &page)
		if len(page.Transfers) != 1 || page.Transfers[0].ID == first || page.Transfers[0].ID != "g-1" {
			t.Fatalf("second page %+v", page)
		}
	})
	t.Run("the ledger's currency cannot be changed", func(t *testing.T) {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		for _, cur := range []string{"XYZ", "A\nB", "arc"} {
			if code := plHTTP(t, "PUT", base+"/v1/ledger/settings", plOperator, map[string]any{"starting_grant": 777, "currency": cur}, &e); code != 400 || !strings.Contains(e.Error.Message, "ARC") {
				t.Fatalf("currency %q: status %d %+v, want 400 naming ARC", cur, code, e.Error)
			}
		}
		if code := plHTTP(t, "PUT", base+"/v1/ledger/settings", plOperator, map[string]any{"starting_grant": 777, "currency": "ARC"}, nil); code != 200 {
			t.Fatalf("currency ARC: status %d", code)
		}
		c := plAgents(t, base, "c1")[0] // a sign-up after the change still gets its grant
		var got bal
		plHTTP(t, "GET", base+"/v1/owners/me/balance", c.ownerKey, nil, &got)
		if got.Balance != 777 || got.Currency != "ARC" {
			t.Fatalf("new owner's balance %+v, want 777 ARC", got)
		}
	})
	t.Run("settings are read back, and a PUT without the grant is refused", func(t *testing.T) {
		var got struct {
			Settings struct {
				StartingGrant int64  `json:"starting_grant"`
				Currency      string `json:"currency"`
			} `json:"settings"`
		}
		if code := plHTTP(t, "GET", base+"/v1/ledger/settings", plOperator, nil, &got); code != 200 || got.Settings.StartingGrant != 777 || got.Settings.Currency != "ARC" {
			t.Fatalf("GET settings: %d %+v, want 777 ARC", code, got.Settings)
		}
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		// A body naming only the currency set new owners' grant to 0.
		if code := plHTTP(t, "PUT", base+"/v1/ledger/settings", plOperator, map[string]any{"currency": "ARC"}, &e); code != 400 || !strings.Contains(e.Error.Message, "starting_grant is required") {
			t.Fatalf("PUT without starting_grant: %d %+v", code, e.Error)
		}
		plHTTP(t, "GET", base+"/v1/ledger/settings", plOperator, nil, &got)
		if got.Settings.StartingGrant != 777 {
			t.Fatalf("a refused PUT changed the grant to %d", got.Settings.StartingGrant)
		}
	})
	t.Run("the audit is clean and names its head", func(t *testing.T) {
		var r struct {
			Audit struct {
				OK   bool   `json:"ok"`
				Head string `json:"head"`
				Sum  int64  `json:"sum"`
			} `json:"audit"`
		}
		plHTTP(t, "GET", base+"/v1/ledger/audit", plOperator, nil, &r)
		if !r.Audit.OK || len(r.Audit.Head) != 64 || r.Audit.Sum != 0 {
			t.Fatalf("audit %+v", r.Audit)
		}
	})
}

// TestGrantBodies: a grant or adjustment names its owner and amount, keeps
// its memo as sent, and is refused in the caller's terms otherwise, with
// nothing moved.
func TestGrantBodies(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	a := plAgents(t, base, "a1")[0]
	var me struct {
		Owner struct{ ID string } `json:"owner"`
	}
	plHTTP(t, "GET", base+"/v1/owners/me", a.ownerKey, nil, &me)
	balance := func() int64 {
		var b struct {
			Balance int64 `json:"balance"`
		}
		plHTTP(t, "GET", base+"/v1/owners/me/balance", a.ownerKey, nil, &b)
		return b.Balance
	}
	start := balance()
	type apiErr struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	for _, tc := range []struct {
		name, path string
		body       map[string]any
		want       string
	}{
		{"a grant without owner_id", "/v1/ledger/grants", map[string]any{"id": "b-1", "amount": 100}, "owner_id is required"},
		{"a grant without amount", "/v1/ledger/grants", map[string]any{"id": "b-2", "owner_id": me.Owner.ID}, "amount is required"},
		{"a grant with a null amount", "/v1/ledger/grants", map[string]any{"id": "b-3", "owner_id": me.Owner.ID, "amount": nil}, "amount is required"},
		{"a negative grant", "/v1/ledger/grants", map[string]any{"id": "b-4", "owner_id": me.Owner.ID, "amount": -5}, "adjustments with a negative amount"},
		{"a zero adjustment", "/v1/ledger/adjustments", map[string]any{"id": "b-5", "owner_id": me.Owner.ID, "amount": 0}, "must not be zero"},
		{"an adjustment of math.MinInt64", "/v1/ledger/adjustments", map[string]any{"id": "b-6", "owner_id": me.Owner.ID, "amount": math.MinInt64}, "within ±90,071,992,547,409.91 ARC"},
		{"a grant over the credit limit", "/v1/ledger/grants", map[string]any{"id": "b-7", "owner_id": me.Owner.ID, "amount": ledger.MaxCredit + 1}, "within ±"},
		{"a memo over 1024 bytes", "/v1/ledger/grants", map[string]any{"id": "b-8", "owner_id": me.Owner.ID, "amount": 1, "memo": strings.Repeat("m", 1025)}, "memo is 1025 bytes; at most 1024"},
		// An empty id was taken as no id: the server picked a random one,
		// and a retry of the same body paid again.
		{"a grant with an empty id", "/v1/ledger/grants", map[string]any{"id": "", "owner_id": me.Owner.ID, "amount": 1}, "id is empty"},
		{"an adjustment with an empty id", "/v1/ledger/adjustments", map[string]any{"id": "", "owner_id": me.Owner.ID, "amount": -1}, "id is empty"},
		// Ids that print as nothing, or split the lines they are printed
		// on, were stored as given.
		{"a grant whose id is only spaces", "/v1/ledger/grants", map[string]any{"id": "   ", "owner_id": me.Owner.ID, "amount": 1}, "is only whitespace: a transfer id is 1-128 bytes"},
		{"an adjustment whose id is only whitespace", "/v1/ledger/adjustments", map[string]any{"id": " \u00a0\u3000", "owner_id": me.Owner.ID, "amount": -1}, "is only whitespace"},
		{"a grant whose id holds a newline", "/v1/ledger/grants", map[string]any{"id": "promo\nb", "owner_id": me.Owner.ID, "amount": 1}, `id "promo\nb" contains a control character: a transfer id is`},
		{"an adjustment whose id holds a tab", "/v1/ledger/adjustments", map[string]any{"id": "a\tb", "owner_id": me.Owner.ID, "amount": -1}, "contains a control character"},
		{"a grant whose id holds a DEL", "/v1/ledger/grants", map[string]any{"id": "a\x7f", "owner_id": me.Owner.ID, "amount": 1}, "contains a control character"},
		{"a grant whose id is only a newline", "/v1/ledger/grants", map[string]any{"id": "\n", "owner_id": me.Owner.ID, "amount": 1}, "contains a control character"},
		{"a grant whose id is over 128 bytes", "/v1/ledger/grants", map[string]any{"id": strings.Repeat("i", 129), "owner_id": me.Owner.ID, "amount": 1}, "id is 129 bytes: a transfer id is 1-128 bytes"},
	} {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			var e apiErr
			if code := plHTTP(t, "POST", base+tc.path, plOperator, tc.body, &e); code != 400 || e.Error.Code != "invalid" || !strings.Contains(e.Error.Message, tc.want) {
				t.Fatalf("status %d %+v, want 400 invalid saying %q", code, e.Error, tc.want)
			}
		})
	}
	if got := balance(); got != start {
		t.Fatalf("refused bodies moved money: balance %d, was %d", got, start)
	}

	t.Run("a memo is kept as sent, past 64 bytes and mid-character", func(t *testing.T) {
		// 81 bytes: cut at 64 it ended inside an "é", and the grant
		// failed as "memo is not valid UTF-8"; a 65-byte memo lost its tail.
		for i, memo := range []string{"a" + strings.Repeat("é", 40), strings.Repeat("m", 65), strings.Repeat("€", 341)} {
			var out struct {
				Transfer struct{ Memo string } `json:"transfer"`
			}
			id := fmt.Sprintf("memo-%d", i)
			if code := plHTTP(t, "POST", base+"/v1/ledger/grants", plOperator, map[string]any{"id": id, "owner_id": me.Owner.ID, "amount": 1, "memo": memo}, &out); code != 200 || out.Transfer.Memo != memo {
				t.Fatalf("memo of %d bytes: status %d, stored %q", len(memo), code, out.Transfer.Memo)
			}
		}
		// The whole memo is content: a retry differing past byte 64 is
		// another grant, not the same one.
		var e apiErr
		other := strings.Repeat("m", 64) + "n"
		if code := plHTTP(t, "POST", base+"/v1/ledger/grants", plOperator, map[string]any{"id": "memo-1", "owner_id": me.Owner.ID, "amount": 1, "memo": other}, &e); code != 409 {
			t.Fatalf("same id, memo differing at byte 65: status %d %+v, want 409", code, e.Error)
		}
		if got := balance(); got != start+3 {
			t.Fatalf("balance %d, want %d", got, start+3)
		}
	})

	t.Run("an id with spaces inside and any script is taken", func(t *testing.T) {
		for _, id := range []string{"promo 2025/ü", " padded ", "报酬-1"} {
			var out struct {
				Transfer struct{ ID string } `json:"transfer"`
			}
			if code := plHTTP(t, "POST", base+"/v1/ledger/grants", plOperator, map[string]any{"id": id, "owner_id": me.Owner.ID, "amount": 1}, &out); code != 200 || out.Transfer.ID != id {
				t.Fatalf("id %q: status %d, stored %q", id, code, out.Transfer.ID)
			}
		}
	})
}

// TestCreditLimit: operator grants stop at ledger.MaxCredit in circulation,
// so no balance passes what JSON readers hold exactly; a retry of a grant
// already made still answers, and adjustments make room again.
func TestCreditLimit(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	a := plAgents(t, base, "a1")[0]
	var me struct {
		Owner struct{ ID string } `json:"owner"`
	}
	plHTTP(t, "GET", base+"/v1/owners/me", a.ownerKey, nil, &me)
	credit := func() int64 {
		var r struct {
			Audit struct {
				OK     bool                        `json:"ok"`
				Totals map[string]map[string]int64 `json:"totals"`
			} `json:"audit"`
		}
		plHTTP(t, "GET", base+"/v1/ledger/audit", plOperator, nil, &r)
		if !r.Audit.OK {
			t.Fatalf("audit fails: %+v", r.Audit)
		}
		return -r.Audit.Totals["ARC"]["issuer"]
	}
	grant := func(path, id string, amount int64, out any) int {
		return plHTTP(t, "POST", base+path, plOperator, map[string]any{"id": id, "owner_id": me.Owner.ID, "amount": amount}, out)
	}
	room := ledger.MaxCredit - credit()
	var first struct {
		Transfer struct {
			Seq    uint64 `json:"seq"`
			Amount int64  `json:"amount"`
		} `json:"transfer"`
	}
	if code := grant("/v1/ledger/grants", "fill", room, &first); code != 200 || first.Transfer.Amount != room {
		t.Fatalf("grant of the remaining %d: status %d %+v", room, code, first)
	}
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if code := grant("/v1/ledger/grants", "one-more", 1, &e); code != 409 || e.Error.Code != "conflict" || !strings.Contains(e.Error.Message, "in circulation") {
		t.Fatalf("a unit past the limit: status %d %+v, want 409 conflict", code, e.Error)
	}
	var again struct {
		Transfer struct {
			Seq uint64 `json:"seq"`
		} `json:"transfer"`
	}
	if code := grant("/v1/ledger/grants", "fill", room, &again); code != 200 || again.Transfer.Seq != first.Transfer.Seq {
		t.Fatalf("a retry of the grant at the limit: status %d seq %d, want 200 and seq %d", code, again.Transfer.Seq, first.Transfer.Seq)
	}
	if got := credit(); got != ledger.MaxCredit {
		t.Fatalf("credit %d, want exactly %d", got, ledger.MaxCredit)
	}
	var bal struct {
		Balance json.Number `json:"balance"`
	}
	plHTTP(t, "GET", base+"/v1/owners/me/balance", a.ownerKey, nil, &bal)
	if f, _ := strconv.ParseFloat(bal.Balance.String(), 64); int64(f) != mustInt(t, bal.Balance) {
		t.Fatalf("balance %s does not survive a float64 reader", bal.Balance)
	}
	if code := grant("/v1/ledger/adjustments", "take-back", -10, nil); code != 200 {
		t.Fatalf("adjustment of -10 at the limit: status %d", code)
	}
	if code := grant("/v1/ledger/grants", "one-more", 10, nil); code != 200 {
		t.Fatalf("a grant into the room an adjustment made: status %d", code)
	}
}

func mustInt(t *testing.T, n json.Number) int64 {
	t.Helper()
	v, err := n.Int64()
	if err != nil {
		t.Fatal(err)
	}
	return v
}
