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

func turnFrame(c *arena.Contest, st games.State, seat int, now time.Time) protocol.Turn {
	view, _ := json.Marshal(st.View(seat))
	due := time.Unix(0, c.Deadlines[seat]).UTC()
	return protocol.Turn{Type: protocol.TypeTurn, Contest: c.ID, Seq: c.Turn, Seat: seat, Deadline: due,
		DeadlineMS: max(due.Sub(now).Milliseconds(), 0), View: view}
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
