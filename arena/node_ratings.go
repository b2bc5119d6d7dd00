package arena

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sort"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/ranking"
)

// Rating reads: leaderboards, rating histories, the pairwise battles and
// the Bradley–Terry fit over them, win rates.

// Leaderboard reads an arena's ratings, best first.
func (n *Node) Leaderboard(arenaName string) (list []RatingEntry, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		if _, err := getArena(tx, arenaName); err != nil {
			return err
		}
		list, err = leaderboard(tx, arenaName)
		return err
	})
	return list, err
}

// RatingOf reads one agent's leaderboard row in an arena.
func (n *Node) RatingOf(arenaName, agentID string) (e RatingEntry, ok bool, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		ok, err = getJSON(tx.Bucket(bucketRatings), ratingKey(arenaName, agentID), &e)
		return err
	})
	return e, ok, err
}

// RatingHistory lists an agent's rating points: per arena (in name order)
// oldest first; ?arena narrows it to one.
func (n *Node) RatingHistory(agentID, arenaName string) (list []RatingPoint, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		list = []RatingPoint{}
		prefix := []byte(agentID + "\x00")
		if arenaName != "" {
			prefix = append(prefix, arenaName+"\x00"...)
		}
		c := tx.Bucket(bucketHistory).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var p RatingPoint
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("decode rating point: %w", err)
			}
			list = append(list, p)
		}
		return nil
	})
	return list, err
}

// RatingHistoryTail is RatingHistory keeping each arena's latest limit
// points (0: all), oldest first within each, with every arena's count of
// points. A bot's history grows by a point a contest for good, and a page
// showing its current rating needs one: the points left out are counted
// by their keys, never decoded.
func (n *Node) RatingHistoryTail(agentID, arenaName string, limit int) (list []RatingPoint, counts map[string]int, err error) {
	if limit <= 0 {
		list, err = n.RatingHistory(agentID, arenaName)
		counts = map[string]int{}
		for _, p := range list {
			counts[p.Arena]++
		}
		return list, counts, err
	}
	err = n.fsm.View(func(tx *bolt.Tx) error {
		list, counts = []RatingPoint{}, map[string]int{}
		agent := []byte(agentID + "\x00")
		prefix := agent
		if arenaName != "" {
			prefix = append(append([]byte(nil), agent...), arenaName+"\x00"...)
		}
		// A key is agent NUL arena NUL index(8).
		arenaOf := func(k []byte) string { return string(k[len(agent) : len(k)-9]) }
		c := tx.Bucket(bucketHistory).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if len(k) >= len(agent)+9 {
				counts[arenaOf(k)]++
			}
		}
		seen := map[string]int{}
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if len(k) < len(agent)+9 {
				continue
			}
			name := arenaOf(k)
			if seen[name]++; counts[name]-seen[name] >= limit {
				continue
			}
			var p RatingPoint
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("decode rating point: %w", err)
			}
			list = append(list, p)
		}
		return nil
	})
	return list, counts, err
}

// RatingAfter is an agent's rating right after a contest it played in an
// arena: the rating point the contest's settlement wrote (ok false: no
// point for it, as for an aborted contest).
func (n *Node) RatingAfter(agentID, arenaName, contestID string) (r ranking.Rating, ok bool, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		r, ok, err = ratingAfter(tx, agentID, arenaName, contestID)
		return err
	})
	return r, ok, err
}

// ratingLook bounds how many of an agent's newest points in an arena
// ratingAfter reads. The contest asked about has usually just settled, so
// its point is the newest; a runner far behind its events (a burst, a
// slow sweep) asks about older ones, and 16 left a seat's contest_end
// without its rating after an agent's sixteenth contest since.
const ratingLook = 1024

// ratingAfter walks the agent's points in the arena from the newest. A
// point that does not name the contest is skipped without decoding it.
func ratingAfter(tx *bolt.Tx, agentID, arenaName, contestID string) (r ranking.Rating, ok bool, err error) {
	prefix := []byte(agentID + "\x00" + arenaName + "\x00")
	quoted, err := json.Marshal(contestID)
	if err != nil {
		return r, false, err
	}
	c := tx.Bucket(bucketHistory).Cursor()
	end := append(bytes.Clone(prefix), bytes.Repeat([]byte{0xff}, 9)...) // past any index(8)
	k, v := c.Seek(end)
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	for i := 0; i < ratingLook && k != nil && bytes.HasPrefix(k, prefix); i++ {
		if bytes.Contains(v, quoted) {
			var p RatingPoint
			if err := json.Unmarshal(v, &p); err != nil {
				return r, false, fmt.Errorf("decode rating point: %w", err)
			}
			if p.Contest == contestID {
				return p.After, true, nil
			}
		}
		k, v = c.Prev()
	}
	return r, false, nil
}

