package bots

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// Every prompt of the built-in set has a written answer pinned to its
// current text; the careful bot gives it, the terse bot gives less of it
// and the verbose bot buries it in more words.
func TestWrittenAnswersCoverTheBuiltInSet(t *testing.T) {
	raw, err := os.ReadFile("../../games/prompt/prompts.json")
	if err != nil {
		t.Fatal(err)
	}
	var set []struct{ ID, Text string }
	if err := json.Unmarshal(raw, &set); err != nil || len(set) == 0 {
		t.Fatalf("prompt set: %v (%d prompts)", err, len(set))
	}
	careful, terseBot, verboseBot := NewTextCareful(), NewTextTerse(), NewTextVerbose()
	for _, p := range set {
		want, ok := lookupAnswer(p.ID, p.Text)
		if !ok {
			t.Errorf("%s: no written answer for its current text", p.ID)
			continue
		}
		view := func() json.RawMessage {
			b, _ := json.Marshal(map[string]any{"game": "prompt", "prompt_id": p.ID, "prompt": p.Text, "max_answer_bytes": 4096})
			return b
		}
		if _, ok := lookupAnswer("other-"+p.ID, p.Text); ok {
			t.Errorf("%s: another id with the same text got the written answer", p.ID)
		}
		got := moveText(t, careful, view())
		if got != want {
			t.Errorf("%s: careful answered %q, want the written answer", p.ID, got)
		}
		if short := moveText(t, terseBot, view()); len(strings.Fields(short)) >= len(strings.Fields(want)) {
			t.Errorf("%s: terse answer %q is not shorter than the written one", p.ID, short)
		}
		if long := moveText(t, verboseBot, view()); !strings.Contains(long, want) || len(long) <= len(want) {
			t.Errorf("%s: verbose answer does not pad the written one", p.ID)
		}
	}
	if _, ok := lookupAnswer(set[0].ID, set[0].Text+" Reworded."); ok {
		t.Error("a reworded prompt got the written answer")
	}
}

func moveText(t *testing.T, b Bot, view json.RawMessage) string {
	t.Helper()
	raw, err := b.Move(t.Context(), view)
	if err != nil {
		t.Fatalf("%s: %v", b.Name(), err)
	}
	var m textMove
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m.Text
}
