package judges

import "fmt"

// RefereeName identifies verdicts that come from a game's own rules.
const RefereeName = "referee"

// RefereeVerdict states a rule-judged game's result in the same shape as a
// judge's verdict, so every settled contest has one: the rules ranked the
// seats, scores fall linearly with the rank, and the rationale is the
// game's reason ("four in a row", "draw", "forfeit").
func RefereeVerdict(ranks []int, reason string) Verdict {
	v := Verdict{Judge: RefereeName, Ranks: append([]int(nil), ranks...), Scores: make([]float64, len(ranks))}
	worst := 0
	for _, r := range ranks {
		worst = max(worst, r)
	}
	for i, r := range ranks {
		v.Scores[i] = 1
		if worst > 0 {
			v.Scores[i] = RoundScore(1 - float64(r)/float64(worst))
		}
	}
	v.Rationale = fmt.Sprintf("decided by the rules: %s", reason)
	return v
}
