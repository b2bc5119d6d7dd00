package web_test

import (
	"strings"
	"testing"
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
