package connect4

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"testing"

	"github.com/agentarena/arena/games"
)

// play starts a game and plays cols alternately from seat 0, failing the
// test on any rejected move.
func play(t testing.TB, cols ...int) *State {
	t.Helper()
	st, err := New().Start(games.Setup{Seats: 2, Seed: 42})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	s := st.(*State)
	for i, c := range cols {
		seat := s.ToMove()
		if len(seat) != 1 {
			t.Fatalf("move %d: game over before column %d", i, c)
		}
		if err := s.Apply(seat[0], json.RawMessage(strconv.Itoa(c))); err != nil {
			t.Fatalf("move %d (column %d): %v", i, c, err)
		}
	}
	return s
}

// drawMoves fills the board without either seat making four.
var drawMoves = []int{4, 3, 6, 0, 1, 4, 5, 5, 1, 1, 5, 0, 1, 6, 0, 1, 5, 5, 1, 0, 4, 6, 3, 2,
	6, 6, 0, 4, 6, 5, 2, 0, 4, 2, 4, 2, 2, 2, 3, 3, 3, 3}

func TestGameEnds(t *testing.T) {
	tests := []struct {
		name   string
		moves  []int
		ranks  []int
		reason string
		cells  [][2]int
	}{
		{"a horizontal four on the left edge wins", []int{0, 0, 1, 1, 2, 2, 3},
			[]int{0, 1}, ReasonWin, [][2]int{{5, 0}, {5, 1}, {5, 2}, {5, 3}}},
		{"a horizontal four on the right edge wins", []int{6, 6, 5, 5, 4, 4, 3},
			[]int{0, 1}, ReasonWin, [][2]int{{5, 3}, {5, 4}, {5, 5}, {5, 6}}},
		{"a vertical four in the first column wins", []int{0, 1, 0, 1, 0, 1, 0},
			[]int{0, 1}, ReasonWin, [][2]int{{2, 0}, {3, 0}, {4, 0}, {5, 0}}},
		{"the second seat wins with a vertical four in the last column", []int{0, 6, 1, 6, 0, 6, 1, 6},
			[]int{1, 0}, ReasonWin, [][2]int{{2, 6}, {3, 6}, {4, 6}, {5, 6}}},
		{"a rising diagonal wins", []int{0, 1, 1, 2, 2, 3, 2, 3, 3, 5, 3},
			[]int{0, 1}, ReasonWin, [][2]int{{2, 3}, {3, 2}, {4, 1}, {5, 0}}},
		{"a falling diagonal wins", []int{6, 5, 5, 4, 4, 3, 4, 3, 3, 1, 3},
			[]int{0, 1}, ReasonWin, [][2]int{{2, 3}, {3, 4}, {4, 5}, {5, 6}}},
		{"a horizontal four in the top row wins", topRowWin,
			[]int{0, 1}, ReasonWin, [][2]int{{0, 0}, {0, 1}, {0, 2}, {0, 3}}},
		{"a full board without four is a draw", drawMoves, []int{0, 0}, ReasonDraw, [][2]int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := play(t, tt.moves...)
			if !s.Done() {
				t.Fatal("game not over")
			}
			if got := s.ToMove(); len(got) != 0 {
				t.Errorf("ToMove = %v, want empty", got)
			}
			o := s.Outcome()
			if !reflect.DeepEqual(o.Ranks, tt.ranks) || o.Reason != tt.reason || o.NeedsJudge || o.Forfeited != nil {
				t.Errorf("outcome = %+v, want ranks %v reason %q", o, tt.ranks, tt.reason)
			}
			v := s.View(-1).(View)
			if !reflect.DeepEqual(v.WinningCells, tt.cells) {
				t.Errorf("winning cells = %v, want %v", v.WinningCells, tt.cells)
			}
			if v.ToMove != -1 || len(v.Legal) != 0 || v.Moves != len(tt.moves) || v.LastMove != tt.moves[len(tt.moves)-1] {
				t.Errorf("view after end = %+v", v)
			}
			err := s.Apply(0, json.RawMessage("3"))
			if code := codeOf(err); code != "game_over" {
				t.Errorf("move after end: code %q (%v), want game_over", code, err)
			}
		})
	}
}

