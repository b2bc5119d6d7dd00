package arena_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
)

// Listing running or judging contests walked every contest the node ever
// held (95-113 ms at 2,400 contests, and growing); it now walks the
// active index. The answers, pages and cursors included, must be those of
// the whole walk.
func TestListingActiveContestsAgreesWithTheWholeHistory(t *testing.T) {
	const contests = 14
	var agentIDs []string
	for i := range 2 * contests {
		agentIDs = append(agentIDs, fmt.Sprintf("ag_l%02d", i))
	}
	n, ctx := seededNode(t, "ow_l", agentIDs...)
	for i := range contests {
		id := fmt.Sprintf("c_l%02d", i)
		name := []string{"connect4", "prompt"}[i%2]
		if _, err := n.CreateContest(ctx, id, name, []string{fmt.Sprintf("ag_l%02d", 2*i), fmt.Sprintf("ag_l%02d", 2*i+1)}, uint64(i+1)); err != nil {
			t.Fatal(err)
		}
		if i%3 != 0 { // a third stay running
			if err := n.AbortContest(ctx, id, "listing test"); err != nil {
				t.Fatal(err)
			}
		}
	}
	// ids lists a filter's answer page by page.
	ids := func(f arena.ContestFilter) []string {
		var out []string
		for {
			list, next, err := n.Contests(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, ct := range list {
				out = append(out, ct.ID)
			}
			if next == "" {
				return out
			}
			f.Before = next
		}
	}
	all := ids(arena.ContestFilter{Limit: 100})
	tests := []arena.ContestFilter{
		{Status: arena.StatusRunning},
		{Status: arena.StatusRunning, Limit: 2},
		{Status: arena.StatusRunning, Arena: "prompt", Limit: 1},
		{Status: arena.StatusRunning, Agent: "ag_l06"},
		{Status: arena.StatusJudging},
		{Status: arena.StatusAborted, Limit: 3},
	}
	for _, f := range tests {
		t.Run(fmt.Sprintf("%+v", f), func(t *testing.T) {
			var want []string
			for _, id := range all {
				ct, err := n.Contest(id)
				if err != nil {
					t.Fatal(err)
				}
				if ct.Status == f.Status && (f.Arena == "" || ct.Arena == f.Arena) && (f.Agent == "" || ct.SeatOf(f.Agent) >= 0) {
					want = append(want, id)
				}
			}
			if got := ids(f); !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
	if got := ids(arena.ContestFilter{Status: arena.StatusRunning}); len(got) != 5 {
		t.Errorf("running: %v, want the 5 not aborted", got)
	}
}

// BenchmarkListRunningContests lists the running contests of a node that
// has held 1,000 others, as the home page and the spectators' running
// lists ask for them.
// Run: go test -run '^$' -bench ListRunningContests ./arena/
func BenchmarkListRunningContests(b *testing.B) {
	var ids []string
	for i := range 12 {
		ids = append(ids, fmt.Sprintf("ag_b%02d", i))
	}
	n, _ := seededNode(b, "ow_b", ids...)
	ctx := context.Background()
	for i := range 1005 {
		id := fmt.Sprintf("c_b%04d", i)
		pair := []string{fmt.Sprintf("ag_b%02d", 2*(i%6)), fmt.Sprintf("ag_b%02d", 2*(i%6)+1)}
		if _, err := n.CreateContest(ctx, id, "connect4", pair, uint64(i+1)); err != nil {
			b.Fatal(err)
		}
		if i < 1000 {
			if err := n.AbortContest(ctx, id, "history"); err != nil {
				b.Fatal(err)
			}
		}
	}
	for b.Loop() {
		list, _, err := n.Contests(arena.ContestFilter{Status: arena.StatusRunning})
		if err != nil || len(list) != 5 {
			b.Fatalf("%d running, %v", len(list), err)
		}
	}
}

// A reason over 64 bytes was cut byte-wise by the apply, splitting a
// character: an abort "Турнир прерван оператором из-за сбоя" was stored
// ending in "сб\ufffd". It is cut at a character boundary before it is
// proposed.
func TestLongReasonsKeepWholeCharacters(t *testing.T) {
	n, ctx := seededNode(t, "ow_r", "ag_r1", "ag_r2", "ag_r3", "ag_r4")
	reason := "Турнир прерван оператором из-за сбоя" // 67 bytes, 2 per letter
	for _, tt := range []struct {
		id, a, b string
		end      func(id string) error
	}{
		{"c_r1", "ag_r1", "ag_r2", func(id string) error { return n.AbortContest(ctx, id, reason) }},
		{"c_r2", "ag_r3", "ag_r4", func(id string) error { return n.Resign(ctx, id, "ag_r3", reason) }},
	} {
		if _, err := n.CreateContest(ctx, tt.id, "connect4", []string{tt.a, tt.b}, 1); err != nil {
			t.Fatal(err)
		}
		if err := tt.end(tt.id); err != nil {
			t.Fatal(err)
		}
		evs, err := n.ContestEvents(tt.id, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, ev := range evs {
			if ev.Type == arena.EvForfeit || ev.Type == arena.EvAborted {
				got = append(got, ev.Reason)
			}
		}
		if want := "Турнир прерван оператором из-за сб"; len(got) != 1 || got[0] != want {
			t.Errorf("%s: reasons %q, want [%q]", tt.id, got, want)
		}
	}
}

// seededNode is a one-node cluster with the default arenas and an owner
// of the given websocket agents.
func seededNode(t testing.TB, owner string, ids ...string) (*arena.Node, context.Context) {
	t.Helper()
	n := arenatest.NewCluster(t, 1).Leader()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	if err := n.Seed(ctx, arena.DefaultArenas(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := n.CreateOwner(ctx, agents.Owner{ID: owner, Name: owner}, agents.HashKey("k"+owner)); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if _, err := n.CreateAgent(ctx, agents.Agent{ID: id, OwnerID: owner, Name: id, Kind: agents.KindWebsocket}, agents.HashKey(id)); err != nil {
			t.Fatal(err)
		}
	}
	return n, ctx
}
