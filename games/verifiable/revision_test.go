package verifiable

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/agentarena/arena/games"
)

// TestRevisionZeroTasksNeverChange: contests logged before generator
// revisions replay to the tasks they were played on. The hash is of the
// tasks the generators drew before revisions existed (commit e943e56),
// so any change to what revision 0 draws fails here, not in a cluster
// whose replicas part.
func TestRevisionZeroTasksNeverChange(t *testing.T) {
	const want = "6a92d67c7753b6dc5ecafdafb8c7a64a9c99099e6f9ff493981671cc53abe83a"
	h := sha256.New()
	for _, opts := range []string{`{}`, `{"families":["logic"]}`, `{"families":["logic"],"levels":[3]}`} {
		o, err := ParseOptions(json.RawMessage(opts))
		if err != nil {
			t.Fatal(err)
		}
		for seed := uint64(0); seed < 3000; seed++ {
			task, err := GenerateAt(seed, o, 0)
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(task)
			if err != nil {
				t.Fatal(err)
			}
			h.Write(b)
		}
	}
	if got := fmt.Sprintf("%x", h.Sum(nil)); got != want {
		t.Fatalf("revision 0 draws other tasks than it did: hash %s, want %s", got, want)
	}
}

// TestLogicCluesEachRuleSomethingOut: from revision 1 every clue of a
// logic puzzle rules out an order the clues before it allowed, so none is
// stated twice (in either order of its names) and the checker's
// clue-by-clue score weighs each constraint once. Revision 0 repeated a
// clue in about a quarter of level-1 puzzles and two thirds of level-3.
func TestLogicCluesEachRuleSomethingOut(t *testing.T) {
	repeats := map[int]int{}
	for level := 1; level <= MaxLevel; level++ {
		o, err := ParseOptions(json.RawMessage(fmt.Sprintf(`{"families":["logic"],"levels":[%d]}`, level)))
		if err != nil {
			t.Fatal(err)
		}
		for seed := uint64(0); seed < 400; seed++ {
			old, err := GenerateAt(seed, o, 0)
			if err != nil {
				t.Fatal(err)
			}
			if repeatsAClue(old.Want.Clues) {
				repeats[level]++
			}
			task, err := GenerateAt(seed, o, games.Rev)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(task.ID, "-r1") || strings.TrimSuffix(task.ID, "-r1") != old.ID {
				t.Fatalf("revision 1 task id %q for revision 0's %q: want the same id with -r1", task.ID, old.ID)
			}
			clues := task.Want.Clues
			left := len(solutions(task.Want.Names, nil, 1000))
			for i := range clues {
				n := len(solutions(task.Want.Names, clues[:i+1], 1000))
				if n >= left {
					t.Fatalf("%s: clue %d (%s) rules nothing out\n%s", task.ID, i+1, clues[i], task.Text)
				}
				left = n
			}
			if left != 1 {
				t.Fatalf("%s: %d orders fit the clues\n%s", task.ID, left, task.Text)
			}
			r := Check(task.Want, "ANSWER: "+task.Want.Render())
			if !r.Passed || r.Score != 1 {
				t.Fatalf("%s: the solution scored %+v", task.ID, r)
			}
		}
	}
	if repeats[3] == 0 {
		t.Fatal("no revision-0 level-3 puzzle repeats a clue: the comparison above checks nothing")
	}
	t.Logf("revision 0 puzzles repeating a clue, of 400 per level: %v", repeats)
}

// repeatsAClue reports a clue stated twice; adjacency either way round is
// the same clue.
func repeatsAClue(clues []Clue) bool {
	seen := map[Clue]bool{}
	for _, c := range clues {
		if c.Kind == ClueAdjacent || c.Kind == ClueNotAdjacent {
			if c.A > c.B {
				c.A, c.B = c.B, c.A
			}
		}
		if seen[c] {
			return true
		}
		seen[c] = true
	}
	return false
}

