package connect4

// Board dimensions and the empty-cell marker. Agents see the same numbers
// in the view, so they are part of the protocol and never change.
const (
	Rows  = 6
	Cols  = 7
	Empty = -1
)

// Board is the grid as agents see it: Board[row][col], row 0 the TOP row,
// each cell Empty or the seat number (0 or 1) of the disc there. It is an
// array, so assigning a Board copies it; bots can search on copies freely.
type Board [Rows][Cols]int

// NewBoard returns an empty board. The zero Board is not empty: 0 is seat
// 0's colour.
func NewBoard() Board {
	var b Board
	for r := range b {
		for c := range b[r] {
			b[r][c] = Empty
		}
	}
	return b
}

// Playable reports whether a disc can be dropped in col.
func (b *Board) Playable(col int) bool {
	return col >= 0 && col < Cols && b[0][col] == Empty
}

// Legal lists the playable columns in ascending order; never nil, so it
// encodes as [] rather than null.
func (b *Board) Legal() []int {
	cols := make([]int, 0, Cols)
	for c := range Cols {
		if b[0][c] == Empty {
			cols = append(cols, c)
		}
	}
	return cols
}

// Full reports whether no column is playable (a draw if nobody has won).
func (b *Board) Full() bool {
	for c := range Cols {
		if b[0][c] == Empty {
			return false
		}
	}
	return true
}

// Drop lets seat's disc fall in col and returns the row it lands in, or -1
// (board unchanged) when col is out of range or full.
func (b *Board) Drop(col, seat int) int {
	if !b.Playable(col) {
		return -1
	}
	for r := Rows - 1; r >= 0; r-- {
		if b[r][col] == Empty {
			b[r][col] = seat
			return r
		}
	}
	return -1
}

// directions are the four line orientations: horizontal, vertical and the
// two diagonals. Each is walked both ways from a cell.
var directions = [4][2]int{{0, 1}, {1, 0}, {1, 1}, {1, -1}}

// Lines returns every cell of every run of four or more through (row, col)
// in the colour of the disc there, as [row, col] pairs in row-major order,
// or nil when there is none. One drop can complete several lines at once
// (say a row and a diagonal); spectators highlight all of them.
func (b *Board) Lines(row, col int) [][2]int {
	if !inside(row, col) || b[row][col] == Empty {
		return nil
	}
	seat := b[row][col]
	var mark [Rows][Cols]bool
	found := false
	for _, d := range directions {
		// Walk back to the start of the run, then forward to its end.
		r, c := row, col
		for inside(r-d[0], c-d[1]) && b[r-d[0]][c-d[1]] == seat {
			r, c = r-d[0], c-d[1]
		}
		var run [][2]int
		for inside(r, c) && b[r][c] == seat {
			run = append(run, [2]int{r, c})
			r, c = r+d[0], c+d[1]
		}
		if len(run) >= 4 {
			found = true
			for _, cell := range run {
				mark[cell[0]][cell[1]] = true
			}
		}
	}
	if !found {
		return nil
	}
	// Emitting from the mask dedupes the shared cell and fixes the order,
	// so the view (and any golden file holding it) is deterministic.
	var cells [][2]int
	for r := range Rows {
		for c := range Cols {
			if mark[r][c] {
				cells = append(cells, [2]int{r, c})
			}
		}
	}
	return cells
}

func inside(row, col int) bool {
	return row >= 0 && row < Rows && col >= 0 && col < Cols
}
