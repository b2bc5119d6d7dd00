package arena

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/games/prompt"
	"github.com/agentarena/arena/ranking"
)

// promptState is what settlement needs from the prompt game's state to
// record preference pairs.
type promptState interface {
	Prompt() prompt.Prompt
	Answers() []string
}

var (
	bucketRatings = []byte("ratings") // arena "\x00" agent -> RatingEntry
	bucketRecent  = []byte("recent")  // agent -> []agent (last contest's opponents)
	// bucketHistory: agent "\x00" arena "\x00" index(8) -> RatingPoint
	bucketHistory = []byte("rating_history")
	// bucketBattles: arena "\x00" index(8) "\x00" pair(2) -> Battle; the
	// pairwise outcomes Bradley–Terry ratings are fitted on.
	bucketBattles = []byte("battles")
)

// RatingPoint is one step of an agent's rating history.
type RatingPoint struct {
	Arena   string         `json:"arena"`
	Contest string         `json:"contest"`
	At      time.Time      `json:"at"`
	Before  ranking.Rating `json:"before"`
	After   ranking.Rating `json:"after"`
	Rank    int            `json:"rank"`
	Seats   int            `json:"seats"`
}

// Battle is one pairwise outcome of a settled contest: every pair of seats
// counts, as in the Elo update.
type Battle struct {
	Contest string `json:"contest"`
	A       string `json:"a"`
	B       string `json:"b"`
	// Winner is 0 when A ranked better, 1 when B did, 2 for a tie.
	Winner int `json:"winner"`
}

// RatingEntry is one agent's row of an arena's leaderboard.
type RatingEntry struct {
	Arena   string         `json:"arena"`
	AgentID string         `json:"agent_id"`
	Name    string         `json:"name"`
	OwnerID string         `json:"owner_id"`
	Rating  ranking.Rating `json:"rating"` // fixed point, see ranking.Rating
	Games   int            `json:"games"`
	Wins    int            `json:"wins"`
	Draws   int            `json:"draws"`
	Losses  int            `json:"losses"`
	LastAt  time.Time      `json:"last_at"`
}

// LeaderboardChange is published when a settlement moves ratings.
type LeaderboardChange struct {
	Arena   string        `json:"arena"`
	Contest string        `json:"contest"`
	Entries []RatingEntry `json:"entries"`
}

func ratingKey(arena, agent string) []byte { return []byte(arena + "\x00" + agent) }

