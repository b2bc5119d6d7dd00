package connect4

import "encoding/json"

// View is what an agent or spectator sees. Bots parse these field names,
// so they are protocol: add fields, never rename them. Slices are never
// nil, so they encode as [] rather than null.
type View struct {
	Game  string `json:"game"` // always "connect4"
	Board Board  `json:"board"`
	// You is the viewing seat, -1 for spectators.
	You int `json:"you"`
	// ToMove is the seat to move, -1 when the game is over.
	ToMove int `json:"to_move"`
	// Legal lists playable columns when it is You's turn, else [].
	Legal    []int `json:"legal"`
	Moves    int   `json:"moves"`     // discs played so far
	LastMove int   `json:"last_move"` // column of the last disc, -1 before the first
	Winner   int   `json:"winner"`    // seat, -1 while running or on a draw
	// WinningCells are [row, col] pairs of the winning line(s); [] unless
	// won by four in a row (a forfeit win has none).
	WinningCells [][2]int `json:"winning_cells"`
}

// View returns the board from seat's side; any seat < 0 is a spectator.
// Connect4 has no hidden information, so the views differ only in You and
// Legal.
func (s *State) View(seat int) any { return s.view(seat) }

func (s *State) view(seat int) View {
	v := View{
		Game:         Name,
		Board:        s.board,
		You:          max(seat, -1),
		ToMove:       -1,
		Legal:        []int{},
		Moves:        len(s.history),
		LastMove:     -1,
		Winner:       s.winner,
		WinningCells: append([][2]int{}, s.cells...),
	}
	if len(s.history) > 0 {
		v.LastMove = s.history[len(s.history)-1]
	}
	if !s.over {
		v.ToMove = s.turn()
		if seat == v.ToMove {
			v.Legal = s.board.Legal()
		}
	}
	return v
}

// PublicView is the spectator view: a connect4 board hides nothing.
func (s *State) PublicView() any { return s.view(-1) }

// PublicMove returns move unchanged: every column played is public.
func (*Game) PublicMove(move json.RawMessage) json.RawMessage { return move }
