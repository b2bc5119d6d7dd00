package arena

import (
	"hash/fnv"
	"sync"

	"github.com/agentarena/arena/ranking"
)

// BTRounds is how many bootstrap rounds leaderboard intervals use.
const BTRounds = 200

// btCache keeps each arena's fitted Bradley–Terry board until a new battle
// arrives: fitting with a bootstrap costs milliseconds to seconds, reads
// are frequent.
type btCache struct {
	mu     sync.Mutex
	boards map[string]btBoard
}

type btBoard struct {
	last uint64
	rows map[string]ranking.BTRow
}

// BradleyTerry fits (or returns the cached fit of) an arena's battles:
// rating, 95% interval (bootstrap widened by the likelihood interval; see
// ranking.BootstrapResult) and interval rank per agent id. The seed
// derives from the arena and its newest battle, so every node computes the
// same board from the same state.
func (n *Node) BradleyTerry(arena string) (map[string]ranking.BTRow, error) {
	battles, last, err := n.Battles(arena)
	if err != nil {
		return nil, err
	}
	n.bt.mu.Lock()
	if b, ok := n.bt.boards[arena]; ok && b.last == last {
		n.bt.mu.Unlock()
		return b.rows, nil
	}
	n.bt.mu.Unlock()
	rows := map[string]ranking.BTRow{}
	if len(battles) > 0 {
		h := fnv.New64a()
		h.Write([]byte(arena))
		res, err := ranking.Bootstrap(rankingBattles(battles), ranking.BootstrapOptions{Rounds: BTRounds, Seed: h.Sum64() ^ last})
		if err != nil {
			return nil, err
		}
		for _, r := range res.Leaderboard() {
			rows[r.Agent] = r
		}
	}
	n.bt.mu.Lock()
	if n.bt.boards == nil {
		n.bt.boards = map[string]btBoard{}
	}
	n.bt.boards[arena] = btBoard{last: last, rows: rows}
	n.bt.mu.Unlock()
	return rows, nil
}
