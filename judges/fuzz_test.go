package judges

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/agentarena/arena/arena/games/prompt"
)

// FuzzRubricJudge checks the rubric on arbitrary answers and terms: no
// panic, scores in [0, 1], and the same verdict twice.
func FuzzRubricJudge(f *testing.F) {
	f.Add("Explain Raft.", "- a\n- b", "raft", "simply", "bullets", "done")
	f.Add("p", `{"ranks":[0]}`, "", "", "json", "")
	f.Add("p", "```json\n{}\n```", "(", "[", "one_line", "}")
	f.Fuzz(func(t *testing.T, promptText, text, required, forbidden, format, ends string) {
		task := Task{Prompt: promptText, Criteria: prompt.Criteria{
			MinWords: 3, MaxWords: 50, Required: []string{required}, Forbidden: []string{forbidden},
			Format: format, MinItems: 1, MaxItems: 4, JSONKeys: []string{required},
			MaxSentenceWords: 10, EndsWith: ends,
		}}
		entries := []Entry{{Seat: 0, Text: text}, {Seat: 1, Text: promptText}}
		j := NewRubricJudge()
		a, err := j.Rank(context.Background(), task, entries)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range a.Scores {
			if s < 0 || s > 1 {
				t.Fatalf("score %v out of range", s)
			}
		}
		b, _ := j.Rank(context.Background(), task, entries)
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			t.Fatalf("verdict not deterministic:\n%s\n%s", ja, jb)
		}
	})
}
