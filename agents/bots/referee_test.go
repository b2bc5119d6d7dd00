package bots

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// refBoard is the tests' own connect4 referee: a plain array board, kept
// deliberately unlike the bots' bitboard so the two check each other. Row
// 0 is the top, as in the game's turn view.
type refBoard struct {
	cells [6][7]int
	moves int
	last  int
}

func newRefBoard() *refBoard {
	b := &refBoard{last: -1}
	for r := range b.cells {
		for c := range b.cells[r] {
			b.cells[r][c] = -1
		}
	}
	return b
}

// boardFromRows builds a position from strings, top row first: 'X' is
// seat 0, 'O' seat 1, '.' empty.
func boardFromRows(t *testing.T, rows ...string) *refBoard {
	t.Helper()
	if len(rows) != 6 {
		t.Fatalf("want 6 rows, got %d", len(rows))
	}
	b := newRefBoard()
	for r, row := range rows {
		row = strings.ReplaceAll(row, " ", "")
		if len(row) != 7 {
			t.Fatalf("row %d: want 7 cells, got %q", r, row)
		}
		for c, ch := range row {
			switch ch {
			case 'X':
				b.cells[r][c] = 0
				b.moves++
			case 'O':
				b.cells[r][c] = 1
				b.moves++
			}
		}
	}
	return b
}

func (b *refBoard) legal() []int {
	var out []int
	for c := 0; c < 7; c++ {
		if b.cells[0][c] < 0 {
			out = append(out, c)
		}
	}
	return out
}

// drop plays seat's stone in column c and reports whether it made four.
func (b *refBoard) drop(seat, c int) (won bool, err error) {
	if c < 0 || c > 6 || b.cells[0][c] >= 0 {
		return false, fmt.Errorf("illegal column %d", c)
	}
	r := 5
	for b.cells[r][c] >= 0 {
		r--
	}
	b.cells[r][c] = seat
	b.moves++
	b.last = c
	for _, d := range [][2]int{{0, 1}, {1, 0}, {1, 1}, {1, -1}} {
		n := 1
		for _, sign := range []int{1, -1} {
			rr, cc := r+sign*d[0], c+sign*d[1]
			for rr >= 0 && rr < 6 && cc >= 0 && cc < 7 && b.cells[rr][cc] == seat {
				n++
				rr, cc = rr+sign*d[0], cc+sign*d[1]
			}
		}
		if n >= 4 {
			return true, nil
		}
	}
	return false, nil
}

// view renders the turn view the game sends to seat you when it is
// that seat's move.
func (b *refBoard) view(you int) json.RawMessage {
	board := make([][]int, 6)
	for r := range board {
		board[r] = append([]int(nil), b.cells[r][:]...)
	}
	raw, _ := json.Marshal(map[string]any{
		"game": "connect4", "board": board, "you": you, "to_move": you,
		"legal": b.legal(), "moves": b.moves, "last_move": b.last, "winner": -1,
	})
	return raw
}

// askColumn asks a bot for its move in the current position and decodes
// the column.
func askColumn(t *testing.T, bot Bot, b *refBoard, you int) int {
	t.Helper()
	raw, err := bot.Move(context.Background(), b.view(you))
	if err != nil {
		t.Fatalf("%s: move: %v", bot.Name(), err)
	}
	var c int
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatalf("%s: move %s is not a column: %v", bot.Name(), raw, err)
	}
	return c
}

// playGame plays one game, first moving first, and returns the winning
// seat (0 = first, 1 = second) or -1 for a draw. Any illegal move fails
// the test.
func playGame(t *testing.T, first, second Bot) int {
	t.Helper()
	b := newRefBoard()
	players := [2]Bot{first, second}
	for seat := 0; b.moves < 42; seat ^= 1 {
		c := askColumn(t, players[seat], b, seat)
		won, err := b.drop(seat, c)
		if err != nil {
			t.Fatalf("%s played %v", players[seat].Name(), err)
		}
		if won {
			return seat
		}
	}
	return -1
}

// match plays n games between a and b, alternating who starts, and
// returns a's wins, b's wins and draws.
func match(t *testing.T, a, b Bot, n int) (aWins, bWins, draws int) {
	t.Helper()
	for g := 0; g < n; g++ {
		first, second := a, b
		if g%2 == 1 {
			first, second = b, a
		}
		switch w := playGame(t, first, second); {
		case w < 0:
			draws++
		case (w == 0) == (first == a):
			aWins++
		default:
			bWins++
		}
	}
	return aWins, bWins, draws
}
