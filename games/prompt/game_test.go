package prompt

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/agentarena/arena/games"
	"github.com/agentarena/arena/task"
)

// testSet has a criteria-bearing prompt so tests can check the rubric
// never leaks into a view.
var testSet = []Prompt{
	{ID: "t1", Text: "Say 'hello'.", Criteria: task.Criteria{Required: []string{"hello"}, MaxWords: 5}},
	{ID: "t2", Text: "Say 'bye'.", Criteria: task.Criteria{Required: []string{"bye"}, Forbidden: []string{"secretword"}}},
}

func start(t testing.TB, seats int, opts string) *State {
	t.Helper()
	setup := games.Setup{Seats: seats, Seed: 3}
	if opts != "" {
		setup.Options = json.RawMessage(opts)
	}
	st, err := New(testSet).Start(setup)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	return st.(*State)
}

func move(text string, final bool) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"text": text, "final": final})
	return b
}

func mustApply(t testing.TB, s *State, seat int, m json.RawMessage) {
	t.Helper()
	if err := s.Apply(seat, m); err != nil {
		t.Fatalf("seat %d move %s: %v", seat, m, err)
	}
}

func codeOf(err error) string {
	var me *games.MoveError
	if errors.As(err, &me) {
		return me.Code
	}
	return ""
}

func TestStart(t *testing.T) {
	g := New(testSet)
	if g.Name() != "prompt" {
		t.Errorf("name %q", g.Name())
	}
	if lo, hi := g.Seats(); lo != 2 || hi != 8 {
		t.Errorf("seats %d..%d", lo, hi)
	}
	for seed, want := range []string{"t1", "t2", "t1", "t2"} {
		st, err := g.Start(games.Setup{Seats: 2, Seed: uint64(seed)})
		if err != nil {
			t.Fatal(err)
		}
		if got := st.(*State).Prompt().ID; got != want {
			t.Errorf("seed %d picked %s, want %s", seed, got, want)
		}
	}
	bad := []struct {
		name string
		g    *Game
		s    games.Setup
	}{
		{"one seat is too few", g, games.Setup{Seats: 1}},
		{"nine seats are too many", g, games.Setup{Seats: 9}},
		{"an empty set cannot start", New(nil), games.Setup{Seats: 2}},
		{"unknown options are refused", g, games.Setup{Seats: 2, Options: json.RawMessage(`{"max_bytes":5}`)}},
		{"a negative limit is refused", g, games.Setup{Seats: 2, Options: json.RawMessage(`{"max_answer_bytes":-1}`)}},
		{"a limit over the ceiling is refused", g, games.Setup{Seats: 2, Options: json.RawMessage(`{"max_answer_bytes":2000000}`)}},
		{"options must be an object", g, games.Setup{Seats: 2, Options: json.RawMessage(`[1]`)}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.g.Start(tt.s); err == nil {
				t.Error("started")
			}
		})
	}
}

func TestOptions(t *testing.T) {
	for opts, want := range map[string]int{"": 4096, "null": 4096, "{}": 4096, `{"max_answer_bytes":10}`: 10} {
		if got := start(t, 2, opts).MaxAnswerBytes(); got != want {
			t.Errorf("options %q: limit %d, want %d", opts, got, want)
		}
	}
}

func TestNewCopiesTheSet(t *testing.T) {
	set := []Prompt{{ID: "a", Text: "x", Criteria: task.Criteria{Required: []string{"x"}}}}
	g := New(set)
	set[0].ID, set[0].Criteria.Required[0] = "changed", "changed"
	if p := g.Set()[0]; p.ID != "a" || p.Criteria.Required[0] != "x" {
		t.Errorf("game shares the caller's set: %+v", p)
	}
}

func TestApply(t *testing.T) {
	s := start(t, 3, `{"max_answer_bytes":12}`)
	mustApply(t, s, 0, move("Hello", false))
	mustApply(t, s, 2, move("é", false))
	mustApply(t, s, 0, move(", world", true))
	mustApply(t, s, 1, json.RawMessage(`{"final":true}`))
	mustApply(t, s, 2, json.RawMessage(` {"text":"1234567890"} `)) // 2+10 bytes: exactly the limit
	if got, want := s.Answers(), []string{"Hello, world", "", "é1234567890"}; !reflect.DeepEqual(got, want) {
		t.Errorf("answers %q, want %q", got, want)
	}
	if got := s.ToMove(); !reflect.DeepEqual(got, []int{2}) || s.Done() {
		t.Errorf("to move %v, done %v", got, s.Done())
	}
	mustApply(t, s, 2, move("", true))
	if !s.Done() || len(s.ToMove()) != 0 {
		t.Fatal("not done after every seat finalised")
	}
	want := games.Outcome{NeedsJudge: true, Reason: ReasonComplete}
	if got := s.Outcome(); !reflect.DeepEqual(got, want) {
		t.Errorf("outcome %+v, want %+v", got, want)
	}
}

