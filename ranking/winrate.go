package ranking

import "math"

// WinRates returns the observed score of every agent against every other:
// rates[i][j] is (wins of i over j + ties/2) / games[i][j], so
// rates[i][j] + rates[j][i] = 1 for every pair that played. Agents are in
// ascending name order, as in Aggregate.
//
// A pair that never played (and the diagonal) has games 0 and rate NaN:
// no rate was observed, and 0 would read as "always lost". Callers that
// serialise to JSON must map NaN (e.g. to null) themselves.
//
// The matrix is a display aid, so it is forgiving: battles that Aggregate
// would reject (an empty name, an agent against itself, an unknown Winner)
// are skipped rather than failing the whole table.
func WinRates(battles []Battle) (agents []string, rates [][]float64, games [][]int) {
	valid := make([]Battle, 0, len(battles))
	for _, b := range battles {
		if b.A != "" && b.B != "" && b.A != b.B && (b.Winner == WinnerA || b.Winner == WinnerB || b.Winner == Tie) {
			valid = append(valid, b)
		}
	}
	c, _ := Aggregate(valid) // cannot fail: every invalid battle is gone
	n := len(c.Agents)
	rates = make([][]float64, n)
	games = make([][]int, n)
	for i := range n {
		rates[i] = make([]float64, n)
		games[i] = make([]int, n)
		for j := range n {
			g := c.Wins[i][j] + c.Wins[j][i] + c.Ties[i][j]
			games[i][j] = g
			if g == 0 {
				rates[i][j] = math.NaN()
				continue
			}
			rates[i][j] = (float64(c.Wins[i][j]) + float64(c.Ties[i][j])/2) / float64(g)
		}
	}
	return c.Agents, rates, games
}
