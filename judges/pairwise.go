package judges

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// PairResult is one pair of entries compared in both orders. Winners are
// entry indexes, or -1 for a tie.
type PairResult struct {
	A int `json:"a"` // the lower entry index
	B int `json:"b"`
	// AFirst is the winner when A was shown first, BFirst when B was.
	AFirst int `json:"a_first"`
	BFirst int `json:"b_first"`
	// Winner is the pair's result: the common winner of both orders, or
	// -1 (a tie) if either order tied or the two orders disagreed.
	Winner int `json:"winner"`
}

// OrderedJudge is a Judge that can also rank entries in exactly the order
// given, without shuffling them; PairwiseJudge uses it to control which
// entry is shown first.
type OrderedJudge interface {
	Judge
	RankInOrder(ctx context.Context, task Task, entries []Entry) (Verdict, error)
}

// PairwiseConfig configures a PairwiseJudge.
type PairwiseConfig struct {
	// Judge compares two entries at a time; required. If it is an
	// OrderedJudge (as aijudge.Judge is), entries are shown in the order asked
	// for; otherwise it is called with them in that order and trusted not
	// to reorder them.
	Judge Judge
	// Parallel bounds concurrent comparisons; default 4.
	Parallel int
}

// PairwiseJudge ranks n entries by comparing every pair twice, once in
// each order, which cancels a judge's position bias: a judge that always
// prefers the first entry shown yields ties, not wins for whoever was
// listed first. Pairs then rank like a round robin (Copeland): an entry
// scores 1 per pair won and ½ per pair tied, divided by n−1, so scores lie
// in [0, 1] and ranks follow them. It costs n(n−1) calls.
type PairwiseJudge struct {
	cfg PairwiseConfig
}

var _ Judge = (*PairwiseJudge)(nil)

// NewPairwiseJudge wraps cfg.Judge.
func NewPairwiseJudge(cfg PairwiseConfig) (*PairwiseJudge, error) {
	if cfg.Judge == nil {
		return nil, errors.New("pairwise judge: a judge is required")
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 4
	}
	return &PairwiseJudge{cfg: cfg}, nil
}

// Name is "pairwise:" and the inner judge's name.
func (p *PairwiseJudge) Name() string { return "pairwise:" + p.cfg.Judge.Name() }

// comparison is one ordered call: first is shown before second.
type comparison struct {
	first, second int
	v             Verdict
	err           error
}

// Rank compares every pair in both orders. Any failed comparison fails
// the verdict: a round robin with missing games would rank on luck.
func (p *PairwiseJudge) Rank(ctx context.Context, task Task, entries []Entry) (Verdict, error) {
	n := len(entries)
	if n == 0 {
		return Verdict{}, fmt.Errorf("%s: no entries", p.Name())
	}
	var calls []*comparison
	for a := 0; a < n; a++ {
		for b := a + 1; b < n; b++ {
			calls = append(calls, &comparison{first: a, second: b}, &comparison{first: b, second: a})
		}
	}
	p.run(ctx, task, entries, calls)

	v := Verdict{Judge: p.Name(), PromptHash: PromptHash(task.Prompt), Scores: make([]float64, n)}
	points := make([]float64, n)
	var flags [][]Flag
	var lines []string
	for c := 0; c < len(calls); c += 2 {
		ab, ba := calls[c], calls[c+1]
		wab, err := pairWinner(ab)
		if err != nil {
			return Verdict{}, fmt.Errorf("%s: %w", p.Name(), err)
		}
		wba, err := pairWinner(ba)
		if err != nil {
			return Verdict{}, fmt.Errorf("%s: %w", p.Name(), err)
		}
		r := PairResult{A: ab.first, B: ab.second, AFirst: wab, BFirst: wba, Winner: -1}
		if wab == wba {
			r.Winner = wab
		}
		if r.Winner < 0 {
			points[r.A] += 0.5
			points[r.B] += 0.5
		} else {
			points[r.Winner]++
		}
		v.Pairs = append(v.Pairs, r)
		lines = append(lines, pairLine(entries, r))
		for _, call := range []*comparison{ab, ba} {
			v.Raw = append(v.Raw, call.v.Raw...)
			if v.Model == "" {
				v.Model = call.v.Model
			}
			flags = append(flags, remapFlags(call.v.Flags, []int{call.first, call.second}))
		}
	}
	for i := range points {
		v.Scores[i] = 1
		if n > 1 {
			v.Scores[i] = RoundScore(points[i] / float64(n-1))
		}
	}
	v.Ranks = RanksFromScores(v.Scores)
	v.Rationale = strings.Join(lines, "\n")
	if n == 1 {
		v.Rationale = "one entry: nothing to compare"
	}
	v.Flags = mergeFlags(append(flags, EntryFlags(task, entries))...)
	return v, nil
}

// run makes the calls, at most Parallel at a time, and returns when all
// are done.
func (p *PairwiseJudge) run(ctx context.Context, task Task, entries []Entry, calls []*comparison) {
	ordered, _ := p.cfg.Judge.(OrderedJudge)
	sem := make(chan struct{}, p.cfg.Parallel)
	var wg sync.WaitGroup
	for _, c := range calls {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			pair := []Entry{entries[c.first], entries[c.second]}
			if ordered != nil {
				c.v, c.err = ordered.RankInOrder(ctx, task, pair)
			} else {
				c.v, c.err = p.cfg.Judge.Rank(ctx, task, pair)
			}
		})
	}
	wg.Wait()
}

// pairWinner reads a two-entry verdict: the entry index that placed
// better, or -1 if they tied.
func pairWinner(c *comparison) (int, error) {
	if c.err != nil {
		return 0, fmt.Errorf("compare entries %d and %d: %w", c.first, c.second, c.err)
	}
	if len(c.v.Ranks) != 2 {
		return 0, fmt.Errorf("compare entries %d and %d: judge returned %d ranks, want 2", c.first, c.second, len(c.v.Ranks))
	}
	switch {
	case c.v.Ranks[0] < c.v.Ranks[1]:
		return c.first, nil
	case c.v.Ranks[0] > c.v.Ranks[1]:
		return c.second, nil
	}
	return -1, nil
}

// pairLine explains one pair in the rationale, by seat.
func pairLine(entries []Entry, r PairResult) string {
	sa, sb := entries[r.A].Seat, entries[r.B].Seat
	name := func(w int) string {
		if w < 0 {
			return "tie"
		}
		return fmt.Sprintf("seat %d", entries[w].Seat)
	}
	switch {
	case r.Winner >= 0:
		return fmt.Sprintf("seat %d vs seat %d: %s won in both orders", sa, sb, name(r.Winner))
	case r.AFirst >= 0 && r.BFirst >= 0:
		return fmt.Sprintf("seat %d vs seat %d: tie, the orders disagreed (seat %d first: %s; seat %d first: %s)",
			sa, sb, sa, name(r.AFirst), sb, name(r.BFirst))
	}
	return fmt.Sprintf("seat %d vs seat %d: tie (seat %d first: %s; seat %d first: %s)",
		sa, sb, sa, name(r.AFirst), sb, name(r.BFirst))
}

// remapFlags re-indexes flags from a sub-call whose entry k was
// entries[index[k]]; verdict-wide flags (-1) and out-of-range ones stay
// verdict-wide.
func remapFlags(fs []Flag, index []int) []Flag {
	out := make([]Flag, 0, len(fs))
	for _, f := range fs {
		if f.Entry >= 0 && f.Entry < len(index) {
			f.Entry = index[f.Entry]
		} else {
			f.Entry = -1
		}
		out = append(out, f)
	}
	return out
}
