package judges

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/agentarena/arena/task"
)

// Fluency must put real prose of every shape the prompt set asks for
// (explanations, stories, lists, JSON, one-liners) above content-free
// text of every kind the gaming suite uses.
func TestFluencySeparatesProseFromFiller(t *testing.T) {
	m := defaultFluency()
	prose := []string{
		"A Raft leader commits an entry only after a quorum of nodes has stored it. Any two majorities overlap, so a later leader must have voted with at least one node that holds the entry.",
		"Once upon a time a little cloud lived high above the hills. She was afraid of looking down, so she kept her eyes on the stars and hummed to herself until morning.",
		"- Two litres of water\n- Paper map and compass\n- Waterproof jacket\n- Lunch and snacks",
		`{"title": "Login rejects a correct password", "expected": "The user is signed in and sees the dashboard."}`,
		"Pick a small issue labelled good first issue, and comment before you start coding.",
	}
	filler := []string{
		"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation.",
		"Quorum leader bicycle orange seventeen marble theory window silent carpet whisper galaxy thunder pencil harbor lantern velvet.",
		"Words 80 to in 40 explain why a cluster Raft needs majority a of nodes commit to log a entry prose plain in answer the use not do.",
		"xq7#kd@ l0p;; zzv qpwm rrtx kkq 9f8d7s6 qqq wwp lkjh mnb tr%%e wq!!p zx^^c",
		"жвлоб крфн тшщ пзыв мнлр жуфк ыва прол дждл",
	}
	lowestProse := 1.0
	for _, s := range prose {
		lowestProse = min(lowestProse, m.fluency(s).score)
	}
	for _, s := range filler {
		r := m.fluency(s)
		if r.score >= 0.5 || r.score >= lowestProse-0.2 {
			t.Errorf("filler scored %.2f (chars %.2f bits, grammar gain %.2f), lowest prose %.2f: %q", r.score, r.charBits, r.grammarGain, lowestProse, s)
		}
	}
	if lowestProse < 0.55 {
		t.Errorf("lowest prose fluency %.2f, want >= 0.55", lowestProse)
	}
}

// The model is a pure function of the embedded corpus: a second build
// scores every text identically, so every node judges alike.
func TestFluencyModelIsDeterministic(t *testing.T) {
	a, b := defaultFluency(), newFluencyModel(englishCorpus)
	for _, s := range []string{"The sky is blue because short wavelengths scatter more.", "zzq xqv", ""} {
		if ra, rb := a.fluency(s), b.fluency(s); ra != rb || math.IsNaN(ra.score) {
			t.Errorf("fluency(%q): %+v vs %+v", s, ra, rb)
		}
	}
}

func TestRelevanceNeedsTheConceptsTogether(t *testing.T) {
	p := &promptFacts{Facts: [][]string{{"majorit|quorum", "overlap|share"}, {"leader"}}}
	for _, g := range p.Facts {
		var groups [][]string
		for _, alt := range g {
			groups = append(groups, strings.Split(alt, "|"))
		}
		p.groups = append(p.groups, groups)
	}
	for _, tc := range []struct {
		name, text string
		covered    int
	}{
		{"both concepts in one sentence cover the fact", "Any two majorities overlap. The leader waits.", 2},
		{"the concepts in different sentences do not", "A quorum is needed. Sets can overlap.", 0},
		{"alternatives match at word starts only", "Nonmajority reshare.", 0},
		{"list items are sentences", "- quorums share a node\n- a leader", 2},
		{"JSON strings are sentences", `{"a": "a quorum shares members", "b": "the leader"}`, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := p.relevance(tc.text); r.covered != tc.covered {
				t.Fatalf("covered %d, want %d (missed %v)", r.covered, tc.covered, r.missed)
			}
		})
	}
}

// Every prompt of the built-in set has key facts pinned to its current
// text; a reworded prompt fails here until its facts are reviewed.
func TestEveryBuiltInPromptHasKeyFacts(t *testing.T) {
	raw, err := os.ReadFile("../games/prompt/prompts.json")
	if err != nil {
		t.Fatal(err)
	}
	var set []struct {
		ID       string
		Text     string
		Criteria task.Criteria
	}
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatal(err)
	}
	if len(set) == 0 {
		t.Fatal("empty prompt set")
	}
	for _, p := range set {
		f := factsFor(Task{PromptID: p.ID, Prompt: p.Text})
		if f == nil {
			t.Errorf("%s: no key facts for its current text", p.ID)
			continue
		}
		if len(f.groups) < 2 {
			t.Errorf("%s: %d key facts, want at least 2", p.ID, len(f.groups))
		}
	}
	if factsFor(Task{PromptID: set[0].ID, Prompt: set[0].Text + " (reworded)"}) != nil {
		t.Error("facts applied to a reworded prompt")
	}
}

