package arena_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/games/verifiable"
	"github.com/agentarena/arena/ranking"
)

// TestVerifiableArenaRanksBotsByTheirSkill runs the built-in verifiable
// bots live in the default verifiable arena (real Raft, real runner) for
// enough contests that every pair of bots meets many times, then reads
// the outcome back as a trainer and a spectator would:
//
//   - Bradley–Terry puts the exact solver first and the others in the
//     order of their error rates, the format-breaking bot last;
//   - every contest's verdict is the checker's, and no answer that failed
//     the checker ranks above one that passed;
//   - every pair carries both sides' checker results, and the chosen side
//     never scored lower than the rejected one.
func TestVerifiableArenaRanksBotsByTheirSkill(t *testing.T) {
	if testing.Short() {
		t.Skip("plays about a hundred live contests")
	}
	order := []string{"vt-exact", "vt-good", "vt-fair", "vt-weak", "vt-format"}
	c := arenatest.NewCluster(t, 1)
	rs := arenatest.NewRunners(t, c)
	rs.Start(t, 0, order...)
	n := c.Nodes[0]

	// Contest seeds are random, so the ratings are estimates: the test
	// waits for at least 200 battles and then for the order to show, which
	// more battles only make likelier when the order is the true one (it
	// is, by construction of the bots), and fails if 240 s never show it.
	const contests = 200
	var rows map[string]ranking.BTRow
	var got []string
	c.Eventually(240*time.Second, func() error {
		battles, _, err := n.Battles("verifiable")
		if err != nil {
			return err
		}
		if len(battles) < contests {
			return fmt.Errorf("%d of %d battles settled", len(battles), contests)
		}
		if rows, err = n.BradleyTerry(context.Background(), "verifiable"); err != nil {
			return err
		}
		got = got[:0]
		for _, name := range order {
			if _, ok := rows[arena.BotAgentID(name)]; !ok {
				return fmt.Errorf("%s has no Bradley-Terry row: %v", name, rows)
			}
			got = append(got, arena.BotAgentID(name))
		}
		slices.SortStableFunc(got, func(a, b string) int {
			switch {
			case rows[a].Rating > rows[b].Rating:
				return -1
			case rows[a].Rating < rows[b].Rating:
				return 1
			}
			return 0
		})
		for i, name := range order {
			if got[i] != arena.BotAgentID(name) {
				return fmt.Errorf("after %d battles, Bradley-Terry order %v, want %v (ratings %+v)", len(battles), got, order, rows)
			}
		}
		return nil
	})
	rs.StopAll()
	t.Logf("Bradley-Terry ranks the exact solver first and the rest by error rate: %+v", rows)

	list, _, err := n.Contests(arena.ContestFilter{Arena: "verifiable", Status: arena.StatusSettled, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	decisive := 0 // contests with a winner: each yields one pair
	t.Run("no answer that fails the checker outranks one that passes", func(t *testing.T) {
		for _, row := range list {
			con, err := n.Contest(row.ID) // lists leave the state out
			if err != nil {
				t.Fatal(err)
			}
			st, err := n.GameState(con)
			if err != nil {
				t.Fatal(err)
			}
			if con.Ranks[0] != con.Ranks[1] {
				decisive++
			}
			results := st.(*verifiable.State).Results()
			for i, ri := range results {
				for j, rj := range results {
					if ri.Passed && !rj.Passed && con.Ranks[j] <= con.Ranks[i] {
						t.Fatalf("contest %s: seat %d failed (%+v) but ranks %d, seat %d passed and ranks %d",
							con.ID, j, rj, con.Ranks[j], i, con.Ranks[i])
					}
				}
			}
		}
	})

	t.Run("every pair carries both checker results, chosen never below rejected", func(t *testing.T) {
		pairs, _, err := n.Preferences(arena.PreferenceFilter{Arena: "verifiable", MinMargin: -1, Limit: 100000})
		if err != nil {
			t.Fatal(err)
		}
		if len(pairs) != decisive || decisive == 0 {
			t.Fatalf("%d pairs from %d contests with a winner", len(pairs), decisive)
		}
		passedChosen := 0
		for _, p := range pairs {
			if p.Check == nil || p.Judge != arena.CheckerJudge {
				t.Fatalf("pair %d has no checker result: %+v", p.Cursor, p)
			}
			if p.Check.Chosen.Score <= p.Check.Rejected.Score || p.Margin <= 0 {
				t.Fatalf("pair %d chose a score %v over %v", p.Cursor, p.Check.Chosen.Score, p.Check.Rejected.Score)
			}
			if p.Check.Chosen.Passed {
				passedChosen++
			}
		}
		only, _, err := n.Preferences(arena.PreferenceFilter{Arena: "verifiable", MinMargin: -1, ChosenPassed: true, Limit: 100000})
		if err != nil {
			t.Fatal(err)
		}
		if len(only) != passedChosen || passedChosen == 0 {
			t.Fatalf("the chosen-passed filter kept %d pairs, %d have a passing chosen answer", len(only), passedChosen)
		}
	})
}
