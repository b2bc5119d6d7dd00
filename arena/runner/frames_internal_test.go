package runner

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentarena/arena/agents/protocol"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/games"
	"github.com/agentarena/arena/games/connect4"
)

// rawConn keeps the frames a session was sent, as JSON.
type rawConn struct {
	mu     sync.Mutex
	frames []json.RawMessage
}

func (c *rawConn) Send(frame any) bool {
	b, _ := json.Marshal(frame)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.frames = append(c.frames, b)
	return true
}

func (c *rawConn) Close(string) {}

// last decodes the newest frame of a type into v.
func (c *rawConn) last(t *testing.T, typ string, v any) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.frames) - 1; i >= 0; i-- {
		var head struct{ Type string }
		_ = json.Unmarshal(c.frames[i], &head)
		if head.Type == typ {
			if err := json.Unmarshal(c.frames[i], v); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no %s frame among %d", typ, len(c.frames))
}

// contest_start carries what an agent plans by (the arena's clock and
// forfeit rule, its stake, the seats' ratings) and contest_end what the
// result alone left it to look up (the final position, who forfeited and
// why, its rating after), both read from the replicated state.
func TestContestFramesCarryTheClockTheRatingsAndTheFinalPosition(t *testing.T) {
	n := soloLeader(t)
	ctx := context.Background()
	ok := mustOK(t)
	wsAgents(t, n, "ag_a", "ag_b")
	r := New(Config{Node: n})
	r.leading, r.dispatched = true, map[string]map[turnID]bool{}
	conns := map[string]*rawConn{"ag_a": {}, "ag_b": {}}
	for id, conn := range conns {
		r.conns[id] = conn
	}
	event := func(c *arena.Contest, typ string) {
		r.onEvent(arena.Event{Type: arena.EventContest, Data: arena.ContestEvent{Contest: c.ID, Type: typ}})
	}
	play := func(id string, moves func(c *arena.Contest)) *arena.Contest {
		c, err := n.CreateContest(ctx, id, "connect4", []string{"ag_a", "ag_b"}, 7)
		ok(err)
		event(c, arena.EvCreated)
		moves(c)
		c, err = n.Contest(c.ID)
		ok(err)
		event(c, arena.EvSettled)
		return c
	}

	// The first game: ag_a plays one move, then resigns.
	play("c_1", func(c *arena.Contest) {
		turn := c.Turn
		ok(n.Move(ctx, c.ID, "ag_a", &turn, json.RawMessage("3")))
		ok(n.Resign(ctx, c.ID, "ag_a", "resigned"))
	})
	var start protocol.ContestStart
	conns["ag_a"].last(t, protocol.TypeContestStart, &start)
	ar, err := n.Arena("connect4")
	ok(err)
	if start.MoveDeadlineMS != ar.MoveDeadlineMS || start.GraceMS != ar.GraceMS || start.Forfeit != ar.Forfeit {
		t.Errorf("contest_start clock %d/%d/%q, want the arena's %d/%d/%q",
			start.MoveDeadlineMS, start.GraceMS, start.Forfeit, ar.MoveDeadlineMS, ar.GraceMS, ar.Forfeit)
	}
	if start.Seats[0].Rating != nil || start.Seats[1].Rating != nil {
		t.Errorf("unrated seats carry ratings: %+v", start.Seats)
	}
	var end protocol.ContestEnd
	conns["ag_b"].last(t, protocol.TypeContestEnd, &end)
	if end.Rank != 0 || len(end.Forfeits) != 1 || end.Forfeits[0] != (protocol.Forfeit{Seat: 0, Reason: "resigned"}) {
		t.Errorf("the winner's contest_end: rank %d, forfeits %+v; want rank 0 and seat 0 resigned", end.Rank, end.Forfeits)
	}
	var view struct {
		Board [][]int `json:"board"`
	}
	if err := json.Unmarshal(end.View, &view); err != nil || len(view.Board) == 0 {
		t.Errorf("contest_end view %s: want the final board (%v)", end.View, err)
	}
	for i, id := range []string{"ag_a", "ag_b"} {
		var f protocol.ContestEnd
		conns[id].last(t, protocol.TypeContestEnd, &f)
		row, found, err := n.RatingOf("connect4", id)
		ok(err)
		if !found || f.Rating == nil || *f.Rating != row.Rating.Float() {
			t.Errorf("seat %d's contest_end rating %v, want its leaderboard rating %v", i, f.Rating, row.Rating.Float())
		}
	}

	// The second game starts with both seats rated, and is played out to
	// four in a row: no forfeits.
	play("c_2", func(c *arena.Contest) {
		for i, col := range []string{"0", "1", "0", "1", "0", "1", "0"} {
			c, err := n.Contest(c.ID)
			ok(err)
			turn := c.Turn
			ok(n.Move(ctx, c.ID, []string{"ag_a", "ag_b"}[i%2], &turn, json.RawMessage(col)))
		}
	})
	start = protocol.ContestStart{}
	conns["ag_b"].last(t, protocol.TypeContestStart, &start)
	if start.Contest != "c_2" || start.Seats[0].Rating == nil || start.Seats[1].Rating == nil {
		t.Errorf("the second contest_start's seats %+v: want both rated", start.Seats)
	}
	end = protocol.ContestEnd{}
	conns["ag_a"].last(t, protocol.TypeContestEnd, &end)
	if end.Contest != "c_2" || end.Reason != "four in a row" || end.Rank != 0 || end.Forfeits != nil {
		t.Errorf("the second contest_end: %+v", end)
	}
}

// A turn sent again after a strike (three_strikes) says how many deadlines
// the seat has missed in a row; a first turn carries none.
func TestTurnFramesCountStrikes(t *testing.T) {
	st, err := connect4.New().Start(games.Setup{Seats: 2})
	if err != nil {
		t.Fatal(err)
	}
	c := &arena.Contest{ID: "c_1", Deadlines: []int64{5, 0}, Strikes: []int{2, 0}}
	if f := turnFrame(c, st, 0, time.Unix(0, 0)); f.Strikes != 2 {
		t.Errorf("seat 0's turn says %d strikes, want 2", f.Strikes)
	}
	b, _ := json.Marshal(turnFrame(c, st, 1, time.Unix(0, 0)))
	if strings.Contains(string(b), "strikes") {
		t.Errorf("a turn with no strikes carries the field: %s", b)
	}
}
