package runner

import (
	"encoding/json"
	"time"

	"github.com/agentarena/arena/agents/protocol"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/games"
)

// The frames the runner sends agents are built from the replicated
// contest, so every leader sends the same ones.

func seatInfos(c *arena.Contest) []protocol.SeatInfo {
	out := make([]protocol.SeatInfo, len(c.Seats))
	for i, s := range c.Seats {
		out[i] = protocol.SeatInfo{Seat: i, AgentID: s.AgentID, Name: s.Name}
	}
	return out
}

func startFrame(c *arena.Contest, seat int) protocol.ContestStart {
	return protocol.ContestStart{Type: protocol.TypeContestStart, Contest: c.ID, Arena: c.Arena, Game: c.Game,
		Seat: seat, Seats: seatInfos(c)}
}

// startFrames builds a contest's contest_start for every seat, with what
// an agent plans by and would otherwise have to ask the API for: each
// seat's rating, the arena's clock and forfeit rule, and its own stake.
func (r *Runner) startFrames(c *arena.Contest) []protocol.ContestStart {
	seats := seatInfos(c)
	for i, s := range c.Seats {
		if e, ok, err := r.node.RatingOf(c.Arena, s.AgentID); err == nil && ok {
			seats[i].Rating = new(e.Rating.Float())
		}
	}
	ar, arErr := r.node.Arena(c.Arena)
	stakes, _ := r.node.Stakes([]arena.Contest{*c})
	out := make([]protocol.ContestStart, len(c.Seats))
	for i := range out {
		f := startFrame(c, i)
		f.Seats = seats
		if arErr == nil {
			f.MoveDeadlineMS, f.GraceMS, f.Forfeit = ar.MoveDeadlineMS, ar.GraceMS, ar.Forfeit
		}
		if len(stakes) == 1 && i < len(stakes[0]) {
			f.Stake = stakes[0][i]
		}
		out[i] = f
	}
	return out
}

func turnFrame(c *arena.Contest, st games.State, seat int, now time.Time) protocol.Turn {
	view, _ := json.Marshal(st.View(seat))
	due := time.Unix(0, c.Deadlines[seat]).UTC()
	f := protocol.Turn{Type: protocol.TypeTurn, Contest: c.ID, Seq: c.Turn, Seat: seat, Deadline: due,
		DeadlineMS: max(due.Sub(now).Milliseconds(), 0), View: view}
	if seat < len(c.Strikes) {
		f.Strikes = c.Strikes[seat]
	}
	return f
}

func endFrame(c *arena.Contest, seat int) protocol.ContestEnd {
	f := protocol.ContestEnd{Type: protocol.TypeContestEnd, Contest: c.ID, Status: c.Status, Reason: c.Reason, Ranks: c.Ranks, Rank: -1}
	if seat >= 0 && seat < len(c.Ranks) {
		f.Rank = c.Ranks[seat]
	}
	if seat >= 0 && seat < len(c.RatingDeltas) {
		f.RatingDelta = c.RatingDeltas[seat]
	}
	if seat >= 0 && seat < len(c.Payouts) {
		f.Payout = c.Payouts[seat]
	}
	return f
}

// endFrames builds a finished contest's contest_end for every seat, with
// what the result alone leaves an agent to look up: the final position,
// who forfeited and why, and its rating after. All of it is read from the
// replicated state, so every leader builds the same frames.
func (r *Runner) endFrames(c *arena.Contest) []protocol.ContestEnd {
	var view json.RawMessage
	if v, err := r.node.PublicView(c); err == nil {
		view, _ = json.Marshal(v)
	}
	forfeits := r.forfeits(c)
	out := make([]protocol.ContestEnd, len(c.Seats))
	for i, s := range c.Seats {
		f := endFrame(c, i)
		f.View, f.Forfeits = view, forfeits
		if c.Status == arena.StatusSettled {
			if after, ok, err := r.node.RatingAfter(s.AgentID, c.Arena, c.ID); err == nil && ok {
				f.Rating = new(after.Float())
			}
		}
		out[i] = f
	}
	return out
}

// forfeits lists a contest's forfeits from its events. The events are read
// only when the game says a seat forfeited, not for every game played out.
func (r *Runner) forfeits(c *arena.Contest) []protocol.Forfeit {
	st, err := r.node.GameState(c)
	if err != nil || len(st.Outcome().Forfeited) == 0 {
		return nil
	}
	evs, err := r.node.ContestEvents(c.ID, 0, 0)
	if err != nil {
		return nil
	}
	var out []protocol.Forfeit
	for _, ev := range evs {
		if ev.Type == arena.EvForfeit && ev.Seat != nil {
			out = append(out, protocol.Forfeit{Seat: *ev.Seat, Reason: ev.Reason})
		}
	}
	return out
}
