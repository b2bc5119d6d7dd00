package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestUIContestPotNamesTheHouseFee: a running contest's header says what
// is at stake by the terms its seats staked under. Under a house fee the
// places share what the fee leaves, so "100% to first place" alone
// promised the winner the whole pot; and a change to the arena since the
// contest began does not change what the header says.
func TestUIContestPotNamesTheHouseFee(t *testing.T) {
	b := newBrowser(t)
	_, nodes := plCluster(t, 1, plOptions{})
	t.Cleanup(b.checkLoopback)
	base := nodes[0].url
	ctx := b.ctx

	def := map[string]any{"game": "prompt", "seats": 2, "move_deadline_ms": 60000, "stake": 100, "rewards": []int{100}, "house_fee_bps": 2000}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/feepot", plOperator, def, nil); code != 200 {
		t.Fatalf("create arena: %d", code)
	}
	ids := plAgents(t, base, "p1", "p2")
	cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := nodes[0].node.CreateContest(cctx, "c_feepot", "feepot", []string{ids[0].agentID, ids[1].agentID}, 1); err != nil {
		t.Fatal(err)
	}
	// The operator drops the fee and splits the pot mid-contest: the
	// running contest keeps its terms.
	def["house_fee_bps"], def["rewards"] = 0, []int{50, 50}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/feepot", plOperator, def, nil); code != 200 {
		t.Fatalf("change arena: %d", code)
	}

	b.run(ctx, "open the contest", 30*time.Second, chromedp.Navigate(base+"/contests/c_feepot"))
	b.waitJS(ctx, "the pot note", `document.querySelector('#contest-pot')`, 20*time.Second)
	want := "pot " + wantMoney(200) + ", house fee 20%, 100% of the rest to first place"
	if got := evalJS[string](b, ctx, `document.querySelector('#contest-pot').textContent`); got != want {
		t.Errorf("the contest's header says %q, want %q", got, want)
	}
}
