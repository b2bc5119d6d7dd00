package arena

import "github.com/agentarena/arena/ranking"

// WinRates is an arena's head-to-head table: for each ordered pair of
// agents, the share of their battles the row agent won (ties count half)
// and how many they played.
type WinRates struct {
	// Agents are the agent ids, sorted; rows and columns follow them.
	Agents []string
	// Rates[i][j] is Agents[i]'s score against Agents[j], NaN where the
	// two never met.
	Rates [][]float64
	// Games[i][j] is how many battles they played.
	Games [][]int
}

// WinRates computes an arena's head-to-head table from its battles.
func (n *Node) WinRates(arena string) (WinRates, error) {
	battles, _, err := n.Battles(arena)
	if err != nil {
		return WinRates{}, err
	}
	agents, rates, games := ranking.WinRates(rankingBattles(battles))
	return WinRates{Agents: agents, Rates: rates, Games: games}, nil
}

// rankingBattles converts stored battles to the ranking package's form.
func rankingBattles(battles []Battle) []ranking.Battle {
	out := make([]ranking.Battle, len(battles))
	for i, b := range battles {
		out[i] = ranking.Battle{A: b.A, B: b.B, Winner: b.Winner}
	}
	return out
}