func TestTemplateDetection(t *testing.T) {
	tk := Task{Prompt: "Explain Raft. Mention 'quorum' and 'leader'.", Criteria: task.Criteria{Required: []string{"quorum", "leader"}}}
	for _, tc := range []struct {
		name, text string
		flag       bool
	}{
		{"one frame filled with each required term is a template",
			"Quorum is what everything else here rests upon. Leader is what everything else here rests upon.", true},
		{"a frame filled with words the prompt does not supply is a template",
			"It is true that votes and terms are closely related here. It is true that logs and commits are closely related here. It is true that nodes and crashes are closely related here.", true},
		{"stock phrases about the answer are a template",
			"This answer covers Raft. The quorum is central here, since it shapes everything else.", true},
		{"an honest answer is not",
			"A Raft leader commits an entry once a quorum has stored it. Any two majorities overlap, so the next leader holds every committed entry.", false},
		{"a JSON answer naming its option twice is not",
			`{"options": ["The Great Red Spot", "Olympus Mons"], "answer": "The Great Red Spot"}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := detectTemplate(tk, tc.text); (got != "") != tc.flag {
				t.Fatalf("detectTemplate = %q, want flagged %v", got, tc.flag)
			}
		})
	}
}

// Two honest answers that both meet every criterion and state every key
// fact must still be told apart: the score keeps resolution at the top.
func TestTopScoresKeepResolution(t *testing.T) {
	raw, _ := os.ReadFile("../games/prompt/prompts.json")
	var set []struct{ ID, Text string }
	_ = json.Unmarshal(raw, &set)
	seen := map[float64]int{}
	tk := Task{PromptID: set[0].ID, Prompt: set[0].Text}
	for _, text := range []string{
		"A Raft leader treats an entry as committed once a quorum, a majority of the cluster, has stored it. Any two majorities share at least one node, so every later election needs a vote from someone holding the entry. Raft refuses candidates whose logs are behind, so the next leader carries every committed entry and writes survive crashes.",
		"Raft commits an entry only when a quorum has written it, because any two majorities overlap in at least one node. A candidate must win votes from a majority, and voters reject candidates whose logs are behind, so the new leader always holds every committed entry and nothing acknowledged is lost after a crash.",
	} {
		s, _ := scoreEntry(tk, text, nil)
		seen[s]++
	}
	if len(seen) != 2 {
		t.Fatalf("two different honest answers tied: %v", seen)
	}
}

// A prompt that asks for data (JSON, a list) is answered best with names,
// numbers and short phrases, which give the fluency model no sentence to
// judge. Up to rubric-v5 such answers were capped near 0.92 and lost to
// the same keys or items written out as sentences: a list of board games
// "with no descriptions", as asked, lost to one with a description on
// every line, and an exact extraction to filler sentences (QA judge
// gaming). Reading more like prose must earn nothing there.
func TestTerseDataAnswersAreNotBeatenBySentences(t *testing.T) {
	byID := builtInTasks(t)
	for _, tc := range []struct{ id, terse, wordy string }{
		{"p024", "- Chess\n- Go\n- Backgammon\n- Scrabble\n- Checkers\n- Othello",
			"- Chess, where two players try to trap the opposing king.\n- Go, a game of surrounding territory with stones.\n- Backgammon, a race of checkers driven by dice.\n- Scrabble, where you build words on a grid.\n- Checkers, in which pieces jump diagonally.\n- Othello, where discs flip to your colour."},
		{"p037", `{"person": "Maria", "action": "repaired", "object": "the old bicycle", "time": "Sunday morning"}`,
			`{"person": "The person in the sentence is Maria.", "action": "She repaired something.", "object": "What she repaired was the old bicycle.", "time": "It happened on Sunday morning."}`},
		{"p027", "- Water\n- Map\n- Rain jacket\n- Sandwiches\n- First aid kit\n- Sun hat\n- Phone",
			"- Bring plenty of water for the day.\n- Carry a paper map of the route.\n- Pack a light rain jacket.\n- Take a sandwich for lunch.\n- Keep a small first aid kit.\n- Wear a sun hat."},
	} {
		tk, ok := byID[tc.id]
		if !ok {
			t.Fatalf("no prompt %s", tc.id)
		}
		terse, _ := scoreEntry(tk, tc.terse, nil)
		wordy, _ := scoreEntry(tk, tc.wordy, nil)
		if terse < wordy {
			t.Errorf("%s: the terse answer scored %v, below the wordy one's %v", tc.id, terse, wordy)
		}
	}
}
