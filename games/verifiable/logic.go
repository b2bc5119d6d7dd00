package verifiable

import (
	"sort"
	"strings"
)

// logicInput is a line-up puzzle: people in a row and clues that admit
// exactly one order.
type logicInput struct {
	People []string `json:"people"` // alphabetical, not the answer's order
	Clues  []Clue   `json:"clues"`
}

// maxClues bounds a puzzle's length; generation adds clues until only one
// order fits, which takes far fewer for five people.
const maxClues = 40

// maxLogicDraws bounds the clues drawn for one puzzle from revision 1 on,
// so that generation inside the state machine's apply always ends; a
// five-person puzzle needs a few dozen draws.
const maxLogicDraws = 10000

// genLogic draws clues that hold of a random order until one order is
// left. Revision 0 kept every true clue drawn, so a puzzle could state
// one clue up to four times, and the checker, which scores an answer
// clue by clue, weighed such a clue four times over. From revision 1 a
// clue is kept only if it rules out an order the clues so far allowed:
// no repeats, in either order of the two names, and no clue the earlier
// ones already imply.
func genLogic(r *rng, level, rev int) instance {
	names := sample(r, people, level+2)
	order := append([]string{}, names...)
	sort.Strings(names)
	var clues []Clue
	left := factorial(len(names))
	for draws := 0; len(clues) < maxClues && left != 1 && (rev == 0 || draws < maxLogicDraws); draws++ {
		c := randomClue(r, order)
		if !clueHolds(c, order) {
			continue
		}
		if rev >= 1 {
			n := len(solutions(names, append(clues, c), left))
			if n == left {
				continue
			}
			left = n
		} else {
			left = len(solutions(names, append(clues, c), 2))
		}
		clues = append(clues, c)
	}
	return logicInput{People: names, Clues: clues}
}

func factorial(n int) int {
	f := 1
	for i := 2; i <= n; i++ {
		f *= i
	}
	return f
}

// randomClue draws a clue over the true order; the caller keeps it only
// if it holds. Position clues are rarer, so puzzles need reasoning.
func randomClue(r *rng, order []string) Clue {
	ab := sample(r, order, 2)
	switch r.intn(6) {
	case 0, 1:
		return Clue{Kind: ClueBefore, A: ab[0], B: ab[1]}
	case 2:
		return Clue{Kind: ClueAdjacent, A: ab[0], B: ab[1]}
	case 3:
		return Clue{Kind: ClueNotAdjacent, A: ab[0], B: ab[1]}
	case 4:
		return Clue{Kind: ClueNotPosition, A: ab[0], Pos: r.between(1, len(order))}
	}
	return Clue{Kind: CluePosition, A: ab[0], Pos: r.between(1, len(order))}
}

func clueHolds(c Clue, order []string) bool {
	at := map[string]int{}
	for i, n := range order {
		at[n] = i
	}
	return c.holds(at)
}

// solutions lists up to limit orders of names satisfying every clue, in
// lexicographic order of permutation.
func solutions(names []string, clues []Clue, limit int) [][]string {
	var out [][]string
	perm := make([]string, 0, len(names))
	used := make([]bool, len(names))
	var walk func()
	walk = func() {
		if len(out) >= limit {
			return
		}
		if len(perm) == len(names) {
			at := map[string]int{}
			for i, n := range perm {
				at[n] = i
			}
			for _, c := range clues {
				if !c.holds(at) {
					return
				}
			}
			out = append(out, append([]string{}, perm...))
			return
		}
		for i, n := range names {
			if !used[i] {
				used[i] = true
				perm = append(perm, n)
				walk()
				perm = perm[:len(perm)-1]
				used[i] = false
			}
		}
	}
	walk()
	return out
}

func (in logicInput) prompt() string {
	var b strings.Builder
	b.WriteString(itoa(len(in.People)) + " people stand in a row, numbered from position 1 on the left: " +
		strings.Join(in.People, ", ") + ". Exactly one order fits all of these clues:\n")
	for _, c := range in.Clues {
		b.WriteString("- " + c.String() + "\n")
	}
	b.WriteString("In which order do they stand, from left to right?")
	return b.String()
}

// want solves the puzzle from its clues (the only order that fits).
func (in logicInput) want() Want {
	sols := solutions(in.People, in.Clues, 1)
	names := append([]string{}, in.People...)
	if len(sols) == 1 {
		names = sols[0]
	}
	return Want{Kind: KindOrder, Names: names, Clues: append([]Clue{}, in.Clues...)}
}
