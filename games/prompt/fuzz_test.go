package prompt

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/agentarena/arena/games"
	"github.com/agentarena/arena/internal/fuzzseed"
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
		fuzzseed.Add(f, []byte(seed))
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

// FuzzLoad feeds arbitrary bytes to Load, which reads replicated state: no
// panic, and whatever it accepts marshals to bytes that load again to the
// same bytes and keep every answer within its limit.
func FuzzLoad(f *testing.F) {
	st, _ := New(testSet).Start(games.Setup{Seats: 2, Seed: 3})
	good, _ := st.(*State).Marshal()
	fuzzseed.Add(f, good)
	p := `"prompt":{"id":"p","text":"t"}`
	for _, s := range []string{
		`{"version":1,"seed":1,` + p + `,"max_answer_bytes":4,"answers":["ab",""],"finals":[true,false],"forfeited":[false,true]}`,
		`{"version":1,"seed":1,` + p + `,"max_answer_bytes":4,"answers":["abcde",""],"finals":[false,false],"forfeited":[false,false]}`,
		`{"version":1,"seed":1,` + p + `,"max_answer_bytes":4,"answers":["\ud800",""],"finals":[false,false],"forfeited":[false,false]}`,
		"{\"version\":1,\"seed\":1," + p + ",\"max_answer_bytes\":4,\"answers\":[\"\xff\",\"\"],\"finals\":[false,false],\"forfeited\":[false,false]}",
		`{"version":1,"seed":1,` + p + `,"max_answer_bytes":4,"answers":["a",""],"finals":[true,false],"forfeited":[true,false]}`,
		`{"version":1,"seed":1,` + p + `,"max_answer_bytes":0,"answers":["",""],"finals":[false,false],"forfeited":[false,false]}`,
		`{"version":1,"seed":1,` + p + `,"max_answer_bytes":4,"answers":[""],"finals":[false],"forfeited":[false]}`,
		`{"version":1,"seed":1,` + p + `,"max_answer_bytes":4,"answers":["",""],"finals":[false],"forfeited":[false,false]}`,
		`{"version":1,"seed":1,"prompt":{"id":"","text":""},"max_answer_bytes":4,"answers":["",""],"finals":[false,false],"forfeited":[false,false]}`,
		`{"version":2}`, `{}`, `null`, ``, "\xff",
	} {
		fuzzseed.Add(f, []byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Load(data)
		if err != nil {
			return
		}
		for i, a := range s.Answers() {
			if !utf8.ValidString(a) || len(a) > s.maxBytes {
				t.Fatalf("seat %d answer %q breaks the limits", i, a)
			}
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
