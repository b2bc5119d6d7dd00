package arena_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/agentarena/arena/arena/arenatest"
)

// The home page's "recent results" are the contests that ended last. A
// contest that started long before it ended must still come first once
// it ends (listing by start, then sorting a window by end, dropped it).
func TestRecentlySettledIsByEndAcrossArenas(t *testing.T) {
	c := arenatest.NewCluster(t, 1)
	n := c.Leader()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	seedPlayers(t, n, "ow_r", 100_000, "ag_r1", "ag_r2", "ag_r3", "ag_r4")
	// The long one starts first, in another arena than the short ones.
	_, err := n.CreateContest(ctx, "ct_long", "connect4", []string{"ag_r1", "ag_r2"}, 1)
	must(err)
	for i, id := range []string{"ct_short_a", "ct_short_b", "ct_short_c"} {
		_, err := n.CreateContest(ctx, id, "verifiable", []string{"ag_r3", "ag_r4"}, uint64(i+2))
		must(err)
		must(n.Move(ctx, id, "ag_r3", nil, json.RawMessage(`{"text":"42","final":true}`)))
		must(n.Resign(ctx, id, "ag_r4", "test"))
	}
	got := func(limit int) []string {
		t.Helper()
		list, err := n.RecentlySettled(limit)
		must(err)
		var ids []string
		for _, c := range list {
			ids = append(ids, c.ID)
		}
		return ids
	}
	if ids := got(2); len(ids) != 2 || ids[0] != "ct_short_c" || ids[1] != "ct_short_b" {
		t.Fatalf("recently settled %v, want [ct_short_c ct_short_b]", ids)
	}
	must(n.Resign(ctx, "ct_long", "ag_r2", "test"))
	if ids := got(2); len(ids) != 2 || ids[0] != "ct_long" || ids[1] != "ct_short_c" {
		t.Fatalf("recently settled %v after the long contest ended, want [ct_long ct_short_c]", ids)
	}
	if ids := got(10); len(ids) != 4 {
		t.Fatalf("recently settled %v, want all 4", ids)
	}
}
