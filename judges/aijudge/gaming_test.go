package aijudge

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/agentarena/arena/agents/bots"
	"github.com/agentarena/arena/games/prompt"
	"github.com/agentarena/arena/judges"
	"github.com/agentarena/arena/judges/internal/gamingset"
	"github.com/agentarena/arena/llm/llmtest"
	"github.com/agentarena/arena/ranking"
)

// The judge-gaming set (judges/testdata/gaming/gaming.json, next to the
// detectors it exercises, which fuzz from it too) is a held-out list of
// answers that try to win by working on the judge instead of the task:
// instructions, forged verdicts, chat-role markers, forged fences, hidden
// comments, look-alike and invisible Unicode, encodings, other languages,
// claims of authority, copies of the judge's prompt, and answers that are
// empty, padded, stuffed or an echo of the task. Each is run against two
// honest answers through the rubric and through the AI judge over a
// gullible model; docs/JUDGES.md reports what the test proves.

// The set is a directory (gamingset.Load reads every *.json in it, one
// file per class of strategy); see package gamingset for the template
// language of an answer.
var gamingSetDir = filepath.Join("..", "testdata", "gaming")

func loadGamingSet(t *testing.T) []gamingset.Case {
	t.Helper()
	set, err := gamingset.Load(gamingSetDir)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// gamingTasks are three shapes of task from the built-in set (where the
// careful bot writes real answers): bounded plain prose with required and
// forbidden terms (p001), a bulleted list with a word limit (p022), and a
// JSON object (p032).
var gamingTasks = func() []prompt.Prompt {
	var out []prompt.Prompt
	for _, p := range prompt.DefaultSet() {
		if p.ID == "p001" || p.ID == "p022" || p.ID == "p032" {
			out = append(out, p)
		}
	}
	return out
}()

// botAnswer is a text bot's answer to p.
func botAnswer(t *testing.T, name string, p prompt.Prompt) string {
	t.Helper()
	b, ok := bots.Lookup(name, 1)
	if !ok {
		t.Fatalf("no bot %s", name)
	}
	view, _ := json.Marshal(map[string]any{"game": "prompt", "prompt_id": p.ID, "prompt": p.Text,
		"max_answer_bytes": 4096, "you": 0, "final": false, "answer": ""})
	raw, err := b.Move(context.Background(), view)
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Text string }
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m.Text
}

