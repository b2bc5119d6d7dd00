package bots

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/agentarena/arena/games"
	"github.com/agentarena/arena/games/verifiable"
)

// TestVerifiableBotsHaveDistinctHonestSkill plays every verifiable bot
// through the game itself (Start, seat view, Move, Apply, checker) on 400
// tasks: the exact solver passes them all, the others pass fewer in the
// order of their error rates, each close to its stated rate, and the
// format bot never scores.
func TestVerifiableBotsHaveDistinctHonestSkill(t *testing.T) {
	const n = 400
	names := []string{"vt-exact", "vt-good", "vt-fair", "vt-weak", "vt-format"}
	passed := map[string]int{}
	mean := map[string]float64{}
	g := verifiable.New()
	for seed := uint64(1); seed <= n; seed++ {
		for _, name := range names {
			b, ok := Lookup(name, 7)
			if !ok {
				t.Fatalf("no bot %s", name)
			}
			st, err := g.Start(games.Setup{Seats: 2, Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			view, _ := json.Marshal(st.View(0))
			move, err := b.Move(context.Background(), view)
			if err != nil {
				t.Fatalf("%s on seed %d: %v", name, seed, err)
			}
			if err := st.Apply(0, move); err != nil {
				t.Fatalf("%s's move was refused: %v", name, err)
			}
			r := st.(*verifiable.State).Results()[0]
			mean[name] += r.Score / n
			if r.Passed {
				passed[name]++
			}
		}
	}
	t.Logf("passed of %d: %v; mean scores %v", n, passed, mean)
	t.Run("the exact solver passes every task", func(t *testing.T) {
		if passed["vt-exact"] != n {
			t.Fatalf("vt-exact passed %d of %d", passed["vt-exact"], n)
		}
	})
	t.Run("the others pass fewer, in order of their error rates", func(t *testing.T) {
		for i := 1; i+1 < len(names); i++ {
			if mean[names[i]] >= mean[names[i-1]] || mean[names[i+1]] >= mean[names[i]] {
				t.Fatalf("mean scores out of order: %v", mean)
			}
		}
	})
	t.Run("each solver's pass rate is near its stated error rate", func(t *testing.T) {
		for _, name := range names[1:4] {
			b, _ := Lookup(name, 7)
			s := b.(*VerifiableSolver)
			avg := 0
			for _, f := range verifiable.Families() {
				avg += s.ErrorRate(f)
			}
			wantPass := n * (100*len(verifiable.Families()) - avg) / (100 * len(verifiable.Families()))
			if d := passed[name] - wantPass; d > n/10 || d < -n/10 {
				t.Errorf("%s passed %d, its error rates predict about %d", name, passed[name], wantPass)
			}
		}
	})
	t.Run("the format bot never scores", func(t *testing.T) {
		if mean["vt-format"] != 0 {
			t.Fatalf("vt-format mean score %v", mean["vt-format"])
		}
	})
}

// TestAMistakeAlwaysFailsTheChecker: an erring bot never passes by luck.
func TestAMistakeAlwaysFailsTheChecker(t *testing.T) {
	for seed := uint64(0); seed < 600; seed++ {
		task, err := verifiable.Generate(seed, verifiable.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for r := uint64(0); r < 3; r++ {
			w := mistake(task.Want, seed*7+r)
			res := verifiable.Check(task.Want, "ANSWER: "+w.Render())
			if res.Passed || res.FormatError != "" {
				t.Fatalf("%s: mistake %q of %q gave %+v", task.ID, w.Render(), task.Want.Render(), res)
			}
		}
	}
}