// topRowWin ends with seat 0 completing row 0, columns 0-3, on the 39th
// disc, with no earlier four for either seat.
var topRowWin = []int{4, 2, 3, 0, 3, 6, 6, 2, 6, 0, 2, 0, 2, 6, 5, 6, 3, 5, 0, 2,
	2, 4, 1, 5, 0, 3, 1, 1, 5, 5, 4, 3, 0, 1, 6, 5, 3, 1, 1}

func codeOf(err error) string {
	var me *games.MoveError
	if errors.As(err, &me) {
		return me.Code
	}
	return ""
}

func TestRejectedMovesLeaveStateUnchanged(t *testing.T) {
	fullFirstColumn := []int{0, 0, 0, 0, 0, 0}
	tests := []struct {
		name  string
		moves []int
		seat  int
		move  string
		code  string
	}{
		{"a quoted column is unparseable", nil, 0, `"3"`, "bad_move"},
		{"a fraction is unparseable", nil, 0, `3.5`, "bad_move"},
		{"a float spelling of an integer is unparseable", nil, 0, `3.0`, "bad_move"},
		{"an exponent is unparseable", nil, 0, `3e0`, "bad_move"},
		{"null is unparseable", nil, 0, `null`, "bad_move"},
		{"an empty move is unparseable", nil, 0, ``, "bad_move"},
		{"an array is unparseable", nil, 0, `[3]`, "bad_move"},
		{"an object is unparseable", nil, 0, `{"column":3}`, "bad_move"},
		{"a leading zero is not JSON", nil, 0, `03`, "bad_move"},
		{"a bare minus is unparseable", nil, 0, `-`, "bad_move"},
		{"trailing data is unparseable", nil, 0, `3 4`, "bad_move"},
		{"a negative column is out of range", nil, 0, `-1`, "illegal_move"},
		{"column seven is out of range", nil, 0, `7`, "illegal_move"},
		{"a huge column is out of range", nil, 0, `99999999999999999999999`, "illegal_move"},
		{"a hugely negative column is out of range", nil, 0, `-99999999999999999999999`, "illegal_move"},
		{"a full column is illegal", fullFirstColumn, 0, `0`, "illegal_move"},
		{"the second seat cannot open", nil, 1, `3`, "not_your_turn"},
		{"a seat cannot move twice", []int{3}, 0, `3`, "not_your_turn"},
		{"a seat that does not exist cannot move", nil, 2, `3`, "not_your_turn"},
		{"a spectator cannot move", nil, -1, `3`, "not_your_turn"},
		{"no move is accepted after a win", []int{0, 1, 0, 1, 0, 1, 0}, 1, `1`, "game_over"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := play(t, tt.moves...)
			before, _ := s.Marshal()
			view := s.View(0)
			err := s.Apply(tt.seat, json.RawMessage(tt.move))
			if code := codeOf(err); code != tt.code {
				t.Fatalf("code %q (%v), want %q", code, err, tt.code)
			}
			after, _ := s.Marshal()
			if !bytes.Equal(before, after) || !reflect.DeepEqual(view, s.View(0)) {
				t.Errorf("state changed by a rejected move:\n%s\n%s", before, after)
			}
		})
	}
}

func TestAcceptedMoveSpellings(t *testing.T) {
	for _, move := range []string{"3", " 3 ", "\n3\t", "-0"} {
		s := play(t)
		if err := s.Apply(0, json.RawMessage(move)); err != nil {
			t.Errorf("move %q rejected: %v", move, err)
		}
	}
}

