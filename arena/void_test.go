package arena_test

import (
	"context"
	"testing"
	"time"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
)

// A contest in which every seat forfeits has nobody to rank. In an arena
// with the void rule (every default arena and every arena PUT since) it is
// aborted with its stakes refunded and leaves ratings, battles and
// preference pairs alone; an arena stored before the rule (no
// void_all_forfeit) still sends it to the judge and settles the draw, as
// old logs recorded it.
func TestAllForfeitContestIsVoid(t *testing.T) {
	c := arenatest.NewCluster(t, 3)
	leader := c.Leader()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	seedPlayers(t, leader, "ow_v", 10_000, "ag_v1", "ag_v2", "ag_v3")
	legacy := arena.DefaultArenas()[1]
	legacy.Name, legacy.VoidAllForfeit = "legacy-prompt", false
	_, err := leader.PutArena(ctx, legacy)
	must(err)
	wallet := func() int64 {
		t.Helper()
		a, err := leader.Balance("ow_v")
		must(err)
		return a.Balance
	}

	t.Run("both seats forfeiting void the contest with no rating change and a refund", func(t *testing.T) {
		before := wallet()
		con, err := leader.CreateContest(ctx, "ct_void", "prompt", []string{"ag_v1", "ag_v2"}, 7)
		must(err)
		stake := arena.DefaultArenas()[1].Stake
		if got := wallet(); got != before-2*stake {
			t.Fatalf("wallet %d after staking, want %d", got, before-2*stake)
		}
		must(leader.Resign(ctx, con.ID, "ag_v1", "gone"))
		must(leader.Resign(ctx, con.ID, "ag_v2", "gone too"))
		con, err = leader.Contest(con.ID)
		must(err)
		if con.Status != arena.StatusAborted || con.Reason != arena.ReasonVoidAllForfeit {
			t.Fatalf("contest is %s (%q), want aborted (%q)", con.Status, con.Reason, arena.ReasonVoidAllForfeit)
		}
		if got := wallet(); got != before {
			t.Fatalf("wallet %d after the void, want the stakes back (%d)", got, before)
		}
		for _, id := range []string{"ag_v1", "ag_v2"} {
			if e, ok, err := leader.RatingOf("prompt", id); err != nil || ok {
				t.Fatalf("%s has a rating row %+v (err %v): a void contest must not rate", id, e, err)
			}
		}
		if b, _, err := leader.Battles("prompt"); err != nil || len(b) != 0 {
			t.Fatalf("battles %+v (err %v), want none", b, err)
		}
		if p, _, err := leader.Preferences(arena.PreferenceFilter{Arena: "prompt"}); err != nil || len(p) != 0 {
			t.Fatalf("preference pairs %+v (err %v), want none", p, err)
		}
	})

	t.Run("one seat forfeiting still goes to the judge", func(t *testing.T) {
		con, err := leader.CreateContest(ctx, "ct_half", "prompt", []string{"ag_v1", "ag_v3"}, 8)
		must(err)
		must(leader.Resign(ctx, con.ID, "ag_v1", "gone"))
		must(leader.Move(ctx, con.ID, "ag_v3", nil, []byte(`{"text":"An answer.","final":true}`)))
		con, err = leader.Contest(con.ID)
		must(err)
		if con.Status != arena.StatusJudging {
			t.Fatalf("contest is %s, want judging", con.Status)
		}
		must(leader.AbortContest(ctx, con.ID, "test done"))
	})

	t.Run("an arena stored without the rule settles the draw as old logs did", func(t *testing.T) {
		con, err := leader.CreateContest(ctx, "ct_legacy", "legacy-prompt", []string{"ag_v1", "ag_v2"}, 9)
		must(err)
		must(leader.Resign(ctx, con.ID, "ag_v1", "gone"))
		must(leader.Resign(ctx, con.ID, "ag_v2", "gone too"))
		con, err = leader.Contest(con.ID)
		must(err)
		if con.Status != arena.StatusJudging {
			t.Fatalf("contest is %s, want judging", con.Status)
		}
		must(leader.Judged(ctx, con.ID, []int{0, 0}, nil, nil))
		if _, ok, err := leader.RatingOf("legacy-prompt", "ag_v1"); err != nil || !ok {
			t.Fatalf("legacy draw left no rating row (err %v)", err)
		}
	})

	r, err := leader.Audit()
	must(err)
	if !r.OK {
		t.Fatalf("ledger audit: %v", r.Problems)
	}
	c.WaitConverged()
}