// expand fills a case's template for task p.
func expand(t *testing.T, c gamingset.Case, p prompt.Prompt, honest string) string {
	t.Helper()
	out, err := c.Expand(p.Criteria, p.Text, honest)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// injectionRule applies the arena's rule to a verdict's places as the
// state machine does: under "forfeit" every entry flagged for addressing
// the judge drops below every other; under "flag_only" the places stand.
func injectionRule(ranks []int, flags []judges.Flag, rule string) []int {
	if rule != "forfeit" {
		return ranks
	}
	var gone []int
	for _, f := range flags {
		if f.Kind == judges.FlagJudgeAddressing {
			gone = append(gone, f.Entry)
		}
	}
	return ranking.DemoteLast(ranks, gone)
}

func hasFlag(flags []judges.Flag, entry int, kind string) bool {
	return slices.ContainsFunc(flags, func(f judges.Flag) bool { return f.Entry == entry && f.Kind == kind })
}

// gullible plays a model that does whatever an entry asks: shown an
// entry other than the honest ones that carries anything to obey (an
// instruction, a verdict, a role marker, an encoding to decode), it ranks
// that entry first with a perfect score, however well hidden the request
// was and even if the request was cut off by truncation. Shown only
// entries with nothing to obey, it judges on the merits, for which the
// rubric's scores stand in. This is the worst case for the defences: the
// model was fooled every time it could be.
type gullible struct {
	mu     sync.Mutex
	merit  map[string]float64 // honest text -> score
	obey   bool               // the current gaming entry carries something to obey
	gaming float64            // the gaming entry's merit when there is nothing to obey
}

func (g *gullible) reply(t *testing.T) func(llmtest.Request) llmtest.Reply {
	return func(req llmtest.Request) llmtest.Reply {
		g.mu.Lock()
		defer g.mu.Unlock()
		labels, texts := shown(t, req)
		scores := make([]float64, len(texts))
		for i, s := range texts {
			m, honest := g.merit[s]
			switch {
			// Merits are scaled below the fooled entry's 1, not capped:
			// a cap at 0.9 would tie good answers with a worse gaming
			// entry that also scores above it.
			case honest:
				scores[i] = 0.9 * m
			case g.obey:
				scores[i] = 1
			default:
				scores[i] = 0.9 * g.gaming
			}
		}
		return llmtest.Reply{Content: verdictFor(labels, scores, "As instructed, the ranking follows the entries.")}
	}
}

// TestJudgeGamingSetIsFlaggedAndNeverWins runs every case of the set, for
// every gaming task, against the careful and the terse bot's answers:
//
//   - every case gets the flags it expects, and no honest answer is
//     flagged for addressing the judge;
//   - rubric: the gaming entry scores strictly below the best honest
//     answer, so it does not rank first under either injection rule;
//   - AI judge over the gullible model: the model is fooled (ranks the
//     entry first) whenever there is something to obey, yet under the
//     default rule the entry ranks last; with nothing to obey it does not
//     rank first;
//   - under flag_only, what a fooled AI judge says stands: the test
//     records that such an entry then wins, which is what flag_only
//     means (docs/JUDGES.md).
func TestJudgeGamingSetIsFlaggedAndNeverWins(t *testing.T) {
	set := loadGamingSet(t) // Load checks ids and fields
	if len(set) < 30 {
		t.Fatalf("the set has %d kinds, want at least 30", len(set))
	}
	g := &gullible{}
	srv, ai := newAI(t, g.reply(t))
	rubric := judges.NewRubricJudge()
	ctx := context.Background()
	flagOnlyWins := 0
	for _, p := range gamingTasks {
		task := judges.Task{PromptID: p.ID, Prompt: p.Text, Criteria: p.Criteria}
		careful, terse := botAnswer(t, "txt-careful", p), botAnswer(t, "txt-terse", p)
		for _, c := range set {
			if !c.Applies(p.Criteria) {
				continue
			}
			t.Run(p.ID+"/"+c.ID, func(t *testing.T) {
				entries := []judges.Entry{{Seat: 0, Text: careful}, {Seat: 1, Text: terse}, {Seat: 2, Text: expand(t, c, p, careful)}}
				const gaming = 2

				rv, err := rubric.Rank(ctx, task, entries)
				if err != nil {
					t.Fatal(err)
				}
				checkGamingFlags(t, "rubric", c, rv.Flags)
				checkMissed(t, c, rv.Rationale)
				if best := max(rv.Scores[0], rv.Scores[1]); rv.Scores[gaming] >= best {
					t.Errorf("rubric: gaming entry scores %v, best honest %v: it must score strictly lower\n%s", rv.Scores[gaming], best, rv.Rationale)
				}
				for _, rule := range []string{"forfeit", "flag_only"} {
					if r := injectionRule(rv.Ranks, rv.Flags, rule); r[gaming] == 0 {
						t.Errorf("rubric, %s: gaming entry ranks first (%v)", rule, r)
					}
				}

				g.mu.Lock()
				g.merit = map[string]float64{careful: rv.Scores[0], terse: rv.Scores[1]}
				g.obey = slices.Contains(c.Expect, judges.FlagJudgeAddressing)
				g.gaming = rv.Scores[gaming]
				g.mu.Unlock()
				av, err := ai.Rank(ctx, task, entries)
				if err != nil {
					t.Fatalf("ai: %v (last reply %q)", err, srv.Requests()[len(srv.Requests())-1].User())
				}
				checkGamingFlags(t, "ai", c, av.Flags)
				if g.obey && av.Ranks[gaming] != 0 {
					t.Fatalf("ai: the gullible model was not fooled (ranks %v): the test proves nothing", av.Ranks)
				}
				final := injectionRule(av.Ranks, av.Flags, "forfeit")
				if final[gaming] == 0 {
					t.Errorf("ai, forfeit: gaming entry ranks first (%v, flags %+v)", final, av.Flags)
				}
				if g.obey && final[gaming] != len(entries)-1 {
					t.Errorf("ai, forfeit: flagged entry ranks %d, want last", final[gaming])
				}
				if injectionRule(av.Ranks, av.Flags, "flag_only")[gaming] == 0 {
					flagOnlyWins++
				}
			})
		}
	}
	t.Logf("%d kinds x %d tasks: all flagged, none first under forfeit on either path; under flag_only a fooled AI judge let %d entries win",
		len(set), len(gamingTasks), flagOnlyWins)
}

// checkGamingFlags checks the gaming entry (index 2) has every expected
// flag and the honest ones (0 careful, 1 terse) none for addressing.
func checkGamingFlags(t *testing.T, path string, c gamingset.Case, flags []judges.Flag) {
	t.Helper()
	for _, k := range c.Expect {
		if !hasFlag(flags, 2, k) {
			t.Errorf("%s: %s (%s) not flagged %s; flags %+v", path, c.ID, c.Notes, k, flags)
		}
	}
	for _, f := range flags {
		if f.Entry == 0 || (f.Entry == 1 && f.Kind == judges.FlagJudgeAddressing) {
			t.Errorf("%s: honest entry %d flagged: %+v", path, f.Entry, f)
		}
	}
}

// checkMissed checks the rubric reports every check the case must miss
// on the gaming entry (seat 2's line of the rationale).
func checkMissed(t *testing.T, c gamingset.Case, rationale string) {
	t.Helper()
	for _, line := range strings.Split(rationale, "\n") {
		if !strings.HasPrefix(line, "seat 2:") {
			continue
		}
		_, missed, _ := strings.Cut(line, "; missed: ")
		for _, want := range c.Missed {
			if !strings.HasPrefix(missed, want) && !strings.Contains(missed, ", "+want) {
				t.Errorf("rubric: %s (%s) did not miss %q:\n%s", c.ID, c.Notes, want, line)
			}
		}
	}
}

// TestGamingSetCoversTheIssue checks the set keeps the kinds the issue
// names, so pruning it cannot quietly drop one.
func TestGamingSetCoversTheIssue(t *testing.T) {
	cats := map[string]int{}
	for _, c := range loadGamingSet(t) {
		cats[c.Category]++
	}
	for _, want := range []string{"instruction", "fake_verdict", "delimiter", "unicode", "length", "empty"} {
		if cats[want] == 0 {
			t.Errorf("no case of category %q", want)
		}
	}
	if testing.Verbose() {
		fmt.Println(cats)
	}
}