func TestForfeit(t *testing.T) {
	tests := []struct {
		name   string
		moves  []int
		seat   int
		ranks  []int
		winner int
	}{
		{"the seat to move forfeiting loses", nil, 0, []int{1, 0}, 1},
		{"the waiting seat forfeiting loses", []int{3}, 0, []int{1, 0}, 1},
		{"the second seat forfeiting loses", []int{3, 3}, 1, []int{0, 1}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := play(t, tt.moves...)
			s.Forfeit(tt.seat)
			o := s.Outcome()
			want := games.Outcome{Ranks: tt.ranks, Forfeited: []int{tt.seat}, Reason: ReasonForfeit}
			if !s.Done() || !reflect.DeepEqual(o, want) {
				t.Fatalf("outcome %+v, want %+v", o, want)
			}
			if v := s.View(-1).(View); v.Winner != tt.winner || len(v.WinningCells) != 0 || v.ToMove != -1 {
				t.Errorf("view after forfeit = %+v", v)
			}
			s.Forfeit(1 - tt.seat) // a result is never rewritten
			if !reflect.DeepEqual(s.Outcome(), want) {
				t.Errorf("second forfeit changed the outcome to %+v", s.Outcome())
			}
		})
	}
	t.Run("a forfeit after a win changes nothing", func(t *testing.T) {
		s := play(t, 0, 1, 0, 1, 0, 1, 0)
		s.Forfeit(0)
		if o := s.Outcome(); o.Reason != ReasonWin || !reflect.DeepEqual(o.Ranks, []int{0, 1}) {
			t.Errorf("outcome %+v", o)
		}
	})
	t.Run("a seat that does not exist cannot forfeit", func(t *testing.T) {
		s := play(t)
		s.Forfeit(2)
		s.Forfeit(-1)
		if s.Done() {
			t.Error("game ended")
		}
	})
}

