package connect4

import (
	"encoding/json"
	"fmt"

	"github.com/agentarena/arena/games"
	"github.com/agentarena/arena/internal/strictjson"
)

// wire is the replicated encoding. It keeps only what cannot be derived
// (the moves and a forfeit); Load rebuilds board, winner and winning cells
// by replaying, so a stored state can never be internally inconsistent.
// Field order is fixed by the struct, so equal states give equal bytes.
type wire struct {
	Version   int    `json:"version"`
	Seed      uint64 `json:"seed"`
	Moves     []int  `json:"moves"`
	Forfeited int    `json:"forfeited"` // seat, or -1
}

const wireVersion = 1

// Marshal encodes the state deterministically.
func (s *State) Marshal() ([]byte, error) {
	return json.Marshal(wire{Version: wireVersion, Seed: s.seed, Moves: s.history, Forfeited: s.forfeited})
}

// Load restores a state from Marshal output by replaying its moves, and
// rejects anything a real game could not have produced.
func (*Game) Load(data []byte) (games.State, error) {
	return Load(data)
}

// Load is Game.Load with the concrete type, for bots and tests.
func Load(data []byte) (*State, error) {
	var w wire
	if err := strictjson.UnmarshalNamed(data, &w, "state"); err != nil {
		return nil, fmt.Errorf("decode connect4 state: %w", err)
	}
	if w.Version != wireVersion {
		return nil, fmt.Errorf("decode connect4 state: unknown version %d", w.Version)
	}
	s := newState(w.Seed)
	for i, col := range w.Moves {
		if s.over {
			return nil, fmt.Errorf("decode connect4 state: move %d after the game ended", i)
		}
		if !s.board.Playable(col) {
			return nil, fmt.Errorf("decode connect4 state: move %d: column %d not playable", i, col)
		}
		s.play(col)
	}
	switch {
	case w.Forfeited == -1:
	case w.Forfeited != 0 && w.Forfeited != 1:
		return nil, fmt.Errorf("decode connect4 state: bad forfeited seat %d", w.Forfeited)
	case s.over:
		return nil, fmt.Errorf("decode connect4 state: forfeit after the game ended")
	default:
		s.Forfeit(w.Forfeited)
	}
	return s, nil
}
