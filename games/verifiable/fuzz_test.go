package verifiable

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/agentarena/arena/games"
	"github.com/agentarena/arena/internal/fuzzseed"
)

// FuzzCheck grades arbitrary answer text against one task of every answer
// kind: the checker never panics, a score is in [0, 1], passing is exactly
// scoring 1, and a format error is readable UTF-8 text.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		"ANSWER: 42", "ANSWER: 12.50", "ANSWER: [1, 2, 3, 4]", `ANSWER: {"a": 1, "a": 2}`, `ANSWER: "olleh"`,
		"ANSWER:", "ANSWER:\n", "x\nANSWER: b\n", `ANSWER: ["Ada", "Ben", "Cy"]`, "ANSWER: 2026-02-30", "ANSWER: 1e309",
		"ANSWER: [" + string(bytes.Repeat([]byte("1,"), 100)) + "1]", "ANSWER: {\"order_id\": \"\xff\"}", "ANSWER: {", "\r\nANSWER: 42\r",
	} {
		fuzzseed.Add(f, s)
	}
	wants := []Want{wantInt, wantNum, wantDate, wantWord, wantStr, wantList, wantObj, wantOrder,
		{Kind: KindDateTime, Value: "2026-03-14 09:05"}, {Kind: KindList, Elem: FieldString, Items: []string{"a"}}}
	f.Fuzz(func(t *testing.T, answer string) {
		for _, w := range wants {
			r := Check(w, answer)
			if r.Score < 0 || r.Score > 1 || r.Passed != (r.Score == 1) {
				t.Fatalf("%s answer %q: inconsistent %+v", w.Kind, answer, r)
			}
			if r.FormatError != "" && (r.Score != 0 || len(r.Checks) > 0) {
				t.Fatalf("%s answer %q: a format error with a score %+v", w.Kind, answer, r)
			}
			if utf8.ValidString(answer) && !utf8.ValidString(r.FormatError) {
				t.Fatalf("format error %q is not UTF-8", r.FormatError)
			}
		}
	})
}

// FuzzParseOptions: arena options come from operators over the API. No
// panic, and any accepted options draw a task.
func FuzzParseOptions(f *testing.F) {
	for _, s := range []string{`{}`, `null`, ``, `{"families":["dates"],"levels":[1]}`, `{"held_out":["logic"],"eval":true}`,
		`{"held_out_percent":50}`, `{"held_out_percent":99,"eval":true}`, `{"families":["nope"]}`, `{"levels":[4]}`,
		`{"held_out":["arithmetic","dates","lists","extract","counting","strings","logic"]}`, `{"max_answer_bytes":-1}`, `{"x":1}`} {
		fuzzseed.Add(f, []byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		o, err := ParseOptions(raw)
		if err != nil {
			return
		}
		for seed := uint64(0); seed < 3; seed++ {
			if _, err := Generate(seed, o); err != nil {
				t.Fatalf("accepted options %s draw no task: %v", raw, err)
			}
		}
	})
}

// FuzzApplyMove offers arbitrary bytes as every seat's move: never a
// panic, a rejection is a MoveError that changes nothing, the result
// survives Marshal/Load byte for byte, and the finished game's ranks
// follow its checker scores.
func FuzzApplyMove(f *testing.F) {
	for _, s := range []string{`{"text":"ANSWER: 1","final":true}`, `{"text":"x"}`, `{"final":true}`, `{}`, `null`,
		`{"text":"\ud800"}`, "{\"text\":\"\xff\"}", `{"Text":"a"}`, `[]`, ``} {
		fuzzseed.Add(f, []byte(s))
	}
	f.Fuzz(func(t *testing.T, move []byte) {
		st, err := New().Start(games.Setup{Seats: 3, Seed: 5, Options: json.RawMessage(`{"max_answer_bytes":64}`)})
		if err != nil {
			t.Fatal(err)
		}
		s := st.(*State)
		s.Forfeit(2)
		for round := range 2 {
			for seat := range 3 {
				before, _ := s.Marshal()
				if err := s.Apply(seat, move); err != nil {
					if !games.IsMoveError(err) {
						t.Fatalf("round %d seat %d: %v is not a MoveError", round, seat, err)
					}
					if after, _ := s.Marshal(); !bytes.Equal(before, after) {
						t.Fatal("a rejected move changed the state")
					}
				}
			}
		}
		a, _ := s.Marshal()
		loaded, err := Load(a)
		if err != nil {
			t.Fatalf("load own output: %v", err)
		}
		if b, _ := loaded.Marshal(); !bytes.Equal(a, b) {
			t.Fatal("round trip changed bytes")
		}
		if s.Done() {
			out, res := s.Outcome(), s.Results()
			if out.Ranks[2] < out.Ranks[0] || out.Ranks[2] < out.Ranks[1] {
				t.Fatalf("the forfeited seat ranks %v", out.Ranks)
			}
			if (res[0].Score > res[1].Score) != (out.Ranks[0] < out.Ranks[1]) {
				t.Fatalf("ranks %v do not follow scores %v, %v", out.Ranks, res[0].Score, res[1].Score)
			}
		}
	})
}

// FuzzLoad reads arbitrary replicated state: no panic; what loads can be
// viewed, ranked and round-tripped.
func FuzzLoad(f *testing.F) {
	st, _ := New().Start(games.Setup{Seats: 2, Seed: 3})
	good, _ := st.(*State).Marshal()
	fuzzseed.Add(f, good)
	fuzzseed.Add(f, []byte(`{"version":1,"seed":1,"task":{"id":"x","family":"logic","level":1,"text":"t","data":{},"want":{"kind":"order"}},"max_answer_bytes":8,"answers":["",""],"finals":[true,true],"forfeited":[false,false]}`))
	fuzzseed.Add(f, []byte(`{"version":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Load(data)
		if err != nil {
			return
		}
		_, _ = json.Marshal(s.View(-1))
		_, _ = json.Marshal(s.PublicView())
		_ = s.Outcome()
		a, _ := s.Marshal()
		again, err := Load(a)
		if err != nil {
			t.Fatalf("load own output %s: %v", a, err)
		}
		if b, _ := again.Marshal(); !bytes.Equal(a, b) {
			t.Fatal("round trip changed bytes")
		}
	})
}
