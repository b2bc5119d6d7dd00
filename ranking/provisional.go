package ranking

// Provisional agents. An agent that has played only a few contests has a
// rating that says little: one lucky game against a weak field gives a
// high point rating, and its wide Bradley–Terry interval overlaps
// everybody's, so by IntervalRanks alone it would share rank 1 with agents
// measured over hundreds of battles. A leaderboard that filler can climb
// in one game means nothing, so agents with fewer than an arena's
// provisional threshold of games are listed as provisional and ranked
// after every established agent:
//
//   - an established agent's rank counts only established agents clearly
//     better than it (IntervalRanks among the established);
//   - a provisional agent's rank is E + 1 + the number of provisional
//     agents clearly better than it, where E is the number of established
//     agents.
//
// So a provisional agent never ranks above an established one, and holds
// rank 1 only in an arena where nobody is established yet, flagged
// provisional, as Chatbot Arena lists its "preliminary" models. The table
// starts at 1 either way: it used to start at 2 in a fresh arena (rank 1
// kept vacant for an established agent), which read as a row missing.
// Provisional agents rank among themselves, so an owner can see how a new
// agent is doing.

// DefaultProvisionalGames is the threshold when an arena sets none: below
// ten games a 2-seat agent's Bradley–Terry interval is typically several
// hundred points wide.
const DefaultProvisionalGames = 10

// IsProvisional reports whether an agent with games settled contests is
// provisional under threshold (0 or less: DefaultProvisionalGames).
func IsProvisional(games, threshold int) bool {
	if threshold <= 0 {
		threshold = DefaultProvisionalGames
	}
	return games < threshold
}

// ProvisionalIntervalRanks is IntervalRanks with provisional agents ranked
// after every established agent (see above). lower, upper and provisional
// must have the same length.
func ProvisionalIntervalRanks(lower, upper []float64, provisional []bool) []int {
	ranks := make([]int, len(upper))
	established := 0
	for _, p := range provisional {
		if !p {
			established++
		}
	}
	for i, u := range upper {
		ranks[i] = 1
		if provisional[i] {
			ranks[i] = established + 1
		}
		for j, l := range lower {
			if provisional[j] == provisional[i] && l > u {
				ranks[i]++
			}
		}
	}
	return ranks
}

// ProvisionalPositions ranks agents already sorted best first (an Elo
// table) by position, established agents first in their given order, then
// provisional ones: 1, 2, 3… down the table. It returns the new order
// (indexes into the input) and each of those rows' rank.
func ProvisionalPositions(provisional []bool) (order, ranks []int) {
	for i, p := range provisional {
		if !p {
			order = append(order, i)
		}
	}
	for i, p := range provisional {
		if p {
			order = append(order, i)
		}
	}
	ranks = make([]int, len(order))
	for k := range order {
		ranks[k] = k + 1
	}
	return order, ranks
}
