package prompt

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/agentarena/arena/arena/games"
)

// FuzzApplyMove offers arbitrary bytes as a move from every seat of a
// three-seat contest with a small limit. A move never panics; a rejected
// one is a *MoveError and changes nothing; every answer stays valid UTF-8
// and within the limit; the state survives Marshal/Load byte for byte.
func FuzzApplyMove(f *testing.F) {
	for _, seed := range []string{
		`{"text":"hi"}`, `{"text":"hi","final":true}`, `{"final":true}`, `{}`, `null`, `"x"`,
		`{"text":"\ud800"}`, "{\"text\":\"\xff\"}", `{"Text":"a"}`, `{"text":"0123456789abcdef"}`,
		`{"text":"a","text":"b"}`, `{"text":"é"} `, `[]`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, move []byte) {
		st, err := New(testSet).Start(games.Setup{Seats: 3, Seed: 1, Options: json.RawMessage(`{"max_answer_bytes":16}`)})
		if err != nil {
			t.Fatal(err)
		}
		s := st.(*State)
		s.Forfeit(2)
		for round := range 2 { // twice, so appends and finals interact
			for seat := range 3 {
				before, _ := s.Marshal()
				if err := s.Apply(seat, json.RawMessage(move)); err != nil {
					if !games.IsMoveError(err) {
						t.Fatalf("round %d seat %d: %v is not a MoveError", round, seat, err)
					}
					if after, _ := s.Marshal(); !bytes.Equal(before, after) {
						t.Fatalf("rejected move %q changed the state", move)
					}
				}
			}
		}
		for i, a := range s.Answers() {
			if !utf8.ValidString(a) || len(a) > 16 {
				t.Fatalf("seat %d answer %q breaks the limits", i, a)
			}
		}
		a, _ := s.Marshal()
		loaded, err := Load(a)
		if err != nil {
			t.Fatalf("load own output %s: %v", a, err)
		}
		if b, _ := loaded.Marshal(); !bytes.Equal(a, b) {
			t.Fatal("round trip changed bytes")
		}
	})
}
