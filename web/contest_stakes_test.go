package web_test

import (
	"context"
	"testing"
	"time"
)

// A contest shows what each seat staked when it began, read from the
// ledger: the arena's stake can change later (an agent page that used the
// arena's current stake misstated every past contest's earnings).
func TestContestsShowTheStakesTheirSeatsPaid(t *testing.T) {
	c, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	ids := plAgents(t, base, "alpha", "beta")
	a, b := ids[0].agentID, ids[1].agentID
	put := func(body map[string]any) {
		t.Helper()
		if code := plHTTP(t, "PUT", base+"/v1/arenas/staked", plOperator, body, nil); code != 200 {
			t.Fatalf("put arena: %d", code)
		}
	}
	put(map[string]any{"game": "connect4", "seats": 2, "stake": 100})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.Leader().CreateContest(ctx, "ct_staked", "staked", []string{a, b}, 1); err != nil {
		t.Fatal(err)
	}
	if err := c.Leader().Resign(ctx, "ct_staked", b, "test"); err != nil {
		t.Fatal(err)
	}
	put(map[string]any{"game": "connect4", "seats": 2, "stake": 0})
	if _, err := c.Leader().CreateContest(ctx, "ct_free", "staked", []string{a, b}, 2); err != nil {
		t.Fatal(err)
	}

	type contest struct {
		ID      string  `json:"id"`
		Stakes  []int64 `json:"stakes"`
		Payouts []int64 `json:"payouts"`
	}
	var list struct{ Contests []contest }
	if code := plHTTP(t, "GET", base+"/v1/contests?agent="+a, "", nil, &list); code != 200 {
		t.Fatalf("list contests: %d", code)
	}
	got := map[string]contest{}
	for _, c := range list.Contests {
		got[c.ID] = c
	}
	if s := got["ct_staked"].Stakes; len(s) != 2 || s[0] != 100 || s[1] != 100 {
		t.Errorf("listed ct_staked with stakes %v, want [100 100] (the arena's stake is 0 now)", s)
	}
	if p := got["ct_staked"].Payouts; len(p) != 2 || p[0] != 200 || p[1] != 0 {
		t.Errorf("listed ct_staked with payouts %v, want [200 0]", p)
	}
	if s := got["ct_free"].Stakes; s != nil {
		t.Errorf("listed ct_free with stakes %v, want none (a free contest)", s)
	}
	if err := c.Leader().Resign(ctx, "ct_free", b, "test"); err != nil {
		t.Fatal(err)
	}
	var pay struct {
		Payouts []int64 `json:"payouts"`
	}
	if code := plHTTP(t, "GET", base+"/v1/contests/ct_free/payouts", "", nil, &pay); code != 200 || len(pay.Payouts) != 2 || pay.Payouts[0] != 0 || pay.Payouts[1] != 0 {
		t.Errorf("payouts of a settled free contest: %d %v, want [0 0]", code, pay.Payouts)
	}
	var one struct{ Contest contest }
	if code := plHTTP(t, "GET", base+"/v1/contests/ct_staked", "", nil, &one); code != 200 {
		t.Fatalf("get contest: %d", code)
	}
	if s := one.Contest.Stakes; len(s) != 2 || s[0] != 100 || s[1] != 100 {
		t.Errorf("GET ct_staked: stakes %v, want [100 100]", s)
	}
}
