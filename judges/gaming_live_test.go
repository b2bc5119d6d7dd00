package judges

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/agentarena/arena/task"
)

// Strategies an outside gaming pass entered as websocket agents into a
// live prompt arena against the text bots (rubric-v7). Each case is the
// answer a strategy sent to one built-in prompt, and what it must score
// against an honest answer to the same prompt. The answers of the honest
// side are txt-careful's, or a terse answer an honest agent would write.

// builtInTasks returns the built-in prompt set as tasks, by prompt id.
func builtInTasks(t *testing.T) map[string]Task {
	t.Helper()
	raw, err := os.ReadFile("../games/prompt/prompts.json")
	if err != nil {
		t.Fatal(err)
	}
	var set []struct {
		ID, Text string
		Criteria task.Criteria
	}
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatal(err)
	}
	byID := map[string]Task{}
	for _, p := range set {
		byID[p.ID] = Task{PromptID: p.ID, Prompt: p.Text, Criteria: p.Criteria}
	}
	return byID
}

// builtInTask returns the built-in prompt id as a task.
func builtInTask(t *testing.T, id string) Task {
	t.Helper()
	tk, ok := builtInTasks(t)[id]
	if !ok {
		t.Fatalf("no built-in prompt %s", id)
	}
	return tk
}

// carefulAnswer is txt-careful's answer to a built-in prompt.
func carefulAnswer(t *testing.T, id string) string {
	t.Helper()
	raw, err := os.ReadFile("../agents/bots/answers.json")
	if err != nil {
		t.Fatal(err)
	}
	var list []struct{ ID, Answer string }
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if a.ID == id {
			return a.Answer
		}
	}
	t.Fatalf("no careful answer to %s", id)
	return ""
}

func score(t *testing.T, tk Task, text string) (float64, string) {
	t.Helper()
	s, checks := scoreEntry(tk, text, entryFlags(tk, 0, Entry{Text: text}))
	return s, rationaleLine(0, s, checks)
}

// TestGamingStrategiesFromTheLivePassLoseToHonestAnswers: every gaming
// answer scores below the honest one (by at least margin), and the
// honest answer misses nothing the fix added.
func TestGamingStrategiesFromTheLivePassLoseToHonestAnswers(t *testing.T) {
	for _, tc := range []struct {
		name, id, gaming, honest string
		margin                   float64
	}{
		// Each key fact's words as a sentence of its own: 8 words for 40–80,
		// no sentence, every fact "covered". Scored 0.845 against the
		// careful bot's 0.997 and above txt-terse's one real sentence.
		{"the key facts' words as fragments do not pass as prose", "p001",
			"Majorit stor. Overlap. Elect. Behind. Crash. Quorum leader.",
			"A Raft leader commits an entry only after a quorum, a majority of the nodes, has stored it.", 0.1},
		{"the key facts' words as fragments do not pass as prose (deadlock)", "p006",
			"Thread hold wait. Forever. Order acquir. Cycle. Fixed order. Lock ordering.",
			"A deadlock happens when two threads each hold a lock and wait forever for the other's lock.", 0.1},
		// Fluent English on another subject with the required words: 0.65
		// on average, above a correct answer that is too short; live it
		// beat txt-terse 107 contests to 23.
		{"fluent English on another subject loses to a short correct answer", "p001",
			"The river ran high after the spring rains, and the old mill turned faster than it had in years. " +
				"Children gathered on the bridge to watch the water rush beneath them. By evening the clouds had cleared " +
				"and the first stars appeared above the hills. Quorum and leader matter too.",
			"A Raft leader commits an entry only after a quorum, a majority of the nodes, has stored it.", 0.1},
		// A list of bare words tied the best answer at 1.0: the prompt asks
		// for questions.
		{"a numbered list of bare words is not a list of questions", "p025",
			"1. Evidence.\n2. Task.\n3. Correct.\n4. Clear honest evidence.", carefulAnswer(t, "p025"), 0.3},
		{"a list of bare words is not a list of warning signs", "p028",
			"1. Scope grow.\n2. 90 almost.\n3. Test push.\n4. Status report.\n5. Deadline slip.", carefulAnswer(t, "p028"), 0.3},
		// Bare words on one line beat a real one-line definition.
		{"bare words on one line are no definition", "p042",
			"Latency time. Request respon. latency.",
			"Latency is how long you wait between clicking and seeing the answer arrive.", 0.1},
		// The key facts' words shuffled across the JSON keys tied the
		// careful bot at 1.0 on seven JSON prompts.
		{"key facts under the wrong JSON keys state nothing", "p037",
			`{"action":"Sunday.","object":"Maria.","person":"Bicycle.","time":"Repair."}`, carefulAnswer(t, "p037"), 0.3},
		{"key facts under the wrong JSON keys state nothing (capital)", "p033",
			`{"city":"Built.","country":"Canberra.","fun_fact":"Yes.","population_estimate":"Australia."}`, carefulAnswer(t, "p033"), 0.3},
		{"strings where the prompt asks for arrays and a number", "p031",
			`{"ingredients":"Onion.","servings":"Minute.","steps":"Add serve.","title":"Soup."}`, carefulAnswer(t, "p031"), 0.15},
		{"a quote and a number asked for, words given", "p035",
			`{"confidence":"Battery.","evidence":"Mixed.","sentiment":"Speaker."}`, carefulAnswer(t, "p035"), 0.3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk := builtInTask(t, tc.id)
			g, gr := score(t, tk, tc.gaming)
			h, hr := score(t, tk, tc.honest)
			if g > h-tc.margin {
				t.Errorf("gaming answer scored %v, honest %v: want at least %v apart\n%s\n%s", g, h, tc.margin, gr, hr)
			}
		})
	}
}

