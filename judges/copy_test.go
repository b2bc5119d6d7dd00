package judges

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/task"
)

func TestDetectCopy(t *testing.T) {
	prose := Task{PromptID: "p1", Prompt: "In 40 to 80 words, explain why a Raft cluster needs a majority to elect a leader.",
		Criteria: task.Criteria{MinWords: 40, MaxWords: 80, Format: "plain"}}
	original := "A leader must be known to every later leader, so each election needs votes from more than half of the nodes. " +
		"Any two majorities overlap in at least one node, and that node refuses to vote for a candidate whose log is behind its own. " +
		"This overlap is what keeps two leaders from ruling the same term and keeps committed entries safe."
	// A copier changes a word or two and adds a sentence.
	copied := strings.Replace(original, "keeps two leaders", "stops two leaders", 1) + " It is a simple rule."
	independent := "Raft counts votes so that no two candidates can both win a term. A candidate needs more than half of " +
		"the servers, and since two such groups always share a server, whose single vote per term goes to one side, " +
		"a split brain cannot happen. Waiting for a majority also means the winner's log holds every committed entry."
	t1, t2, t3 := time.Unix(100, 0), time.Unix(200, 0), time.Unix(300, 0)
	jsonTask := Task{PromptID: "p2", Prompt: "Return the fields as JSON.", Criteria: task.Criteria{Format: "json", JSONKeys: []string{"name"}}}
	tests := []struct {
		name    string
		task    Task
		e       Entry
		flagged bool
	}{
		{"a light edit of another owner's earlier answer is a copy", prose,
			Entry{Text: copied, Published: []Prior{{Text: original, At: t1, Contest: "c_orig"}}}, true},
		{"the same answer word for word is a copy", prose,
			Entry{Text: original, Published: []Prior{{Text: original, At: t1, Contest: "c_orig"}}}, true},
		{"its author giving it again, after a copier published it, is not", prose,
			Entry{Text: original, Published: []Prior{{Text: copied, At: t2, Contest: "c_copy"}}, Own: []Prior{{Text: original, At: t1}}}, false},
		{"a copier that copied before is still copying", prose,
			Entry{Text: copied, Published: []Prior{{Text: original, At: t1}}, Own: []Prior{{Text: copied, At: t2}}}, true},
		{"an own answer given only after the other owner's is no alibi", prose,
			Entry{Text: copied, Published: []Prior{{Text: original, At: t1}}, Own: []Prior{{Text: copied, At: t3}}}, true},
		{"the same answer in look-alike letters is a copy", prose,
			Entry{Text: strings.NewReplacer("a", "а", "e", "е", "o", "о", "p", "р", "c", "с").Replace(original),
				Published: []Prior{{Text: original, At: t1, Contest: "c_orig"}}}, true},
		{"the same answer with invisible characters inside its words is a copy", prose,
			Entry{Text: strings.ReplaceAll(original, "e", "e\u200b"), Published: []Prior{{Text: original, At: t1, Contest: "c_orig"}}}, true},
		{"an independent answer to the same prompt is not a copy", prose,
			Entry{Text: independent, Published: []Prior{{Text: original, At: t1}}}, false},
		{"nothing published: nothing to copy", prose, Entry{Text: original}, false},
		{"a copy of the house's reference answer is a copy", prose,
			Entry{Text: copied, Published: []Prior{{Text: original, At: ReferenceTime, Reference: true}}}, true},
		{"the house giving its reference answer after a copier is not", prose,
			Entry{Text: original, Published: []Prior{{Text: copied, At: t1, Contest: "c_copy"}}, Own: []Prior{{Text: original, At: ReferenceTime, Reference: true}}}, false},
		{"a JSON answer has one right form: never a copy", jsonTask,
			Entry{Text: `{"name": "Ada Park", "city": "Lisbon", "age": 36, "note": "moved to Lisbon last spring with her family"}`,
				Published: []Prior{{Text: `{"name": "Ada Park", "city": "Lisbon", "age": 36, "note": "moved to Lisbon last spring with her family"}`, At: t1}}}, false},
		{"a short answer is too short to tell", prose,
			Entry{Text: "Votes from a majority keep two leaders apart.", Published: []Prior{{Text: "Votes from a majority keep two leaders apart.", At: t1}}}, false},
		{"the prompt's own words are not evidence", prose,
			Entry{Text: prose.Prompt + " " + prose.Prompt, Published: []Prior{{Text: prose.Prompt + " " + prose.Prompt, At: t1}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := detectCopy(tt.task, tt.e)
			if (d != "") != tt.flagged {
				t.Fatalf("detectCopy = %q, want flagged %v", d, tt.flagged)
			}
			if tt.flagged && !strings.Contains(d, "another owner's agent published earlier") && !strings.Contains(d, "the house's published reference answer") {
				t.Errorf("detail %q does not say what was copied", d)
			}
		})
	}
}

// TestCopiedAnswerRanksBelowItsAuthor: in one contest the author's
// answer and its copy meet; the copy is flagged and ranks below.
func TestCopiedAnswerRanksBelowItsAuthor(t *testing.T) {
	tk := Task{PromptID: "p1", Prompt: "In 40 to 80 words, explain why a Raft cluster needs a majority to elect a leader.",
		Criteria: task.Criteria{MinWords: 40, MaxWords: 80, Format: "plain"}}
	original := "A leader must be known to every later leader, so each election needs votes from more than half of the nodes. " +
		"Any two majorities overlap in at least one node, and that node refuses to vote for a candidate whose log is behind its own. " +
		"This overlap is what keeps two leaders from ruling the same term and keeps committed entries safe."
	at := time.Unix(100, 0)
	v, err := NewRubricJudge().Rank(context.Background(), tk, []Entry{
		{Seat: 0, Text: original, Own: []Prior{{Text: original, At: at}}},
		{Seat: 1, Text: original, Published: []Prior{{Text: original, At: at, Contest: "c_first"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if v.Ranks[0] != 0 || v.Ranks[1] != 1 || v.Scores[1] > v.Scores[0]/2+1e-9 {
		t.Fatalf("ranks %v, scores %v: the copy must rank below its author at half the score or less", v.Ranks, v.Scores)
	}
	if len(v.Flags) != 1 || v.Flags[0].Entry != 1 || v.Flags[0].Kind != FlagCopied {
		t.Fatalf("flags %+v, want one copied flag on entry 1", v.Flags)
	}
}
