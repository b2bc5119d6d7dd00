package arena

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/agentarena/arena/games"
	"github.com/agentarena/arena/games/prompt"
)

// A running prompt contest shows answer sizes, never text, in its view
// and its move events; once it has ended everything is shown. A game the
// node does not know shows no move at all.
func TestPublicViewAndEventFollowTheGame(t *testing.T) {
	n := &Node{fsm: openTestFSM(t)}
	st, err := prompt.New(prompt.DefaultSet()).Start(games.Setup{Seats: 2, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	secret := json.RawMessage(`{"text":"secret-sauce","final":true}`)
	if err := st.Apply(0, secret); err != nil {
		t.Fatal(err)
	}
	state, _ := st.Marshal()
	ev := ContestEvent{Type: EvMove, Move: secret}
	for _, tc := range []struct {
		status, view, move string
	}{
		{StatusRunning, `"answer_bytes":[12,0]`, `{"bytes":12,"final":true,"hidden":true}`},
		{StatusJudging, `"answers":["secret-sauce",""]`, string(secret)},
		{StatusSettled, `"answers":["secret-sauce",""]`, string(secret)},
	} {
		c := &Contest{ID: "c1", Game: prompt.Name, Status: tc.status, State: state}
		v, err := n.PublicView(c)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(v)
		if !strings.Contains(string(b), tc.view) {
			t.Errorf("%s: view %s, want it to hold %s", tc.status, b, tc.view)
		}
		if got := n.PublicEvent(c, ev); string(got.Move) != tc.move {
			t.Errorf("%s: move %s, want %s", tc.status, got.Move, tc.move)
		}
	}
	running := &Contest{Game: prompt.Name, Status: StatusRunning}
	if got := n.PublicEvent(running, ContestEvent{Type: EvCreated}); got.Type != EvCreated {
		t.Errorf("a non-move event changed: %+v", got)
	}
	if got := n.PublicEvent(&Contest{Game: "chess", Status: StatusRunning}, ev); got.Move != nil {
		t.Errorf("a move of an unknown game is shown: %s", got.Move)
	}
}

func TestMoveErrorOfReadsTheGamesCode(t *testing.T) {
	d := newDriver(t)
	d.must(CmdContestCreate, contestCreateCmd{ID: "c1", Arena: "connect4", Agents: []string{"ag_a", "ag_b"}, Seed: 1})
	err := d.apply(CmdContestMove, contestMoveCmd{Contest: "c1", AgentID: "ag_a", Move: json.RawMessage("9")}).Err
	if code, msg, ok := MoveErrorOf(err); !ok || code != "illegal_move" || msg == "" {
		t.Fatalf("MoveErrorOf(%v) = %q %q %v", err, code, msg, ok)
	}
	if _, _, ok := MoveErrorOf(d.apply(CmdContestMove, contestMoveCmd{Contest: "nope", AgentID: "ag_a", Move: json.RawMessage("3")}).Err); ok {
		t.Fatal("an unknown contest is not a move error")
	}
}

// WinRates reads the same battles the leaderboards do.
func TestWinRatesFromBattles(t *testing.T) {
	d := newDriver(t)
	d.must(CmdContestCreate, contestCreateCmd{ID: "c1", Arena: "connect4", Agents: []string{"ag_a", "ag_b"}, Seed: 7})
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
	wr, err := (&Node{fsm: d.f}).WinRates("connect4")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(wr.Agents, []string{"ag_a", "ag_b"}) || wr.Rates[0][1] != 1 || wr.Rates[1][0] != 0 ||
		!math.IsNaN(wr.Rates[0][0]) || wr.Games[0][1] != 1 {
		t.Fatalf("win rates %+v", wr)
	}
	empty, err := (&Node{fsm: d.f}).WinRates("prompt")
	if err != nil || empty.Agents != nil {
		t.Fatalf("no battles: %+v %v", empty, err)
	}
}
