package verifiable

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestEveryFamilyAndLevelIsSolvableFromItsData generates many tasks per
// family and level: the exact solver, working from the task's Data alone,
// must reproduce the stored ground truth, and its rendered answer must
// pass the checker with full marks.
func TestEveryFamilyAndLevelIsSolvableFromItsData(t *testing.T) {
	for _, fam := range Families() {
		for level := 1; level <= MaxLevel; level++ {
			t.Run(fmt.Sprintf("%s level %d tasks are solved exactly by their data", fam, level), func(t *testing.T) {
				o, err := ParseOptions(json.RawMessage(fmt.Sprintf(`{"families":[%q],"levels":[%d]}`, fam, level)))
				if err != nil {
					t.Fatal(err)
				}
				for seed := uint64(0); seed < 150; seed++ {
					task, err := Generate(seed, o)
					if err != nil {
						t.Fatal(err)
					}
					if task.Family != fam || task.Level != level {
						t.Fatalf("seed %d drew %s level %d", seed, task.Family, task.Level)
					}
					want, err := Solve(task.Family, task.Data)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(want, task.Want) {
						t.Fatalf("seed %d: solving the data gives %+v, the task holds %+v", seed, want, task.Want)
					}
					r := Check(task.Want, "Working it out.\nANSWER: "+want.Render())
					if !r.Passed || r.Score != 1 {
						t.Fatalf("seed %d: the exact answer %q scored %+v\n%s", seed, want.Render(), r, task.Text)
					}
					if !strings.Contains(task.Text, "ANSWER:") {
						t.Fatalf("seed %d: the task text does not state the answer format", seed)
					}
				}
			})
		}
	}
}

// TestGenerateIsAPureFunctionOfSeedAndOptions: replicas must agree.
func TestGenerateIsAPureFunctionOfSeedAndOptions(t *testing.T) {
	seen := map[string]bool{}
	for seed := uint64(0); seed < 200; seed++ {
		a, err := Generate(seed, Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Generate(seed, Options{})
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			t.Fatalf("seed %d gave two different tasks", seed)
		}
		seen[a.Family] = true
	}
	if len(seen) != len(Families()) {
		t.Fatalf("200 seeds drew only families %v", seen)
	}
}

// TestHeldOutTasksAppearOnlyInEvalArenas: a training arena never draws a
// held-out family or instance; its eval twin draws nothing else.
func TestHeldOutTasksAppearOnlyInEvalArenas(t *testing.T) {
	train, err := ParseOptions(json.RawMessage(`{"held_out":["logic"],"held_out_percent":20}`))
	if err != nil {
		t.Fatal(err)
	}
	eval, err := ParseOptions(json.RawMessage(`{"held_out":["logic"],"held_out_percent":20,"eval":true}`))
	if err != nil {
		t.Fatal(err)
	}
	trainIDs := map[string]bool{}
	for seed := uint64(0); seed < 400; seed++ {
		task, err := Generate(seed, train)
		if err != nil {
			t.Fatal(err)
		}
		if task.Family == FamilyLogic || task.Eval {
			t.Fatalf("training arena drew held-out task %s", task.ID)
		}
		trainIDs[task.ID] = true
	}
	logic := 0
	for seed := uint64(0); seed < 400; seed++ {
		task, err := Generate(seed, eval)
		if err != nil {
			t.Fatal(err)
		}
		if !task.Eval || trainIDs[task.ID] {
			t.Fatalf("eval arena drew %s (eval %v), which training can draw", task.ID, task.Eval)
		}
		if task.Family == FamilyLogic {
			logic++
		}
	}
	if logic == 0 {
		t.Fatal("the eval arena never drew the held-out family")
	}
	for _, bad := range []string{`{"held_out":["arithmetic","dates","lists","extract","counting","strings","logic","forms"]}`,
		`{"eval":true}`, `{"families":["nope"]}`, `{"levels":[0]}`, `{"held_out_percent":100}`, `{"extra":1}`} {
		t.Run("options "+bad+" are refused", func(t *testing.T) {
			if _, err := ParseOptions(json.RawMessage(bad)); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// TestHoldsOutAgreesWithTheDraw: a training arena never draws a task its
// options hold out, and every task its evaluation arena draws is held out
// by the same options, read back from the task's ID and family alone.
func TestHoldsOutAgreesWithTheDraw(t *testing.T) {
	train := Options{Families: []string{"extract", "strings", "forms"}, Levels: []int{1}, HeldOut: []string{"forms"}, HeldOutPercent: 30}
	eval := train
	eval.Eval = true
	for seed := uint64(1); seed <= 300; seed++ {
		tt, err := Generate(seed, train)
		if err != nil {
			t.Fatal(err)
		}
		if train.HoldsOut(tt.ID, tt.Family, tt.Eval) {
			t.Fatalf("the training arena drew %s, which it holds out", tt.ID)
		}
		et, err := Generate(seed, eval)
		if err != nil {
			t.Fatal(err)
		}
		if !train.HoldsOut(et.ID, et.Family, false) {
			t.Fatalf("the evaluation arena drew %s, which the options do not hold out", et.ID)
		}
	}
	// A task from before the arena held anything out is held out by the
	// options it has now when it falls in them.
	var none Options
	held, kept := 0, 0
	for seed := uint64(1); seed <= 300; seed++ {
		tt, err := Generate(seed, Options{Families: train.Families, Levels: train.Levels})
		if err != nil {
			t.Fatal(err)
		}
		if none.HoldsOut(tt.ID, tt.Family, false) {
			t.Fatalf("options holding nothing out hold %s", tt.ID)
		}
		if train.HoldsOut(tt.ID, tt.Family, false) {
			held++
		} else {
			kept++
		}
	}
	if held == 0 || kept == 0 {
		t.Fatalf("of 300 tasks drawn before holding out, %d are held out and %d kept: want some of each", held, kept)
	}
	if !train.HoldsOut("extract-1-zz", "extract", false) {
		t.Error("a task ID without an instance number is not held out")
	}
}