// TestHonestTerseAnswersKeepTheirFluency: the caps of rubric-v8 read the
// shape of an answer, so the shapes honest answers take must pass them:
// terse list items with a function word, names in a list of names, a
// JSON object of short values under the right keys, and a fenced JSON
// answer with notes (whose facts relevance still finds).
func TestHonestTerseAnswersKeepTheirFluency(t *testing.T) {
	for _, tc := range []struct{ name, id, text string }{
		{"terse tips", "p020", "- Use the imperative mood\n- Keep the subject short\n- Explain why in the body\n- One change per commit\n- Reference the issue"},
		{"a list of names", "p024", "- Chess\n- Go\n- Backgammon\n- Scrabble\n- Checkers"},
		{"a packing list", "p027", "- Water\n- Map\n- Rain jacket\n- Sandwiches\n- First aid kit\n- Sun hat\n- Phone"},
		{"short JSON values under the right keys", "p037", `{"person": "Maria", "action": "repaired", "object": "the old bicycle", "time": "Sunday morning"}`},
		{"a short slogan with a function word", "p041", "No backup, no sleep."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk := builtInTask(t, tc.id)
			_, r := score(t, tk, tc.text)
			if strings.Contains(r, "written in s") || strings.Contains(r, "on the subject") {
				t.Errorf("an honest answer was capped: %s", r)
			}
		})
	}
	tk := builtInTask(t, "p033")
	fenced := "Here is the JSON you asked for:\n\n```json\n" + carefulAnswer(t, "p033") + "\n```\n\nI hope this helps."
	if r := factsFor(tk).relevance(fenced); r.covered != r.total {
		t.Errorf("a fenced JSON answer with notes covered %d of %d keyed facts (missed %v)", r.covered, r.total, r.missed)
	}
}

// Keyed facts must name keys the prompt asks for, one per fact, and the
// stated types must be types the check knows.
func TestKeyFactKeysAndTypesNameThePromptsKeys(t *testing.T) {
	for id, p := range keyFacts() {
		if len(p.Keys) == 0 && len(p.Types) == 0 {
			continue
		}
		tk := builtInTask(t, id)
		known := map[string]bool{}
		for _, k := range tk.Criteria.JSONKeys {
			known[k] = true
		}
		if tk.Criteria.Format != "json" {
			t.Errorf("%s: keys or types on a prompt that asks for %q, not JSON", id, tk.Criteria.Format)
		}
		if len(p.Keys) > 0 && len(p.Keys) != len(p.Facts) {
			t.Errorf("%s: %d keys for %d facts", id, len(p.Keys), len(p.Facts))
		}
		for _, k := range p.Keys {
			if k != "" && !known[k] {
				t.Errorf("%s: fact keyed to %q, not one of the prompt's keys %v", id, k, tk.Criteria.JSONKeys)
			}
		}
		for k, typ := range p.Types {
			if !known[k] {
				t.Errorf("%s: type for %q, not one of the prompt's keys %v", id, k, tk.Criteria.JSONKeys)
			}
			if typ != "string" && typ != "number" && typ != "strings" {
				t.Errorf("%s: unknown type %q for %q", id, typ, k)
			}
		}
	}
}
