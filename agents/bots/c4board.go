package bots

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
)

// Connect4 geometry. The bots keep their own bitboard rather than calling
// the rules package: they must work from the turn view alone, exactly as an
// external agent does, and search needs a board far cheaper to copy than
// the rules' state.
const (
	c4Cols = 7
	c4Rows = 6
	// c4Stride is bits per column: six cells and one always-empty sentinel
	// bit, so shifting a line past the top of a column can never wrap into
	// the next column and fake a four.
	c4Stride = c4Rows + 1
)

// c4Order is centre-first move ordering: central columns take part in more
// fours, so trying them first finds good moves early and prunes more.
var c4Order = [c4Cols]int{3, 2, 4, 1, 5, 0, 6}

// c4View is the part of the connect4 turn view the bots read.
type c4View struct {
	Game  string  `json:"game"`
	Board [][]int `json:"board"`
	You   int     `json:"you"`
	Legal []int   `json:"legal"`
}

// c4Board is a position seen from the bot: pieces[0] are the bot's stones,
// pieces[1] the opponent's; side is whose turn it is (0 = bot).
type c4Board struct {
	pieces [2]uint64
	height [c4Cols]int
	side   int
	moves  int
}

// parseC4View decodes a turn view into a board with the bot to move and the
// legal columns the view offers (filtered to columns that are not full, as
// a guard against a view that disagrees with its own board).
func parseC4View(raw json.RawMessage) (*c4Board, []int, error) {
	var v c4View
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, nil, fmt.Errorf("decode connect4 view: %w", err)
	}
	if v.Game != "" && v.Game != GameConnect4 {
		return nil, nil, fmt.Errorf("view is for game %q, not connect4", v.Game)
	}
	if len(v.Board) != c4Rows {
		return nil, nil, fmt.Errorf("board has %d rows, want %d", len(v.Board), c4Rows)
	}
	b := &c4Board{}
	// Row 0 is the top; gravity fills from row 5, so walk each column from
	// the bottom and stop at the first empty cell.
	for r, row := range v.Board {
		if len(row) != c4Cols {
			return nil, nil, fmt.Errorf("board row %d has %d cells, want %d", r, len(row), c4Cols)
		}
	}
	for c := 0; c < c4Cols; c++ {
		for r := c4Rows - 1; r >= 0; r-- {
			cell := v.Board[r][c]
			if cell < 0 {
				break
			}
			owner := 1
			if cell == v.You {
				owner = 0
			}
			b.pieces[owner] |= 1 << (c*c4Stride + b.height[c])
			b.height[c]++
			b.moves++
		}
	}
	var legal []int
	for _, c := range v.Legal {
		if c >= 0 && c < c4Cols && b.canPlay(c) {
			legal = append(legal, c)
		}
	}
	if len(legal) == 0 {
		return nil, nil, errors.New("view offers no legal column")
	}
	return b, legal, nil
}

func (b *c4Board) canPlay(c int) bool { return b.height[c] < c4Rows }

// bitFor is the cell a stone dropped in column c would occupy.
func (b *c4Board) bitFor(c int) uint64 { return 1 << (c*c4Stride + b.height[c]) }

func (b *c4Board) play(c int) {
	b.pieces[b.side] |= b.bitFor(c)
	b.height[c]++
	b.side ^= 1
	b.moves++
}

func (b *c4Board) undo(c int) {
	b.side ^= 1
	b.height[c]--
	b.moves--
	b.pieces[b.side] &^= b.bitFor(c)
}

// winsWith reports whether the side to move would complete four by
// playing column c.
func (b *c4Board) winsWith(c int) bool {
	return hasFour(b.pieces[b.side] | b.bitFor(c))
}

// opponentWinsWith is winsWith for the side not to move.
func (b *c4Board) opponentWinsWith(c int) bool {
	return hasFour(b.pieces[b.side^1] | b.bitFor(c))
}

func (b *c4Board) full() bool { return b.moves >= c4Cols*c4Rows }

// hasFour reports four in a row in one player's stones: for each direction
// (vertical 1, horizontal stride, the two diagonals stride±1) it folds the
// board onto itself twice.
func hasFour(p uint64) bool {
	for _, d := range [4]int{1, c4Stride, c4Stride - 1, c4Stride + 1} {
		m := p & (p >> d)
		if m&(m>>(2*d)) != 0 {
			return true
		}
	}
	return false
}

