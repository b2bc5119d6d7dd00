package ranking

import (
	"maps"
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
	names, index, err := nameBattles(battles)
	if err != nil {
		return Counts{}, err
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

// nameBattles checks battles (see Aggregate) and lists their agents in
// ascending name order with each one's index.
func nameBattles(battles []Battle) ([]string, map[string]int, error) {
	index := make(map[string]int)
	var names []string
	for k, b := range battles {
		switch {
		case b.A == "" || b.B == "":
			return nil, nil, apperr.New(apperr.Invalid, "battle %d: agent name is empty", k)
		case b.A == b.B:
			return nil, nil, apperr.New(apperr.Invalid, "battle %d: agent %q cannot battle itself", k, b.A)
		case b.Winner != WinnerA && b.Winner != WinnerB && b.Winner != Tie:
			return nil, nil, apperr.New(apperr.Invalid, "battle %d: winner must be 0 (A), 1 (B) or 2 (tie), got %d", k, b.Winner)
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
	return names, index, nil
}

// board is battles reduced to their non-empty cells, the form the fit and
// the bootstrap consume. Counts hold a square matrix per outcome, 16 MB
// for 1,000 agents and 1.6 GB for 10,000, however few pairs ever met; a
// board grows with the pairs that met.
type board struct {
	agents []string
	cs     []cell
	m      []int32
}

// aggregateBoard is Aggregate then Counts.board, without the matrices.
// Its cells come out in the order Counts.cells lists them, so both paths
// give the same bits.
func aggregateBoard(battles []Battle) (board, error) {
	names, index, err := nameBattles(battles)
	if err != nil {
		return board{}, err
	}
	// A cell's key sorts like Counts.cells walks: by i, then j, a win
	// before the tie of the same pair.
	key := func(i, j int, tie bool) uint64 {
		k := uint64(i)<<33 | uint64(j)<<1
		if tie {
			k |= 1
		}
		return k
	}
	count := make(map[uint64]int)
	for _, b := range battles {
		i, j := index[b.A], index[b.B]
		switch b.Winner {
		case WinnerA:
			count[key(i, j, false)]++
		case WinnerB:
			count[key(j, i, false)]++
		default:
			count[key(min(i, j), max(i, j), true)]++
		}
	}
	if len(battles) > math.MaxInt32 {
		return board{}, apperr.New(apperr.Invalid, "counts: more than %d battles", math.MaxInt32)
	}
	keys := slices.Sorted(maps.Keys(count))
	b := board{agents: names, cs: make([]cell, len(keys)), m: make([]int32, len(keys))}
	for n, k := range keys {
		b.cs[n] = cell{i: int32(k >> 33), j: int32(k >> 1 & (1<<32 - 1)), tie: k&1 == 1}
		b.m[n] = int32(count[k])
	}
	return b, nil
}

// board checks counts supplied by a caller and lists their cells.
func (c Counts) board() (board, error) {
	if err := c.validate(); err != nil {
		return board{}, err
	}
	cs, m, err := c.cells()
	if err != nil {
		return board{}, err
	}
	return board{agents: c.Agents, cs: cs, m: m}, nil
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

// tally is counts in the form the fit consumes: for each agent i, the
// opponents it has met (ascending, shared in pairs) and the battles
// against each, score[i] its wins plus half its ties, played[i] its
// battles. Only pairs that met are stored: a board of 1,000 agents has
// 10^6 pairs but a few hundred thousand battles, and a dense matrix made
// every sweep of the fit, and every bootstrap round's refill, touch all
// 10^6 cells.
type tally struct {
	n      int
	pairs  *pairs
	games  []float64 // battles per slot of pairs.nbr
	score  []float64
	played []int
}

// pairs is the sparse layout of a tally, fixed by the cells: row i's
// opponents are nbr[start[i]:start[i+1]], ascending, so a sum over them
// runs in the same order as over a dense row and gives the same bits.
type pairs struct {
	start []int32
	nbr   []int32
	// slots[2k] and slots[2k+1] are cell k's slots in rows i and j.
	slots []int32
}

// newPairs lays out the pairs of agents that share a cell of cs.
func newPairs(n int, cs []cell) *pairs {
	opp := make([][]int32, n)
	for _, x := range cs {
		opp[x.i] = append(opp[x.i], x.j)
		opp[x.j] = append(opp[x.j], x.i)
	}
	pr := &pairs{start: make([]int32, n+1)}
	for i, row := range opp {
		slices.Sort(row)
		row = slices.Compact(row)
		pr.nbr = append(pr.nbr, row...)
		pr.start[i+1] = int32(len(pr.nbr))
	}
	pr.slots = make([]int32, 2*len(cs))
	slot := func(i, j int32) int32 {
		row := pr.nbr[pr.start[i]:pr.start[i+1]]
		k, _ := slices.BinarySearch(row, j)
		return pr.start[i] + int32(k)
	}
	for k, x := range cs {
		pr.slots[2*k], pr.slots[2*k+1] = slot(x.i, x.j), slot(x.j, x.i)
	}
	return pr
}

// row returns agent i's opponents and the battles against each.
func (t *tally) row(i int) ([]int32, []float64) {
	a, b := t.pairs.start[i], t.pairs.start[i+1]
	return t.pairs.nbr[a:b], t.games[a:b]
}

func newTally(n int, pr *pairs) *tally {
	return &tally{n: n, pairs: pr, games: make([]float64, len(pr.nbr)), score: make([]float64, n), played: make([]int, n)}
}

// fill rebuilds t from per-cell counts (m[k] battles in cell k of the cells
// its pairs were laid out from).
func (t *tally) fill(cs []cell, m []int32) {
	clear(t.games)
	clear(t.score)
	clear(t.played)
	for k, x := range cs {
		if m[k] == 0 {
			continue
		}
		i, j, g := int(x.i), int(x.j), int(m[k])
		// Counts are integers far below 2^53, so these sums are exact in
		// any order.
		t.games[t.pairs.slots[2*k]] += float64(g)
		t.games[t.pairs.slots[2*k+1]] += float64(g)
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
