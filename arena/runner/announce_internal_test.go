package runner

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/agentarena/arena/agents/protocol"
	"github.com/agentarena/arena/arena"
)

// recordingConn keeps the frames a session was sent, in order.
type recordingConn struct {
	mu     sync.Mutex
	frames []string // frame types
}

func (c *recordingConn) Send(frame any) bool {
	b, _ := json.Marshal(frame)
	var head struct{ Type string }
	_ = json.Unmarshal(b, &head)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.frames = append(c.frames, head.Type)
	return true
}

func (c *recordingConn) Close(string) {}

func (c *recordingConn) types() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.frames...)
}

// The periodic sweep can reach a contest before the created event does
// (both run on the leader, in different goroutines). The first turn must
// still follow contest_start on the agent's session: an agent may ignore
// turns of contests it was never told of, and then misses its move and
// forfeits on the deadline (seen under load in
// TestWebsocketAgentsPlayConnect4ToAWinAndADraw).
func TestTheFirstTurnFollowsContestStart(t *testing.T) {
	n := soloLeader(t)
	ctx := context.Background()
	wsAgents(t, n, "ag_a", "ag_b")
	c, err := n.CreateContest(ctx, "c_order", "connect4", []string{"ag_a", "ag_b"}, 7)
	if err != nil {
		t.Fatal(err)
	}

	r := New(Config{Node: n})
	r.leading, r.dispatched = true, map[string]map[turnID]bool{}
	conns := map[string]*recordingConn{"ag_a": {}, "ag_b": {}}
	for id, conn := range conns {
		r.conns[id] = conn
	}
	r.dispatch(c) // the sweep, first
	r.onEvent(arena.Event{Type: arena.EventContest, Data: arena.ContestEvent{Contest: c.ID, Type: arena.EvCreated}})

	if got := conns["ag_a"].types(); len(got) != 2 || got[0] != protocol.TypeContestStart || got[1] != protocol.TypeTurn {
		t.Errorf("seat 0 was sent %v, want [contest_start turn]", got)
	}
	if got := conns["ag_b"].types(); len(got) != 1 || got[0] != protocol.TypeContestStart {
		t.Errorf("seat 1 was sent %v, want [contest_start]", got)
	}
	// A new session of the same agent is told again (greet).
	again := &recordingConn{}
	r.greet("ag_a", again)
	if got := again.types(); len(got) != 2 || got[0] != protocol.TypeContestStart {
		t.Errorf("a reconnected seat 0 was sent %v, want contest_start and its turn", got)
	}
}

// TestAskedAll: the sweep skips a contest only when every seat with a
// deadline (the seats to move) has been asked for that turn, and never
// skips one without deadlines.
func TestAskedAll(t *testing.T) {
	tests := []struct {
		name      string
		leading   bool
		deadlines []int64
		asked     []turnID
		want      bool
	}{
		{"not leading: nothing to ask", false, []int64{5, 0}, nil, true},
		{"the seat to move was not asked", true, []int64{5, 0}, nil, false},
		{"the seat to move was asked", true, []int64{5, 0}, []turnID{turnKey(0, 5)}, true},
		{"asked for an earlier turn only", true, []int64{9, 0}, []turnID{turnKey(0, 5)}, false},
		{"two seats to move, one asked", true, []int64{5, 5}, []turnID{turnKey(1, 5)}, false},
		{"two seats to move, both asked", true, []int64{5, 5}, []turnID{turnKey(0, 5), turnKey(1, 5)}, true},
		{"no deadlines: let the game state decide", true, []int64{0, 0}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := New(Config{})
			r.leading, r.dispatched = tt.leading, map[string]map[turnID]bool{"c_1": {}}
			for _, k := range tt.asked {
				r.dispatched["c_1"][k] = true
			}
			if got := r.askedAll(&arena.Contest{ID: "c_1", Deadlines: tt.deadlines}); got != tt.want {
				t.Fatalf("askedAll = %v, want %v", got, tt.want)
			}
		})
	}
}

// A runner behind its events (a burst, a slow sweep) handles a contest's
// created event after the contest has ended, and reads the contest as it
// is now. Its seats are told it started and how it ended, but no turn:
// an aborted connect4 game still has a seat to move, and the agent was
// sent a turn with a 1970 deadline for a contest it could no longer play,
// between its contest_start and contest_end.
func TestAContestThatEndedBeforeItsCreatedEventIsNotDispatched(t *testing.T) {
	n := soloLeader(t)
	ctx := context.Background()
	ok := mustOK(t)
	wsAgents(t, n, "ag_a", "ag_b")
	c, err := n.CreateContest(ctx, "c_gone", "connect4", []string{"ag_a", "ag_b"}, 7)
	ok(err)
	ok(n.AbortContest(ctx, c.ID, "operator"))

	r := New(Config{Node: n})
	r.leading, r.dispatched = true, map[string]map[turnID]bool{}
	conns := map[string]*recordingConn{"ag_a": {}, "ag_b": {}}
	for id, conn := range conns {
		r.conns[id] = conn
	}
	// The events, in the order the bus kept them, handled late.
	r.onEvent(arena.Event{Type: arena.EventContest, Data: arena.ContestEvent{Contest: c.ID, Type: arena.EvCreated}})
	r.onEvent(arena.Event{Type: arena.EventContest, Data: arena.ContestEvent{Contest: c.ID, Type: arena.EvAborted}})

	for id, conn := range conns {
		if got := conn.types(); len(got) != 2 || got[0] != protocol.TypeContestStart || got[1] != protocol.TypeContestEnd {
			t.Errorf("%s was sent %v, want [contest_start contest_end]", id, got)
		}
	}
	if len(r.dispatched) != 0 {
		t.Errorf("dispatch keys kept for an ended contest: %v", r.dispatched)
	}
}

// Which sessions were told of which contests is the term's: a node that
// stops leading closes its sessions, and a contest that then ends under
// another leader is never forgotten here. Each such seat kept its closed
// session in the map for as long as the process lived.
func TestANodeThatStopsLeadingForgetsItsAnnouncements(t *testing.T) {
	n := soloLeader(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ok := mustOK(t)
	wsAgents(t, n, "ag_a", "ag_b")
	r := New(Config{Node: n})
	r.startLeading(ctx)
	for _, id := range []string{"ag_a", "ag_b"} {
		r.Attach(id, &recordingConn{})
	}
	c, err := n.CreateContest(ctx, "c_term", "connect4", []string{"ag_a", "ag_b"}, 7)
	ok(err)
	r.onEvent(arena.Event{Type: arena.EventContest, Data: arena.ContestEvent{Contest: c.ID, Type: arena.EvCreated}})
	r.announceMu.Lock()
	told := len(r.announced)
	r.announceMu.Unlock()
	if told != 2 {
		t.Fatalf("%d seats announced, want 2: the test tests nothing", told)
	}

	r.stopLeading()
	// The contest ends under another leader: this runner, not leading,
	// acts on none of its events.
	ok(n.AbortContest(ctx, c.ID, "operator"))
	r.wg.Wait()

	r.announceMu.Lock()
	defer r.announceMu.Unlock()
	if len(r.announced) != 0 {
		t.Errorf("%d announcements (with their closed sessions) kept after the term ended", len(r.announced))
	}
}