// TestOnlyRevisedFamiliesNameTheirRevision: a family no revision changed
// keeps its task ids, and a revised task's id still names its instance
// (held-out splits read it).
func TestOnlyRevisedFamiliesNameTheirRevision(t *testing.T) {
	for seed := uint64(0); seed < 300; seed++ {
		old, err := GenerateAt(seed, Options{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		task, err := GenerateAt(seed, Options{}, games.Rev)
		if err != nil {
			t.Fatal(err)
		}
		if task.Family != FamilyLogic {
			b0, _ := json.Marshal(old)
			b1, _ := json.Marshal(task)
			if string(b0) != string(b1) {
				t.Fatalf("seed %d: a %s task changed with the revision", seed, task.Family)
			}
		}
		for _, tk := range []Task{old, task} {
			inst, ok := instanceOf(tk.ID)
			if !ok || fmt.Sprintf("%016x", inst) != strings.Split(tk.ID, "-")[2] {
				t.Fatalf("instance of %q: %x, %v", tk.ID, inst, ok)
			}
		}
	}
	for _, id := range []string{"", "logic", "logic-3", "logic-3-zz", "logic-3-r1"} {
		if _, ok := instanceOf(id); ok {
			t.Fatalf("instanceOf(%q) found an instance", id)
		}
	}
}

// TestCheckerWordsAsTheContestsRevision: a replayed contest's verdict
// quotes the checker as it spoke when the contest ran; new contests get
// the corrected grammar.
func TestCheckerWordsAsTheContestsRevision(t *testing.T) {
	want := Want{Kind: KindInteger, Value: "42"}
	answer := "ANSWER: 42\nand that is final"
	for rev, msg := range map[int]string{0: "a integer answer is one line; text follows it", 1: "an integer answer is one line; text follows it"} {
		st, err := New().Start(games.Setup{Seats: 2, Seed: 1, Rev: rev})
		if err != nil {
			t.Fatal(err)
		}
		s := st.(*State)
		s.task.Want = want
		for seat := range 2 {
			if err := s.Apply(seat, []byte(fmt.Sprintf(`{"text":%q,"final":true}`, answer))); err != nil {
				t.Fatal(err)
			}
		}
		b, err := s.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), `"rev"`) != (rev > 0) {
			t.Fatalf("revision %d state %s: rev stored only from revision 1", rev, b)
		}
		loaded, err := Load(b)
		if err != nil {
			t.Fatal(err)
		}
		if got := loaded.Results()[0].FormatError; got != msg {
			t.Fatalf("revision %d: %q, want %q", rev, got, msg)
		}
	}
	if _, err := Load([]byte(strings.Replace(`{"version":1,"seed":1,"task":{"id":"x-1-00","family":"x","level":1,"text":"t","data":{},"want":{"kind":"integer","value":"1"}},"max_answer_bytes":10,"answers":["",""],"finals":[false,false],"forfeited":[false,false],"rev":R}`, "R", fmt.Sprint(games.Rev+1), 1))); err == nil {
		t.Fatal("a state of a newer generator revision loaded")
	}
}

// TestAGuessedOrderScoresNothing: listing the people in the order the
// task names them met about half the clues of a puzzle, and checker-v1's
// clue share let that guess outrank honest wrong answers (and be the
// chosen side of their pairs). From revision 1 an order scores only when
// it is the solution; revision-0 contests keep their scores.
func TestAGuessedOrderScoresNothing(t *testing.T) {
	for level := 1; level <= MaxLevel; level++ {
		o, err := ParseOptions(json.RawMessage(fmt.Sprintf(`{"families":["logic"],"levels":[%d]}`, level)))
		if err != nil {
			t.Fatal(err)
		}
		var v1, v2 float64
		const n = 300
		for seed := uint64(0); seed < n; seed++ {
			task, err := GenerateAt(seed, o, games.Rev)
			if err != nil {
				t.Fatal(err)
			}
			var in logicInput
			if err := json.Unmarshal(task.Data, &in); err != nil {
				t.Fatal(err)
			}
			guess, _ := json.Marshal(in.People)
			v1 += checkAt(task.Want, "ANSWER: "+string(guess), 0).Score / n
			r := checkAt(task.Want, "ANSWER: "+string(guess), games.Rev)
			if r.Score != 0 && !r.Passed {
				t.Fatalf("%s: a wrong order scored %v", task.ID, r.Score)
			}
			v2 += r.Score / n
		}
		t.Logf("level %d: the listed order scores %.2f under checker-v1, %.2f under %s", level, v1, v2, CheckerName)
		// A guess is right by chance one time in n! (n people).
		if chance := 1 / float64(factorial(level+2)); v1 < 0.3 || v2 > 1.5*chance {
			t.Fatalf("level %d: the listed order scores %.2f (checker-v1) and %.2f (%s)", level, v1, v2, CheckerName)
		}
	}
	if CheckerNameAt(0) != "checker-v1" || CheckerNameAt(games.Rev) != CheckerName {
		t.Fatalf("checker names %q, %q", CheckerNameAt(0), CheckerNameAt(games.Rev))
	}
}
