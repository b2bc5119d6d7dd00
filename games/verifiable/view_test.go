package verifiable

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/agentarena/arena/games"
)

// TestViewsNeverShowTheGroundTruthWhileRunning: seat and public views
// carry the task but not its answer; rivals' answers stay hidden; the
// spectator view after the end shows everything.
func TestViewsNeverShowTheGroundTruthWhileRunning(t *testing.T) {
	st, err := New().Start(games.Setup{Seats: 2, Seed: 11, Options: json.RawMessage(`{"families":["strings"]}`)})
	if err != nil {
		t.Fatal(err)
	}
	s := st.(*State)
	right := s.Task().Want.Render()
	if err := s.Apply(0, json.RawMessage(`{"text":"ANSWER: `+strings.ReplaceAll(right, `"`, `\"`)+`"}`)); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]any{"seat 1's view": s.View(1), "the public view": s.PublicView()} {
		t.Run(name+" has the task text but neither the answer nor seat 0's text", func(t *testing.T) {
			b, _ := json.Marshal(v)
			if !strings.Contains(string(b), `"prompt":`) || strings.Contains(string(b), `"want"`) || strings.Contains(string(b), s.Task().Want.Value) {
				t.Fatalf("view leaks: %s", b)
			}
		})
	}
	t.Run("a move's public form is its size only", func(t *testing.T) {
		if m := New().PublicMove(json.RawMessage(`{"text":"ANSWER: 1","final":true}`)); strings.Contains(string(m), "ANSWER") {
			t.Fatalf("public move %s", m)
		}
	})
	t.Run("after the end the spectator view shows the expected answer and results", func(t *testing.T) {
		if err := s.Apply(0, json.RawMessage(`{"final":true}`)); err != nil {
			t.Fatal(err)
		}
		s.Forfeit(1)
		v := s.View(-1).(SpectatorView)
		if v.Expected != right || !v.Results[0].Passed || v.Results[1].Passed {
			t.Fatalf("spectator view %+v", v)
		}
		if out := s.Outcome(); out.Ranks[0] != 0 || out.Ranks[1] != 1 || len(out.Forfeited) != 1 {
			t.Fatalf("outcome %+v", out)
		}
	})
}
