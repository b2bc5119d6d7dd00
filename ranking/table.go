package ranking

import (
	"cmp"
	"slices"

	"github.com/agentarena/arena/apperr"
)

// Entry is one agent's row in an arena's leaderboard.
type Entry struct {
	AgentID string
	Rating  Rating
	Games   int
	Wins    int
	Draws   int
	Losses  int
	Last    int64 // unix nanoseconds of the last settled contest (leader's clock)
}

// Placement is one contestant's finish in a contest: Rank 0 is best, equal
// ranks are ties (as in EloUpdate).
type Placement struct {
	AgentID string
	Rank    int
}

// Change is one contestant's rating movement, for contest_end frames and
// rating history.
type Change struct {
	AgentID string
	Before  Rating
	After   Rating
}

// Delta is the signed rating change.
func (c Change) Delta() Rating { return c.After - c.Before }

// Outcome counts a placement as a win, draw or loss. One rule serves every
// seat count: finishing alone at the contest's best rank is a win, sharing
// the best rank is a draw, anything else is a loss. For two players that is
// the usual W/D/L; for N players only the outright winner "wins", so
// second place in a 4-player contest is recorded as a loss even though its
// rating may rise (Elo still credits it for the players it beat).
type Outcome int

const (
	Loss Outcome = iota
	Draw
	Win
)

// Outcomes returns the Outcome of each placement, in placement order.
func Outcomes(placements []Placement) []Outcome {
	if len(placements) == 0 {
		return nil
	}
	best, atBest := placements[0].Rank, 0
	for _, p := range placements {
		switch {
		case p.Rank < best:
			best, atBest = p.Rank, 1
		case p.Rank == best:
			atBest++
		}
	}
	out := make([]Outcome, len(placements))
	for i, p := range placements {
		switch {
		case p.Rank != best:
			out[i] = Loss
		case atBest == 1:
			out[i] = Win
		default:
			out[i] = Draw
		}
	}
	return out
}

// ApplyContest applies one settled contest to a leaderboard and returns the
// new leaderboard and each contestant's rating change (in placement order).
//
// entries is the current table (any order, one row per agent); contestants
// without a row start at InitialRating. The result holds every input row,
// in input order with updated values, followed by the new rows in placement
// order; the input slice is not modified. at is the contest's settlement
// time in unix nanoseconds, taken from the replicated command, never from a
// clock. k is the arena's K-factor.
func ApplyContest(entries []Entry, placements []Placement, k float64, at int64) ([]Entry, []Change, error) {
	out := slices.Clone(entries)
	row := make(map[string]int, len(out)) // agent id → index in out
	for i, e := range out {
		if _, dup := row[e.AgentID]; dup {
			return nil, nil, apperr.New(apperr.Invalid, "leaderboard: agent %q has two rows", e.AgentID)
		}
		row[e.AgentID] = i
	}

	ratings := make([]Rating, len(placements))
	ranks := make([]int, len(placements))
	seen := make(map[string]bool, len(placements))
	for i, p := range placements {
		switch {
		case p.AgentID == "":
			return nil, nil, apperr.New(apperr.Invalid, "contest: placement %d has no agent id", i)
		case seen[p.AgentID]:
			return nil, nil, apperr.New(apperr.Invalid, "contest: agent %q placed twice", p.AgentID)
		}
		seen[p.AgentID] = true
		ranks[i] = p.Rank
		if j, ok := row[p.AgentID]; ok {
			ratings[i] = out[j].Rating
		} else {
			ratings[i] = InitialRating
		}
	}
	deltas, err := EloUpdate(ratings, ranks, k)
	if err != nil {
		return nil, nil, err
	}

	// Only now, with the contest known valid, append new rows: placement
	// order is deterministic, unlike iterating the seen map.
	outcomes := Outcomes(placements)
	changes := make([]Change, len(placements))
	for i, p := range placements {
		j, ok := row[p.AgentID]
		if !ok {
			j = len(out)
			row[p.AgentID] = j
			out = append(out, Entry{AgentID: p.AgentID, Rating: InitialRating})
		}
		e := &out[j]
		changes[i] = Change{AgentID: p.AgentID, Before: e.Rating, After: e.Rating + deltas[i]}
		e.Rating += deltas[i]
		e.Games++
		switch outcomes[i] {
		case Win:
			e.Wins++
		case Draw:
			e.Draws++
		default:
			e.Losses++
		}
		e.Last = at
	}
	return out, changes, nil
}

// Sorted returns a copy of entries in leaderboard order: rating descending,
// then agent id ascending so equal ratings have a stable, total order.
func Sorted(entries []Entry) []Entry {
	out := slices.Clone(entries)
	slices.SortFunc(out, func(a, b Entry) int {
		if c := cmp.Compare(b.Rating, a.Rating); c != 0 {
			return c
		}
		return cmp.Compare(a.AgentID, b.AgentID)
	})
	return out
}
