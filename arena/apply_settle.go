package arena

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/agentarena/arena/games/prompt"
	"github.com/agentarena/arena/games/verifiable"
	"github.com/agentarena/arena/ranking"
)

// promptState is what settlement needs from the prompt game's state to
// record preference pairs.
type promptState interface {
	Prompt() prompt.Prompt
	Answers() []string
}

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
	if c.Game == verifiable.Name {
		st, err := f.games[c.Game].Load(c.State)
		if err != nil {
			return fmt.Errorf("load state of %s: %w", c.ID, err)
		}
		if cs, ok := st.(checkedState); ok {
			if err := recordCheckedPreferences(ac, c, ranks, cs); err != nil {
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
	if err := putContest(ac.tx, ac.contests, c); err != nil {
		return err
	}
	return requeueKept(ac, c)
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
