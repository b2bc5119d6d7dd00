package arena

import (
	"encoding/json"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/ranking"
)

// fsmDriver applies commands to a test FSM at increasing indexes and times.
type fsmDriver struct {
	t   *testing.T
	f   *FSM
	idx uint64
	ts  int64
}

func newDriver(t *testing.T) *fsmDriver {
	d := &fsmDriver{t: t, f: openTestFSM(t), ts: 1_000_000_000}
	d.must(CmdSystemSeed, systemSeedCmd{Arenas: DefaultArenas()[:1]})
	d.must(CmdOwnerCreate, ownerCreateCmd{ID: "ow_1", Name: "ann", KeyHash: agents.HashKey("k")})
	for _, id := range []string{"ag_a", "ag_b", "ag_c"} {
		d.must(CmdAgentCreate, agentCreateCmd{ID: id, OwnerID: "ow_1", Name: id, Kind: agents.KindWebsocket, KeyHash: agents.HashKey("k" + id)})
	}
	return d
}

func (d *fsmDriver) apply(typ string, payload any) Result {
	d.t.Helper()
	d.idx++
	d.ts += 1_000_000 // 1 ms per command
	return d.f.Apply(cmdLog(d.t, d.idx, typ, d.ts, payload)).(Result)
}

func (d *fsmDriver) must(typ string, payload any) any {
	d.t.Helper()
	r := d.apply(typ, payload)
	if r.Err != nil {
		d.t.Fatalf("%s: %v", typ, r.Err)
	}
	return r.Value
}

func (d *fsmDriver) contest(id string) *Contest {
	d.t.Helper()
	var c *Contest
	if err := d.f.View(func(tx *bolt.Tx) error {
		var err error
		c, err = (*contestMemo)(nil).get(tx, id) // decoded, not remembered
		return err
	}); err != nil {
		d.t.Fatal(err)
	}
	return c
}

func (d *fsmDriver) rating(arena, agent string) RatingEntry {
	d.t.Helper()
	var e RatingEntry
	_ = d.f.View(func(tx *bolt.Tx) error {
		_, err := getJSON(tx.Bucket(bucketRatings), ratingKey(arena, agent), &e)
		return err
	})
	return e
}

func (d *fsmDriver) move(contest, agent string, col int) error {
	turn := d.contest(contest).Turn
	return d.apply(CmdContestMove, contestMoveCmd{Contest: contest, AgentID: agent, Turn: &turn, Move: json.RawMessage([]byte{byte('0' + col)})}).Err
}

func TestConnect4ContestSettlesWithElo(t *testing.T) {
	d := newDriver(t)
	d.must(CmdContestCreate, contestCreateCmd{ID: "c1", Arena: "connect4", Agents: []string{"ag_a", "ag_b"}, Seed: 7})
	// Seat 0 (ag_a) stacks column 3; seat 1 (ag_b) plays column 4.
	for i := 0; i < 3; i++ {
		if err := d.move("c1", "ag_a", 3); err != nil {
			t.Fatal(err)
		}
		if err := d.move("c1", "ag_b", 4); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.move("c1", "ag_a", 3); err != nil {
		t.Fatal(err)
	}
	c := d.contest("c1")
	if c.Status != StatusSettled || c.Ranks[0] != 0 || c.Ranks[1] != 1 {
		t.Fatalf("contest = %s ranks %v, want settled [0 1]", c.Status, c.Ranks)
	}
	// 1000 vs 1000, K = 32: expected score 0.5 each, so the winner gains
	// 32 × (1 − 0.5) = 16 and the loser loses 16.
	if a, b := d.rating("connect4", "ag_a"), d.rating("connect4", "ag_b"); a.Rating != 1016*ranking.Point || b.Rating != 984*ranking.Point {
		t.Fatalf("ratings = %v / %v, want 1016 / 984", a.Rating, b.Rating)
	}
	t.Run("a move after the end is refused", func(t *testing.T) {
		if err := d.move("c1", "ag_b", 0); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestBadMovesChangeNothing(t *testing.T) {
	d := newDriver(t)
	d.must(CmdContestCreate, contestCreateCmd{ID: "c1", Arena: "connect4", Agents: []string{"ag_a", "ag_b"}, Seed: 1})
	stale := uint64(5)
	tests := []struct {
		name string
		cmd  contestMoveCmd
		code apperr.Code
	}{
		{"a move out of turn", contestMoveCmd{Contest: "c1", AgentID: "ag_b", Move: json.RawMessage("3")}, apperr.Invalid},
		{"an illegal column", contestMoveCmd{Contest: "c1", AgentID: "ag_a", Move: json.RawMessage("9")}, apperr.Invalid},
		{"a stale turn", contestMoveCmd{Contest: "c1", AgentID: "ag_a", Turn: &stale, Move: json.RawMessage("3")}, apperr.Invalid},
		{"an agent without a seat", contestMoveCmd{Contest: "c1", AgentID: "ag_c", Move: json.RawMessage("3")}, apperr.Forbidden},
		{"an unknown contest", contestMoveCmd{Contest: "nope", AgentID: "ag_a", Move: json.RawMessage("3")}, apperr.NotFound},
		{"garbage as a move", contestMoveCmd{Contest: "c1", AgentID: "ag_a", Move: json.RawMessage(`"x"`)}, apperr.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			before := hashOf(t, d.f)
			r := d.apply(CmdContestMove, tt.cmd)
			if !apperr.Is(r.Err, tt.code) {
				t.Fatalf("got %v, want %s", r.Err, tt.code)
			}
			if hashOf(t, d.f) != before {
				t.Error("a refused move changed the state")
			}
		})
	}
}

func TestMissedDeadlineForfeitsPerRule(t *testing.T) {
	d := newDriver(t)
	d.must(CmdContestCreate, contestCreateCmd{ID: "c1", Arena: "connect4", Agents: []string{"ag_a", "ag_b"}, Seed: 1})
	c := d.contest("c1")
	due := c.Deadlines[0]
	t.Run("a timeout before the deadline is a no-op", func(t *testing.T) {
		if v := d.must(CmdContestTimeout, contestTimeoutCmd{Contest: "c1", Seat: 0, Deadline: due}); v != false {
			t.Fatalf("early timeout applied: %v", v)
		}
	})
	d.ts = due // the next command is stamped after the deadline
	d.must(CmdContestTimeout, contestTimeoutCmd{Contest: "c1", Seat: 0, Deadline: due})
	c = d.contest("c1")
	if c.Status != StatusSettled || c.Ranks[0] != 1 || c.Ranks[1] != 0 {
		t.Fatalf("after timeout: %s %v, want seat 1 to win", c.Status, c.Ranks)
	}
}

func TestContestCannotSeatABusyAgent(t *testing.T) {
	d := newDriver(t)
	d.must(CmdContestCreate, contestCreateCmd{ID: "c1", Arena: "connect4", Agents: []string{"ag_a", "ag_b"}, Seed: 1})
	r := d.apply(CmdContestCreate, contestCreateCmd{ID: "c2", Arena: "connect4", Agents: []string{"ag_a", "ag_c"}, Seed: 1})
	if !apperr.Is(r.Err, apperr.Conflict) {
		t.Fatalf("got %v, want conflict", r.Err)
	}
}