func TestRejectedMovesLeaveStateUnchanged(t *testing.T) {
	tests := []struct {
		name string
		seat int
		move string
		code string
	}{
		{"a string is not a move", 0, `"hi"`, "bad_move"},
		{"null is not a move", 0, `null`, "bad_move"},
		{"an array is not a move", 0, `[{"text":"hi"}]`, "bad_move"},
		{"an empty move is not a move", 0, ``, "bad_move"},
		{"an unknown field is refused", 0, `{"text":"hi","score":10}`, "bad_move"},
		{"a field in the wrong case is refused", 0, `{"TEXT":"hi"}`, "bad_move"},
		{"text must be a string", 0, `{"text":5}`, "bad_move"},
		{"final must be a boolean", 0, `{"final":"yes"}`, "bad_move"},
		{"invalid UTF-8 is refused", 0, "{\"text\":\"\xff\"}", "bad_move"},
		{"trailing data is refused", 0, `{"text":"a"} {"text":"b"}`, "bad_move"},
		{"an unterminated object is refused", 0, `{"text":"a"`, "bad_move"},
		{"text past the limit is refused whole", 0, `{"text":"0123456789","final":true}`, "too_large"},
		{"multi-byte text counts bytes", 0, `{"text":"éééé"}`, "too_large"},
		{"a final seat cannot write", 1, `{"text":"more"}`, "not_your_turn"},
		{"a forfeited seat cannot write", 2, `{"text":"back"}`, "not_your_turn"},
		{"a missing seat cannot write", 3, `{"text":"hi"}`, "not_your_turn"},
		{"a spectator cannot write", -1, `{"text":"hi"}`, "not_your_turn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t, 3, `{"max_answer_bytes":10}`)
			mustApply(t, s, 0, move("abc", false))
			mustApply(t, s, 1, move("done", true))
			s.Forfeit(2)
			before, _ := s.Marshal()
			err := s.Apply(tt.seat, json.RawMessage(tt.move))
			if code := codeOf(err); code != tt.code {
				t.Fatalf("code %q (%v), want %q", code, err, tt.code)
			}
			if after, _ := s.Marshal(); !bytes.Equal(before, after) {
				t.Errorf("state changed:\n%s\n%s", before, after)
			}
		})
	}
	t.Run("no move is accepted once every answer is in", func(t *testing.T) {
		s := start(t, 2, "")
		mustApply(t, s, 0, move("a", true))
		s.Forfeit(1)
		if code := codeOf(s.Apply(0, move("b", false))); code != "game_over" {
			t.Errorf("code %q, want game_over", code)
		}
	})
}

func TestForfeit(t *testing.T) {
	t.Run("a game with all but one seat forfeited still needs the judge", func(t *testing.T) {
		s := start(t, 4, "")
		for _, seat := range []int{0, 2, 3} {
			s.Forfeit(seat)
		}
		if s.Done() || !reflect.DeepEqual(s.ToMove(), []int{1}) {
			t.Fatalf("the last seat should still be writing: to move %v", s.ToMove())
		}
		mustApply(t, s, 1, move("only me", true))
		want := games.Outcome{NeedsJudge: true, Forfeited: []int{0, 2, 3}, Reason: ReasonComplete}
		if got := s.Outcome(); !s.Done() || !reflect.DeepEqual(got, want) {
			t.Errorf("outcome %+v, want %+v", got, want)
		}
	})
	t.Run("a final seat that disconnects keeps its answer", func(t *testing.T) {
		s := start(t, 2, "")
		mustApply(t, s, 0, move("answer", true))
		s.Forfeit(0)
		s.Forfeit(1)
		if got := s.Outcome().Forfeited; !reflect.DeepEqual(got, []int{1}) {
			t.Errorf("forfeited %v, want [1]", got)
		}
	})
	t.Run("seats that do not exist are ignored", func(t *testing.T) {
		s := start(t, 2, "")
		s.Forfeit(-1)
		s.Forfeit(2)
		if s.Forfeited() != nil {
			t.Errorf("forfeited %v", s.Forfeited())
		}
	})
	t.Run("the outcome is empty while answers are open", func(t *testing.T) {
		if o := start(t, 2, "").Outcome(); !reflect.DeepEqual(o, games.Outcome{}) {
			t.Errorf("outcome %+v", o)
		}
	})
}

