package aijudge

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/agentarena/arena/judges"
)

// Pairwise judging exists for model judges: these tests run it over an
// AI judge and a fake model with a position bias or a fixed opinion.

func TestPairwiseCancelsAJudgeThatPrefersTheFirstEntryShown(t *testing.T) {
	srv, ai := newAI(t, firstShownModel(t))
	p, err := judges.NewPairwiseJudge(judges.PairwiseConfig{Judge: ai})
	if err != nil {
		t.Fatal(err)
	}
	v, err := p.Rank(context.Background(), task3, entries3)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Requests()); n != 6 {
		t.Fatalf("%d calls, want 6 (3 pairs × 2 orders)", n)
	}
	for _, r := range v.Pairs {
		if r.Winner != -1 || r.AFirst != r.A || r.BFirst != r.B {
			t.Fatalf("pair %+v: a judge that picks whatever is first must tie", r)
		}
	}
	if !slices.Equal(v.Scores, []float64{0.5, 0.5, 0.5}) || !slices.Equal(v.Ranks, []int{0, 0, 0}) {
		t.Fatalf("scores %v ranks %v, want all tied", v.Scores, v.Ranks)
	}
	if v.Judge != "pairwise:ai:judge-model" || v.Model != "judge-model" || len(v.Raw) != 6 ||
		!strings.Contains(v.Rationale, "seat 4 vs seat 5: tie, the orders disagreed (seat 4 first: seat 4; seat 5 first: seat 5)") {
		t.Fatalf("verdict %+v", v)
	}
}

func TestPairwiseRanksAConsistentJudgesOpinion(t *testing.T) {
	_, ai := newAI(t, scoringModel(t, opinion))
	p, _ := judges.NewPairwiseJudge(judges.PairwiseConfig{Judge: ai, Parallel: 2})
	v, err := p.Rank(context.Background(), task3, entries3)
	if err != nil {
		t.Fatal(err)
	}
	// best beats both (2/2), fair beats weak (1/2), weak none.
	if !slices.Equal(v.Scores, []float64{0, 1, 0.5}) || !slices.Equal(v.Ranks, []int{2, 0, 1}) {
		t.Fatalf("scores %v ranks %v", v.Scores, v.Ranks)
	}
	if !strings.Contains(v.Rationale, "seat 4 vs seat 5: seat 5 won in both orders") {
		t.Fatalf("rationale:\n%s", v.Rationale)
	}
}