// c4Windows are the 69 lines of four cells on the board, as masks.
var c4Windows = func() []uint64 {
	var ws []uint64
	dirs := [4][2]int{{0, 1}, {1, 0}, {1, 1}, {1, -1}} // (dc, dh)
	for c := 0; c < c4Cols; c++ {
		for h := 0; h < c4Rows; h++ {
			for _, d := range dirs {
				var w uint64
				ok := true
				for i := 0; i < 4; i++ {
					cc, hh := c+i*d[0], h+i*d[1]
					if cc < 0 || cc >= c4Cols || hh < 0 || hh >= c4Rows {
						ok = false
						break
					}
					w |= 1 << (cc*c4Stride + hh)
				}
				if ok {
					ws = append(ws, w)
				}
			}
		}
	}
	return ws
}()

// c4CentreMask is the middle column, which takes part in the most fours.
const c4CentreMask = uint64(0x3f) << (3 * c4Stride)

// windowWeight scores an open window by how many stones one player has in
// it; a window holding both players' stones can never become four and
// counts for nobody. Weights grow steeply so a three outweighs several
// twos. A full window only occurs in a finished game the search never
// expands, but it is weighted rather than trusted never to happen.
var windowWeight = [5]int{0, 1, 4, 16, 1000}

// Threat weights. A threat is an empty cell that would complete a four.
// In Connect 4 endgames the columns fill up and whoever must move under
// the other's threat loses (zugzwang); the first player profits from
// threats on odd rows (1, 3, 5 counting from the bottom), the second from
// threats on even rows. Weighting threats by that parity is what lets a
// shallow search steer a long game rather than drift into a full board.
const (
	threatGoodParity = 24
	threatBadParity  = 6
)

// evaluate scores the position for the side to move: open windows weighted
// by count, threats weighted by row parity, plus a bonus for centre
// stones. It is symmetric, as negamax requires: evaluate for one side is
// minus evaluate for the other.
func (b *c4Board) evaluate() int {
	me, op := b.pieces[b.side], b.pieces[b.side^1]
	score := 3 * (bits.OnesCount64(me&c4CentreMask) - bits.OnesCount64(op&c4CentreMask))
	for _, w := range c4Windows {
		m, o := me&w, op&w
		switch {
		case o == 0 && m != 0:
			score += windowWeight[bits.OnesCount64(m)]
		case m == 0 && o != 0:
			score -= windowWeight[bits.OnesCount64(o)]
		}
	}
	// The side to move is the first player exactly when an even number of
	// stones is on the board.
	meFirst := b.moves%2 == 0
	empty := c4Full &^ (me | op)
	score += threatScore(winningCells(me)&empty, meFirst)
	score -= threatScore(winningCells(op)&empty, !meFirst)
	return score
}

// c4Full is every cell of the board (sentinel bits excluded).
const c4Full = uint64(0x3f) | uint64(0x3f)<<7 | uint64(0x3f)<<14 | uint64(0x3f)<<21 |
	uint64(0x3f)<<28 | uint64(0x3f)<<35 | uint64(0x3f)<<42

// c4OddRows are the cells on rows 1, 3 and 5 counted from the bottom
// (heights 0, 2, 4).
const c4OddRows = c4Full & (uint64(0x15) * (1 | 1<<7 | 1<<14 | 1<<21 | 1<<28 | 1<<35 | 1<<42))

func threatScore(threats uint64, first bool) int {
	good := threats & c4OddRows
	if !first {
		good = threats &^ c4OddRows
	}
	return threatGoodParity*bits.OnesCount64(good) + threatBadParity*bits.OnesCount64(threats&^good)
}

// winningCells returns every cell (empty or not) that would complete a
// four for stones p: for each direction, a cell with three stones in a
// line on one side, or split two and one around it.
func winningCells(p uint64) uint64 {
	// Vertical: only three stones directly below can make a four.
	r := (p << 1) & (p << 2) & (p << 3)
	for _, d := range [3]int{c4Stride, c4Stride - 1, c4Stride + 1} {
		pair := (p << d) & (p << (2 * d))
		r |= pair & (p << (3 * d))
		r |= pair & (p >> d)
		pair = (p >> d) & (p >> (2 * d))
		r |= pair & (p << d)
		r |= pair & (p >> (3 * d))
	}
	return r & c4Full
}