func TestViewJSON(t *testing.T) {
	s := play(t, 3, 3, 4)
	row := func(cells ...int) []int { return cells }
	e := Empty
	board := [][]int{
		row(e, e, e, e, e, e, e), row(e, e, e, e, e, e, e), row(e, e, e, e, e, e, e),
		row(e, e, e, e, e, e, e), row(e, e, e, 1, e, e, e), row(e, e, e, 0, 0, e, e),
	}
	boardJSON, _ := json.Marshal(board)
	tests := []struct {
		name string
		seat int
		want string
	}{
		{"the seat to move sees its legal columns", 1, `{"game":"connect4","board":` + string(boardJSON) +
			`,"you":1,"to_move":1,"legal":[0,1,2,3,4,5,6],"moves":3,"last_move":4,"winner":-1,"winning_cells":[]}`},
		{"the waiting seat sees no legal columns", 0, `{"game":"connect4","board":` + string(boardJSON) +
			`,"you":0,"to_move":1,"legal":[],"moves":3,"last_move":4,"winner":-1,"winning_cells":[]}`},
		{"a spectator is seat -1", -7, `{"game":"connect4","board":` + string(boardJSON) +
			`,"you":-1,"to_move":1,"legal":[],"moves":3,"last_move":4,"winner":-1,"winning_cells":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(s.View(tt.seat))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("view\n got %s\nwant %s", got, tt.want)
			}
		})
	}
	t.Run("a fresh game has no last move", func(t *testing.T) {
		v := play(t).View(0).(View)
		if v.LastMove != -1 || v.Moves != 0 || v.ToMove != 0 || len(v.Legal) != Cols {
			t.Errorf("fresh view %+v", v)
		}
	})
	t.Run("a full column is not legal", func(t *testing.T) {
		v := play(t, 0, 0, 0, 0, 0, 0).View(0).(View)
		if !reflect.DeepEqual(v.Legal, []int{1, 2, 3, 4, 5, 6}) {
			t.Errorf("legal %v", v.Legal)
		}
	})
}

// Connect4 hides nothing: the public view is the spectator view and a
// move is shown as it was made.
func TestPublicViewAndMoveHideNothing(t *testing.T) {
	s := play(t, 3, 3, 4)
	pub, err := json.Marshal(s.PublicView())
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := json.Marshal(s.View(-1))
	if string(pub) != string(spec) {
		t.Fatalf("public view %s, spectator view %s", pub, spec)
	}
	if got := New().PublicMove(json.RawMessage("4")); string(got) != "4" {
		t.Fatalf("PublicMove(4) = %s", got)
	}
}

func TestMarshalLoadRoundTrip(t *testing.T) {
	forfeited := play(t, 3, 2, 1)
	forfeited.Forfeit(1)
	tests := []struct {
		name string
		s    *State
	}{
		{"a fresh game", play(t)},
		{"a game in progress", play(t, 3, 3, 2, 4, 6)},
		{"a won game", play(t, 6, 5, 5, 4, 4, 3, 4, 3, 3, 1, 3)},
		{"a drawn game", play(t, drawMoves...)},
		{"a forfeited game", forfeited},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := tt.s.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			loaded, err := New().Load(a)
			if err != nil {
				t.Fatalf("load %s: %v", a, err)
			}
			b, _ := loaded.Marshal()
			if !bytes.Equal(a, b) {
				t.Errorf("round trip changed bytes:\n%s\n%s", a, b)
			}
			if !reflect.DeepEqual(tt.s.View(0), loaded.View(0)) || !reflect.DeepEqual(tt.s.Outcome(), loaded.Outcome()) {
				t.Error("round trip changed the view or outcome")
			}
			// The state machine remembers states by their bytes and hands
			// out clones: a clone and a load must be the state itself.
			if !reflect.DeepEqual(loaded, tt.s) {
				t.Errorf("load of the marshalled state differs:\n%+v\n%+v", loaded, tt.s)
			}
			if c := tt.s.Clone(); !reflect.DeepEqual(c, tt.s) {
				t.Errorf("clone differs:\n%+v\n%+v", c, tt.s)
			}
		})
	}
}

// TestCloneSharesNothing: at every point of a game, a clone and the
// original each keep their own moves when both play on.
func TestCloneSharesNothing(t *testing.T) {
	move := func(s *State, col int) {
		t.Helper()
		if err := s.Apply(s.ToMove()[0], json.RawMessage(strconv.Itoa(col))); err != nil {
			t.Fatalf("column %d: %v", col, err)
		}
	}
	s := play(t)
	for i, col := range drawMoves {
		c := s.Clone().(*State)
		alt := -1
		for k := range Cols {
			if k != col && c.board.Playable(k) {
				alt = k
				break
			}
		}
		if alt >= 0 {
			move(c, alt)
		}
		move(s, col)
		if alt >= 0 && c.history[len(c.history)-1] != alt {
			t.Fatalf("move %d: the clone's last move is %d, it played %d", i, c.history[len(c.history)-1], alt)
		}
		if s.history[len(s.history)-1] != col {
			t.Fatalf("move %d: the original's last move is %d, it played %d", i, s.history[len(s.history)-1], col)
		}
	}
}

func TestLoadRejectsImpossibleStates(t *testing.T) {
	tests := []struct{ name, data string }{
		{"not JSON", `{`},
		{"an unknown version", `{"version":2,"seed":1,"moves":[],"forfeited":-1}`},
		{"an unknown field", `{"version":1,"seed":1,"moves":[],"forfeited":-1,"x":1}`},
		{"trailing data", `{"version":1,"seed":1,"moves":[],"forfeited":-1} {}`},
		{"a column out of range", `{"version":1,"seed":1,"moves":[7],"forfeited":-1}`},
		{"an eighth disc in a column", `{"version":1,"seed":1,"moves":[0,0,0,0,0,0,0],"forfeited":-1}`},
		{"a move after a win", `{"version":1,"seed":1,"moves":[0,1,0,1,0,1,0,1],"forfeited":-1}`},
		{"a seat that does not exist forfeiting", `{"version":1,"seed":1,"moves":[],"forfeited":2}`},
		{"a forfeit after a win", `{"version":1,"seed":1,"moves":[0,1,0,1,0,1,0],"forfeited":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Load([]byte(tt.data)); err == nil {
				t.Error("loaded")
			}
		})
	}
}

func TestStartNeedsTwoSeats(t *testing.T) {
	for _, n := range []int{0, 1, 3} {
		if _, err := New().Start(games.Setup{Seats: n}); err == nil {
			t.Errorf("started with %d seats", n)
		}
	}
	if lo, hi := New().Seats(); lo != 2 || hi != 2 || New().Name() != "connect4" {
		t.Error("wrong name or seat range")
	}
}
