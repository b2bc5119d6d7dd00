package connect4

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/agentarena/arena/games"
	"github.com/agentarena/arena/internal/fuzzseed"
)

// FuzzApplyMove plays a prefix of columns (one byte each, mod 7) to reach
// an arbitrary position, then offers arbitrary bytes as a move from both
// seats. A move never panics; a rejected one is a *MoveError and changes
// nothing; an accepted one adds exactly one disc; the state always
// survives a Marshal/Load round trip byte for byte.
func FuzzApplyMove(f *testing.F) {
	for _, seed := range []struct{ prefix, move string }{
		{"", "3"}, {"\x00\x01\x00\x01\x00\x01", "0"}, {"", "3.5"}, {"", `"3"`},
		{"", "-1"}, {"", "7"}, {"", "99999999999999999999"}, {"", "null"},
		{"\x00\x00\x00\x00\x00\x00", "0"}, {"", " 6 "}, {"", "\xff"},
	} {
		fuzzseed.Add(f, []byte(seed.prefix), []byte(seed.move))
	}
	f.Fuzz(func(t *testing.T, prefix, move []byte) {
		st, _ := New().Start(games.Setup{Seats: 2})
		s := st.(*State)
		for _, c := range prefix {
			if s.Done() {
				break
			}
			col := int(c) % Cols
			if s.board.Playable(col) {
				s.play(col)
			}
		}
		for seat := range 2 {
			before, err := s.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			n := len(s.history)
			if err := s.Apply(seat, json.RawMessage(move)); err != nil {
				if !games.IsMoveError(err) {
					t.Fatalf("error %v is not a MoveError", err)
				}
				if after, _ := s.Marshal(); !bytes.Equal(before, after) {
					t.Fatalf("rejected move %q changed the state", move)
				}
			} else if len(s.history) != n+1 {
				t.Fatalf("accepted move %q played %d discs", move, len(s.history)-n)
			}
		}
		a, _ := s.Marshal()
		loaded, err := Load(a)
		if err != nil {
			t.Fatalf("load own output %s: %v", a, err)
		}
		if b, _ := loaded.Marshal(); !bytes.Equal(a, b) {
			t.Fatalf("round trip changed bytes")
		}
	})
}

// FuzzLoad feeds arbitrary bytes to Load, which reads replicated state: no
// panic, and whatever it accepts is a position a real game reaches, so it
// marshals to bytes that load again to the same bytes.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		`{"version":1,"seed":0,"moves":[],"forfeited":-1}`, `{"version":1,"seed":7,"moves":[3,3,4,4,5,5,6],"forfeited":-1}`,
		`{"version":1,"seed":7,"moves":[3,3,4,4,5,5,6,0],"forfeited":-1}`, `{"version":1,"seed":1,"moves":[0,0,0,0,0,0,0],"forfeited":-1}`,
		`{"version":1,"seed":1,"moves":[7],"forfeited":-1}`, `{"version":1,"seed":1,"moves":[-1],"forfeited":-1}`,
		`{"version":1,"seed":1,"moves":[],"forfeited":0}`, `{"version":1,"seed":1,"moves":[],"forfeited":2}`,
		`{"version":2,"seed":1,"moves":[],"forfeited":-1}`, `{"version":1,"seed":1,"moves":[],"forfeited":-1,"x":1}`,
		`{"version":1,"seed":-1,"moves":null,"forfeited":-1}`, `{}`, `null`, ``, "\xff",
	} {
		fuzzseed.Add(f, []byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Load(data)
		if err != nil {
			return
		}
		a, err := s.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		again, err := Load(a)
		if err != nil {
			t.Fatalf("load own output %s: %v", a, err)
		}
		if b, _ := again.Marshal(); !bytes.Equal(a, b) {
			t.Fatalf("round trip changed %s into %s", a, b)
		}
	})
}