// settle ends a contest with final ranks: the arena's Elo table moves in
// the same transaction, so the result and the ratings never disagree.
func (f *FSM) settle(ac *applyCtx, c *Contest, ar *Arena, ranks []int, reason string, verdict json.RawMessage) error {
	rb := ac.tx.Bucket(bucketRatings)
	entries := make([]RatingEntry, len(c.Seats))
	ratings := make([]ranking.Rating, len(c.Seats))
	for i, s := range c.Seats {
		e := RatingEntry{Arena: ar.Name, AgentID: s.AgentID, Rating: ranking.InitialRating}
		if _, err := getJSON(rb, ratingKey(ar.Name, s.AgentID), &e); err != nil {
			return err
		}
		e.Name, e.OwnerID = s.Name, s.OwnerID
		entries[i], ratings[i] = e, e.Rating
	}
	deltas, err := ranking.EloUpdate(ratings, ranks, ar.EloK)
	if err != nil {
		return fmt.Errorf("elo update for %s: %w", c.ID, err)
	}
	c.RatingDeltas = make([]float64, len(deltas))
	for i := range entries {
		e := &entries[i]
		e.Rating += deltas[i]
		e.Games++
		e.LastAt = ac.now
		switch outcomeFor(ranks, i) {
		case "win":
			e.Wins++
		case "draw":
			e.Draws++
		default:
			e.Losses++
		}
		c.RatingDeltas[i] = deltas[i].Float()
		if err := putJSON(rb, ratingKey(ar.Name, e.AgentID), e); err != nil {
			return err
		}
		hk := binary.BigEndian.AppendUint64([]byte(e.AgentID+"\x00"+ar.Name+"\x00"), ac.index)
		pt := RatingPoint{Arena: ar.Name, Contest: c.ID, At: ac.now, Before: ratings[i], After: e.Rating, Rank: ranks[i], Seats: len(ranks)}
		if err := putJSON(ac.tx.Bucket(bucketHistory), hk, pt); err != nil {
			return err
		}
	}
	bb := ac.tx.Bucket(bucketBattles)
	for i := range c.Seats {
		for j := i + 1; j < len(c.Seats); j++ {
			w := 2
			switch {
			case ranks[i] < ranks[j]:
				w = 0
			case ranks[j] < ranks[i]:
				w = 1
			}
			k := binary.BigEndian.AppendUint64([]byte(ar.Name+"\x00"), ac.index)
			k = append(k, 0, byte(i), byte(j))
			if err := putJSON(bb, k, Battle{Contest: c.ID, A: c.Seats[i].AgentID, B: c.Seats[j].AgentID, Winner: w}); err != nil {
				return err
			}
		}
	}
	recent := ac.tx.Bucket(bucketRecent)
	for i, s := range c.Seats {
		var opp []string
		for j, o := range c.Seats {
			if j != i {
				opp = append(opp, o.AgentID)
			}
		}
		if err := putJSON(recent, []byte(s.AgentID), opp); err != nil {
			return err
		}
	}
	if err := payContest(ac, c, ar, ranks); err != nil {
		return err
	}
	if c.Game == "prompt" {
		st, err := f.games[c.Game].Load(c.State)
		if err != nil {
			return fmt.Errorf("load state of %s: %w", c.ID, err)
		}
		if ps, ok := st.(promptState); ok {
			if err := recordPreferences(ac, c, ranks, verdict, ps); err != nil {
				return err
			}
		}
	}
	c.Status, c.Ranks, c.Reason, c.EndedAt, c.Verdict = StatusSettled, ranks, reason, ac.now, verdict
	for i := range c.Deadlines {
		c.Deadlines[i] = 0
	}
	if err := record(ac, c, ContestEvent{Type: EvSettled, Reason: reason, Data: contestSummary(c)}); err != nil {
		return err
	}
	ac.emit(EventLeaderboard, LeaderboardChange{Arena: ar.Name, Contest: c.ID, Entries: entries})
	return putContest(ac.tx, c)
}

// outcomeFor classifies a seat's result for W/D/L columns: a win is first
// place alone, a draw is a shared first place, anything else a loss.
func outcomeFor(ranks []int, seat int) string {
	if ranks[seat] != 0 {
		return "loss"
	}
	for j, r := range ranks {
		if j != seat && r == 0 {
			return "draw"
		}
	}
	return "win"
}

// leaderboard lists an arena's entries, best first.
func leaderboard(tx *bolt.Tx, arena string) ([]RatingEntry, error) {
	out := []RatingEntry{}
	prefix := []byte(arena + "\x00")
	c := tx.Bucket(bucketRatings).Cursor()
	for k, v := c.Seek(prefix); k != nil && len(k) > len(prefix) && string(k[:len(prefix)]) == string(prefix); k, v = c.Next() {
		var e RatingEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, fmt.Errorf("decode rating %s: %w", k, err)
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Rating != out[j].Rating {
			return out[i].Rating > out[j].Rating
		}
		return out[i].AgentID < out[j].AgentID
	})
	return out, nil
}

func recentOpponents(tx *bolt.Tx) (map[string][]string, error) {
	out := map[string][]string{}
	err := tx.Bucket(bucketRecent).ForEach(func(k, v []byte) error {
		var opp []string
		if err := json.Unmarshal(v, &opp); err != nil {
			return fmt.Errorf("decode recent %s: %w", k, err)
		}
		out[string(k)] = opp
		return nil
	})
	return out, err
}
