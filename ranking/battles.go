package ranking

import (
	"math"
	"slices"

	"github.com/agentarena/arena/apperr"
)

// Battle is one two-player game as the Bradley–Terry fit sees it: who
// played and who won. An N-player contest becomes its N(N−1)/2 pairs.
type Battle struct {
	A, B   string
	Winner int // WinnerA, WinnerB or Tie
}

// Battle outcomes.
const (
	WinnerA = 0
	WinnerB = 1
	Tie     = 2
)

// Counts is a set of battles aggregated per pair of agents. The fit only
// needs these totals, and aggregating once is what makes refitting
// thousands of bootstrap samples cheap.
//
// Wins[i][j] is how many battles agent i won against agent j; Ties[i][j]
// (= Ties[j][i]) is how many they tied. Both matrices are len(Agents)
// square with a zero diagonal, since an agent cannot battle itself.
type Counts struct {
	Agents []string
	Wins   [][]int
	Ties   [][]int
}

// Aggregate counts battles per pair. Agents are listed in ascending name
// order, so the result does not depend on the order of the battles.
// A battle with an empty name, an agent against itself or an unknown
// Winner value is an Invalid error naming its index.
func Aggregate(battles []Battle) (Counts, error) {
	index := make(map[string]int)
	var names []string
	for k, b := range battles {
		switch {
		case b.A == "" || b.B == "":
			return Counts{}, apperr.New(apperr.Invalid, "battle %d: agent name is empty", k)
		case b.A == b.B:
			return Counts{}, apperr.New(apperr.Invalid, "battle %d: agent %q cannot battle itself", k, b.A)
		case b.Winner != WinnerA && b.Winner != WinnerB && b.Winner != Tie:
			return Counts{}, apperr.New(apperr.Invalid, "battle %d: winner must be 0 (A), 1 (B) or 2 (tie), got %d", k, b.Winner)
		}
		for _, name := range [2]string{b.A, b.B} {
			if _, ok := index[name]; !ok {
				index[name] = 0
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	for i, name := range names {
		index[name] = i
	}
	c := newCounts(names)
	for _, b := range battles {
		i, j := index[b.A], index[b.B]
		switch b.Winner {
		case WinnerA:
			c.Wins[i][j]++
		case WinnerB:
			c.Wins[j][i]++
		default:
			c.Ties[i][j]++
			c.Ties[j][i]++
		}
	}
	return c, nil
}

// newCounts returns empty counts over agents.
func newCounts(agents []string) Counts {
	n := len(agents)
	c := Counts{Agents: agents, Wins: make([][]int, n), Ties: make([][]int, n)}
	for i := range n {
		c.Wins[i] = make([]int, n)
		c.Ties[i] = make([]int, n)
	}
	return c
}

// validate checks the shape and contents of counts supplied by a caller.
func (c Counts) validate() error {
	n := len(c.Agents)
	if len(c.Wins) != n || len(c.Ties) != n {
		return apperr.New(apperr.Invalid, "counts: %d agents but %d win rows and %d tie rows", n, len(c.Wins), len(c.Ties))
	}
	seen := make(map[string]bool, n)
	for i, name := range c.Agents {
		switch {
		case name == "":
			return apperr.New(apperr.Invalid, "counts: agent %d has an empty name", i)
		case seen[name]:
			return apperr.New(apperr.Invalid, "counts: agent %q is listed twice", name)
		case len(c.Wins[i]) != n || len(c.Ties[i]) != n:
			return apperr.New(apperr.Invalid, "counts: row of agent %q is not %d long", name, n)
		case c.Wins[i][i] != 0 || c.Ties[i][i] != 0:
			return apperr.New(apperr.Invalid, "counts: agent %q cannot battle itself", name)
		}
		seen[name] = true
	}
	for i := range n {
		for j := range n {
			switch {
			case c.Wins[i][j] < 0 || c.Ties[i][j] < 0:
				return apperr.New(apperr.Invalid, "counts: %q vs %q has a negative count", c.Agents[i], c.Agents[j])
			case c.Ties[i][j] != c.Ties[j][i]:
				return apperr.New(apperr.Invalid, "counts: ties between %q and %q are not symmetric", c.Agents[i], c.Agents[j])
			}
		}
	}
	return nil
}

// cell is one (pair, outcome) class of battles: i beat j, or i tied j when
// tie is set (then i < j). Bootstrap samples draw cells, not raw battles.
type cell struct {
	i, j int32
	tie  bool
}

// cells lists the non-empty (pair, outcome) cells of c in a fixed order
// with the number of battles in each. Totals above MaxInt32 battles are an
// Invalid error: per-cell counts are int32 to keep the bootstrap's
// counting array small enough for the cache.
func (c Counts) cells() ([]cell, []int32, error) {
	var cs []cell
	var m []int32
	total := 0
	add := func(x cell, k int) {
		if k > 0 {
			cs = append(cs, x)
			m = append(m, int32(min(k, math.MaxInt32)))
			total = min(total+k, math.MaxInt32+1)
		}
	}
	for i := range c.Agents {
		for j := range c.Agents {
			add(cell{i: int32(i), j: int32(j)}, c.Wins[i][j])
			if i < j {
				add(cell{i: int32(i), j: int32(j), tie: true}, c.Ties[i][j])
			}
		}
	}
	if total > math.MaxInt32 {
		return nil, nil, apperr.New(apperr.Invalid, "counts: more than %d battles", math.MaxInt32)
	}
	return cs, m, nil
}

// tally is counts in the form the fit consumes. games is the symmetric
// n×n matrix of battles per pair, flattened row-major; score[i] is agent
// i's wins plus half its ties; played[i] is its number of battles.
type tally struct {
	n      int
	games  []float64
	score  []float64
	played []int
}

func newTally(n int) *tally {
	return &tally{n: n, games: make([]float64, n*n), score: make([]float64, n), played: make([]int, n)}
}

// fill rebuilds t from per-cell counts (m[k] battles in cell k).
func (t *tally) fill(cs []cell, m []int32) {
	clear(t.games)
	clear(t.score)
	clear(t.played)
	for k, x := range cs {
		if m[k] == 0 {
			continue
		}
		i, j, g := int(x.i), int(x.j), int(m[k])
		t.games[i*t.n+j] += float64(g)
		t.games[j*t.n+i] += float64(g)
		t.played[i] += g
		t.played[j] += g
		if x.tie {
			// A tie is half a win for each side (exact in float64).
			t.score[i] += float64(g) / 2
			t.score[j] += float64(g) / 2
		} else {
			t.score[i] += float64(g)
		}
	}
}