// Battles lists an arena's pairwise outcomes in log order, and the log
// index of the newest one (a cache key for fitted ratings).
func (n *Node) Battles(arenaName string) (list []Battle, last uint64, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		prefix := []byte(arenaName + "\x00")
		c := tx.Bucket(bucketBattles).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var b Battle
			if err := json.Unmarshal(v, &b); err != nil {
				return fmt.Errorf("decode battle: %w", err)
			}
			list = append(list, b)
			if len(k) >= len(prefix)+8 {
				last = binary.BigEndian.Uint64(k[len(prefix):])
			}
		}
		return nil
	})
	return list, last, err
}

// RecentOpponents maps each agent to the opponents of its last contest.
func (n *Node) RecentOpponents() (m map[string][]string, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		m, err = recentOpponents(tx)
		return err
	})
	return m, err
}

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
// same board from the same state. A done ctx stops the fit (seconds for a
// thousand agents) with its error.
func (n *Node) BradleyTerry(ctx context.Context, arenaName string) (map[string]ranking.BTRow, error) {
	battles, last, err := n.Battles(arenaName)
	if err != nil {
		return nil, err
	}
	n.bt.mu.Lock()
	if b, ok := n.bt.boards[arenaName]; ok && b.last == last {
		n.bt.mu.Unlock()
		return b.rows, nil
	}
	n.bt.mu.Unlock()
	rows := map[string]ranking.BTRow{}
	if len(battles) > 0 {
		h := fnv.New64a()
		h.Write([]byte(arenaName))
		res, err := ranking.Bootstrap(rankingBattles(battles), ranking.BootstrapOptions{Rounds: BTRounds, Seed: h.Sum64() ^ last, Context: ctx})
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
	n.bt.boards[arenaName] = btBoard{last: last, rows: rows}
	n.bt.mu.Unlock()
	return rows, nil
}

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
func (n *Node) WinRates(arenaName string) (WinRates, error) {
	battles, _, err := n.Battles(arenaName)
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

// RecentlySettled returns the limit contests that settled last, across
// every arena, latest first. Contests are keyed by when they started, so
// a long contest that just ended sits behind every shorter one started
// after it; the battles are keyed by the log index of the settlement that
// made them, so each arena's latest settlements are at the end of its
// battles.
func (n *Node) RecentlySettled(limit int) (list []Contest, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		var ids []string
		seen := map[string]bool{}
		err := tx.Bucket(bucketArenas).ForEach(func(name, _ []byte) error {
			prefix := append(append([]byte{}, name...), 0)
			c := tx.Bucket(bucketBattles).Cursor()
			k, v := c.Seek(append(append([]byte{}, prefix...), bytes.Repeat([]byte{0xff}, 12)...))
			if k == nil {
				k, v = c.Last()
			} else {
				k, v = c.Prev()
			}
			for found := 0; k != nil && bytes.HasPrefix(k, prefix) && found < limit; k, v = c.Prev() {
				var b Battle
				if err := json.Unmarshal(v, &b); err != nil {
					return fmt.Errorf("decode battle: %w", err)
				}
				if !seen[b.Contest] {
					seen[b.Contest] = true
					ids = append(ids, b.Contest)
					found++
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, id := range ids {
			c, err := n.fsm.contests.get(tx, id)
			if err != nil {
				return err
			}
			if c.Status == StatusSettled {
				list = append(list, *c)
			}
		}
		return nil
	})
	sort.SliceStable(list, func(i, j int) bool {
		if !list[i].EndedAt.Equal(list[j].EndedAt) {
			return list[i].EndedAt.After(list[j].EndedAt)
		}
		return list[i].ID > list[j].ID
	})
	return list[:min(len(list), limit)], err
}
