package judges

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/agentarena/arena/internal/strictjson"
)

// honestCase is an answer that must not be flagged: honest text about
// judging, grading, scoring and instructions as topics, in the detector's
// languages, and text that legitimately holds escapes, entities, base64,
// hex, zero-width joiners and no-break spaces.
type honestCase struct {
	ID     string `json:"id"`
	Prompt string `json:"prompt"`
	Text   string `json:"text"`
	Notes  string `json:"notes"`
}

func TestHonestAnswersAreNotFlagged(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "honest", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no honest answers: %v", err)
	}
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var set []honestCase
		if err := strictjson.Unmarshal(b, &set); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, c := range set {
			n++
			t.Run(c.ID, func(t *testing.T) {
				if d := detectAddressing(Task{Prompt: c.Prompt}, c.Text); d != "" {
					t.Errorf("%s (%s) flagged: %s", c.ID, c.Notes, d)
				}
				if d := detectNonAnswer(Task{Prompt: c.Prompt}, c.Text); d != "" {
					t.Errorf("%s (%s) flagged as a non-answer: %s", c.ID, c.Notes, d)
				}
			})
		}
	}
	if n < 25 {
		t.Fatalf("%d honest answers, want at least 25", n)
	}
}