func TestViews(t *testing.T) {
	s := start(t, 3, `{"max_answer_bytes":100}`) // seed 3 picks t2
	mustApply(t, s, 0, move("bye <3", true))
	mustApply(t, s, 1, move("so long", false))
	s.Forfeit(2)
	tests := []struct {
		name string
		seat int
		want string
	}{
		{"a seat sees only its own answer", 1,
			`{"game":"prompt","prompt_id":"t2","prompt":"Say 'bye'.","max_answer_bytes":100,"you":1,"final":false,"answer":"so long"}`},
		{"a final seat sees it is final", 0,
			`{"game":"prompt","prompt_id":"t2","prompt":"Say 'bye'.","max_answer_bytes":100,"you":0,"final":true,"answer":"bye \u003c3"}`},
		{"a seat past the last sees nobody's answer", 5,
			`{"game":"prompt","prompt_id":"t2","prompt":"Say 'bye'.","max_answer_bytes":100,"you":5,"final":false,"answer":""}`},
		{"a spectator sees every answer", -1,
			`{"game":"prompt","prompt_id":"t2","prompt":"Say 'bye'.","answers":["bye \u003c3","so long",""],"finals":[true,false,false],"forfeited":[false,false,true]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(s.View(tt.seat))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("view\n got %s\nwant %s", got, tt.want)
			}
			if strings.Contains(string(got), "criteria") || strings.Contains(string(got), "secretword") {
				t.Error("view leaks the criteria")
			}
		})
	}
}

func TestAccessorsReturnCopies(t *testing.T) {
	s := start(t, 2, "")
	mustApply(t, s, 0, move("mine", false))
	s.Answers()[0] = "changed"
	s.Prompt().Criteria.Required[0] = "changed"
	s.Finals()[0] = true
	if s.Answers()[0] != "mine" || s.Prompt().Criteria.Required[0] != "bye" || s.Finals()[0] {
		t.Error("an accessor exposed internal state")
	}
}

func TestMarshalLoadRoundTrip(t *testing.T) {
	fresh := start(t, 2, "")
	mid := start(t, 5, `{"max_answer_bytes":64}`)
	mustApply(t, mid, 0, move("<b>&\u2028 \"quoted\" ünïcödé 🎲", false))
	mustApply(t, mid, 3, move("line1\nline2", true))
	mid.Forfeit(4)
	done := start(t, 2, "")
	mustApply(t, done, 0, move("x", true))
	mustApply(t, done, 1, move("y", true))
	for name, s := range map[string]*State{"fresh": fresh, "in progress": mid, "done": done} {
		t.Run(name, func(t *testing.T) {
			a, err := s.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			loaded, err := New(nil).Load(a)
			if err != nil {
				t.Fatalf("load %s: %v", a, err)
			}
			b, _ := loaded.Marshal()
			if !bytes.Equal(a, b) {
				t.Errorf("round trip changed bytes:\n%s\n%s", a, b)
			}
			for seat := -1; seat < 2; seat++ {
				if !reflect.DeepEqual(s.View(seat), loaded.View(seat)) {
					t.Errorf("view %d changed", seat)
				}
			}
		})
	}
}

func TestLoadRejectsImpossibleStates(t *testing.T) {
	good := `{"version":1,"seed":0,"prompt":{"id":"a","text":"b","criteria":{}},"max_answer_bytes":4,`
	tests := []struct{ name, data string }{
		{"not JSON", `{`},
		{"an unknown version", strings.Replace(good, `"version":1`, `"version":9`, 1) + `"answers":["",""],"finals":[false,false],"forfeited":[false,false]}`},
		{"an unknown field", good + `"answers":["",""],"finals":[false,false],"forfeited":[false,false],"x":1}`},
		{"one seat", good + `"answers":[""],"finals":[false],"forfeited":[false]}`},
		{"mismatched seat arrays", good + `"answers":["",""],"finals":[false],"forfeited":[false,false]}`},
		{"an answer over the limit", good + `"answers":["12345",""],"finals":[false,false],"forfeited":[false,false]}`},
		{"a seat both final and forfeited", good + `"answers":["",""],"finals":[true,false],"forfeited":[true,false]}`},
		{"no limit", strings.Replace(good, `"max_answer_bytes":4`, `"max_answer_bytes":0`, 1) + `"answers":["",""],"finals":[false,false],"forfeited":[false,false]}`},
		{"no prompt", `{"version":1,"seed":0,"prompt":{"id":"","text":"","criteria":{}},"max_answer_bytes":4,"answers":["",""],"finals":[false,false],"forfeited":[false,false]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Load([]byte(tt.data)); err == nil {
				t.Error("loaded")
			}
		})
	}
	if _, err := Load([]byte(good + `"answers":["1234",""],"finals":[true,false],"forfeited":[false,true]}`)); err != nil {
		t.Errorf("a valid state was rejected: %v", err)
	}
}
