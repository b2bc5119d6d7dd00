// Package connect4 is the two-player rule referee: seven columns, six rows,
// gravity, four in a row in any direction wins, a full board draws.
package connect4

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/agentarena/arena/games"
)

// Name is the game's stable identifier in arenas and contests.
const Name = "connect4"

// Outcome reasons; stored in replicated state, so they never change.
const (
	ReasonWin     = "four in a row"
	ReasonDraw    = "draw"
	ReasonForfeit = "forfeit"
)

// Game is the connect4 rule set. It holds no state, so the zero value and
// one shared instance are both fine.
type Game struct{}

var (
	_ games.Game  = (*Game)(nil)
	_ games.State = (*State)(nil)
)

// New returns the rule set.
func New() *Game { return &Game{} }

// Name returns "connect4".
func (*Game) Name() string { return Name }

// Seats returns 2, 2: connect4 is strictly two-player.
func (*Game) Seats() (min, max int) { return 2, 2 }

// Start returns the empty board with seat 0 to move. The seed only records
// where the contest came from; the rules use no randomness. Options are
// ignored.
func (*Game) Start(s games.Setup) (games.State, error) {
	if s.Seats != 2 {
		return nil, fmt.Errorf("connect4 needs 2 seats, got %d", s.Seats)
	}
	return newState(s.Seed), nil
}

// State is one connect4 position. Its methods are not safe for concurrent
// use; the state machine applies moves one at a time.
type State struct {
	seed      uint64
	board     Board
	history   []int    // columns played, in order; seat = index % 2
	winner    int      // seat, or -1
	cells     [][2]int // winning cells when won by four in a row
	forfeited int      // seat that forfeited, or -1
	over      bool
	reason    string
}

func newState(seed uint64) *State {
	return &State{seed: seed, board: NewBoard(), history: []int{}, winner: -1, forfeited: -1}
}

// Clone copies the state deeply (games.Cloner).
func (s *State) Clone() games.State {
	d := *s
	d.history = slices.Clone(s.history)
	d.cells = slices.Clone(s.cells)
	return &d
}

// Board returns a copy of the grid.
func (s *State) Board() Board { return s.board }

// Seed returns the seed the contest started with.
func (s *State) Seed() uint64 { return s.seed }

// turn is the seat to move while the game is running.
func (s *State) turn() int { return len(s.history) % 2 }

// ToMove returns the one seat to move, or an empty slice when over.
func (s *State) ToMove() []int {
	if s.over {
		return []int{}
	}
	return []int{s.turn()}
}

// Apply drops seat's disc in the column the move names. Checks run from
// the cheapest to explain (game over, whose turn) to the move itself, and
// every rejection leaves the state as it was.
func (s *State) Apply(seat int, move json.RawMessage) error {
	if s.over {
		return moveErr("game_over", "the game is over")
	}
	if seat != s.turn() {
		return moveErr("not_your_turn", fmt.Sprintf("seat %d is to move, not seat %d", s.turn(), seat))
	}
	col, err := ParseMove(move)
	if err != nil {
		return err
	}
	if !s.board.Playable(col) {
		return moveErr("illegal_move", fmt.Sprintf("column %d is full", col))
	}
	s.play(col)
	return nil
}

// play drops the disc of the seat to move in a column known to be playable
// and settles a win or draw. Apply and Load share it so a replayed state
// is built exactly as the live one was.
func (s *State) play(col int) {
	seat := s.turn()
	row := s.board.Drop(col, seat)
	s.history = append(s.history, col)
	if cells := s.board.Lines(row, col); cells != nil {
		s.over, s.winner, s.cells, s.reason = true, seat, cells, ReasonWin
	} else if s.board.Full() {
		s.over, s.reason = true, ReasonDraw
	}
}

// ParseMove reads a move: a bare JSON integer literal such as 3, which
// must name a column 0-6. Strings, fractions and exponents ("3", 3.5, 3.0,
// 3e0) are "bad_move", so an agent learns its encoding is wrong rather
// than having it guessed at; a well-formed integer that is not a column is
// "illegal_move". Whether the column is full is the state's business.
func ParseMove(move json.RawMessage) (int, error) {
	b := bytes.TrimSpace(move)
	digits := bytes.TrimPrefix(b, []byte("-"))
	if len(digits) == 0 || !isDigits(digits) || !json.Valid(b) {
		return 0, moveErr("bad_move", "a move is a column number, an integer 0-6 such as 3")
	}
	// Atoi fails on literals too big for an int; they are still integers,
	// so they are out of range rather than unparseable.
	n, err := strconv.Atoi(string(b))
	if len(digits) > 2 || err != nil || n < 0 || n >= Cols {
		if len(b) > 24 {
			b = append(b[:21:21], "..."...)
		}
		return 0, moveErr("illegal_move", fmt.Sprintf("column %s is out of range 0-%d", b, Cols-1))
	}
	return n, nil
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Forfeit ends the game with the other seat winning. It is a no-op once
// the game is over (a result is never rewritten) and for seats that do not
// exist. Either seat may forfeit, not only the one to move: a disconnect
// can happen at any time.
func (s *State) Forfeit(seat int) {
	if s.over || seat < 0 || seat > 1 {
		return
	}
	s.over, s.forfeited, s.winner, s.reason = true, seat, 1-seat, ReasonForfeit
}

// Done reports whether the game is over.
func (s *State) Done() bool { return s.over }

// Outcome ranks the seats: winner 0 and loser 1, or both 0 on a draw. It
// is the zero Outcome while the game runs.
func (s *State) Outcome() games.Outcome {
	if !s.over {
		return games.Outcome{}
	}
	o := games.Outcome{Ranks: []int{0, 0}, Reason: s.reason}
	if s.winner >= 0 {
		o.Ranks[1-s.winner] = 1
	}
	if s.forfeited >= 0 {
		o.Forfeited = []int{s.forfeited}
	}
	return o
}

func moveErr(code, msg string) error { return &games.MoveError{Code: code, Message: msg} }
