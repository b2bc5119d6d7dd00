package ranking

import (
	"cmp"
	"slices"
)

// BTRow is one agent's line on a Bradley–Terry leaderboard.
type BTRow struct {
	Agent   string
	Rating  float64 // maximum-likelihood rating
	Lower   float64 // 95% interval
	Upper   float64
	Rank    int // see IntervalRanks
	Battles int
}

// IntervalRanks ranks agents by their confidence intervals: rank = 1 +
// the number of agents whose lower bound is above this agent's upper
// bound. An agent is only ranked below those that are clearly better, so
// agents whose intervals overlap can share a rank, and a rank can be
// skipped (1, 1, 3) as in sports tables. Strictly above: an agent whose
// lower bound merely touches another's upper bound is not clearly better.
//
// Ranks are not always monotone in the point ratings: a well-measured
// agent can outrank a slightly higher-rated one with a wide interval.
// lower and upper must have the same length.
func IntervalRanks(lower, upper []float64) []int {
	ranks := make([]int, len(upper))
	for i, u := range upper {
		ranks[i] = 1
		for _, l := range lower {
			if l > u {
				ranks[i]++
			}
		}
	}
	return ranks
}

// Leaderboard returns one row per agent, ranked by IntervalRanks and
// ordered by rank, then rating descending, then agent name, so the order
// is total and reproducible.
func (r BootstrapResult) Leaderboard() []BTRow {
	ranks := IntervalRanks(r.Lower, r.Upper)
	rows := make([]BTRow, len(r.Agents))
	for i, name := range r.Agents {
		rows[i] = BTRow{
			Agent:   name,
			Rating:  r.Ratings[i],
			Lower:   r.Lower[i],
			Upper:   r.Upper[i],
			Rank:    ranks[i],
			Battles: r.Battles[i],
		}
	}
	slices.SortFunc(rows, func(a, b BTRow) int {
		if c := cmp.Compare(a.Rank, b.Rank); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Rating, a.Rating); c != 0 {
			return c
		}
		return cmp.Compare(a.Agent, b.Agent)
	})
	return rows
}

// DemoteLast moves the given seats below every other seat, whatever their
// places were (forfeits, entries flagged for addressing the judge), and
// renumbers: a place is the number of seats strictly ahead (0 = first;
// ties share, and the demoted seats all tie with each other: once out,
// how a judge placed them no longer matters). Seats out of range are
// ignored. The state machine settles contests with it, so its result must
// never change for the same input.
func DemoteLast(places, seats []int) []int {
	gone := make(map[int]bool, len(seats))
	for _, s := range seats {
		if s >= 0 && s < len(places) {
			gone[s] = true
		}
	}
	key := func(i int) int {
		if gone[i] {
			return 1 << 30 // after any place a verdict can hold
		}
		return places[i]
	}
	out := make([]int, len(places))
	for i := range places {
		for j := range places {
			if key(j) < key(i) {
				out[i]++
			}
		}
	}
	return out
}
