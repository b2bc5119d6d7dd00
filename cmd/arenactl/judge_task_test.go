package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/client/clienttest"
	"github.com/agentarena/arena/games/verifiable"
)

func TestJudgeChecksAnswersToAGeneratedTask(t *testing.T) {
	task, err := verifiable.Generate(7, verifiable.Options{Families: []string{verifiable.FamilyArithmetic}, Levels: []int{1}})
	if err != nil {
		t.Fatal(err)
	}
	right := "Working it out step by step.\nANSWER: " + task.Want.Value + "\n"
	dir := writeAnswers(t, map[string]string{"right.txt": right, "wrong.txt": "ANSWER: -1\n", "prose.txt": "It is " + task.Want.Value + "."})
	file := func(name string) string { return filepath.Join(dir, name) }
	env := map[string]string{} // checking is local: no server, no key
	args := []string{"judge", "--task", "7", "--family", "arithmetic", "--level", "1"}

	t.Run("--json gives the checker's result for each file, ranked by score", func(t *testing.T) {
		r := runCLI(t, env, append(append([]string{"--json"}, args...), file("wrong.txt"), file("right.txt"), file("prose.txt"))...)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		var got taskReport
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatal(err)
		}
		if got.Task.ID != task.ID || got.Task.Text != task.Text || got.Checker != verifiable.CheckerName {
			t.Errorf("report names task %q by %q, want %q by %q", got.Task.ID, got.Checker, task.ID, verifiable.CheckerName)
		}
		for i, text := range []string{"ANSWER: -1\n", right, "It is " + task.Want.Value + "."} {
			want := verifiable.Check(task.Want, text)
			if g, w := mustMarshal(t, got.Results[i]), mustMarshal(t, want); g != w {
				t.Errorf("file %d: result %s, want the checker's %s", i, g, w)
			}
		}
		if !got.Results[1].Passed || got.Ranks[1] != 0 || got.Ranks[0] == 0 {
			t.Errorf("the right answer passes and ranks first: results %+v ranks %v", got.Results, got.Ranks)
		}
		if got.Results[2].FormatError == "" || got.Results[2].Score != 0 {
			t.Errorf("an answer without the ANSWER: line scores 0 with a format error: %+v", got.Results[2])
		}
	})
	t.Run("the table shows the task and what each answer missed", func(t *testing.T) {
		r := runCLI(t, env, append(args, file("right.txt"), file("prose.txt"))...)
		for _, want := range []string{task.ID, "ANSWER:", "PASSED", "true", "no line starts with ANSWER:"} {
			if r.code != 0 || !strings.Contains(r.stdout, want) {
				t.Fatalf("exit %d, output lacks %q:\n%s%s", r.code, want, r.stdout, r.stderr)
			}
		}
	})

	tests := []struct {
		name       string
		args       []string
		wantStderr string
	}{
		{"a seed that is not a number", []string{"judge", "--task", "seven", file("right.txt")}, "--task takes a seed"},
		{"an unknown family", []string{"judge", "--task", "7", "--family", "poetry", file("right.txt")}, `unknown family "poetry"`},
		{"a level out of range", []string{"judge", "--task", "7", "--level", "9", file("right.txt")}, "--level must be 1 to 3"},
		{"both a prompt and a task", []string{"judge", "--task", "7", "--prompt", "p001", file("right.txt")}, "not both"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is a usage error", func(t *testing.T) {
			r := runCLI(t, env, tt.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.wantStderr) {
				t.Fatalf("exit %d, stderr %q; want exit 2 and %q", r.code, r.stderr, tt.wantStderr)
			}
		})
	}
}

// With --arena, --task draws the task from that arena's options, as its
// contests do; it ignored --arena and scored another family's task.
func TestJudgeTaskTakesTheArenasOptions(t *testing.T) {
	srv := clienttest.NewServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	opts := verifiable.Options{Families: []string{verifiable.FamilyArithmetic}, Levels: []int{1}}
	raw, _ := json.Marshal(opts)
	if _, err := srv.Node.PutArena(ctx, api.Arena{Name: "sums", Game: verifiable.Name, Seats: 2, MoveDeadlineMS: 30000, GraceMS: 10000,
		Forfeit: "lose", Rewards: []int{100}, Judges: []string{"referee"}, EloK: 32, MaxConcurrentPerAgent: 1, Options: raw}); err != nil {
		t.Fatal(err)
	}
	want, err := verifiable.Generate(7, opts)
	if err != nil {
		t.Fatal(err)
	}
	dir := writeAnswers(t, map[string]string{"a.txt": "ANSWER: " + want.Want.Value + "\n"})
	env := map[string]string{"ARENA_SERVER": srv.URL}
	r := runCLI(t, env, "--json", "judge", "--task", "7", "--arena", "sums", filepath.Join(dir, "a.txt"))
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got taskReport
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got.Task.ID != want.ID || !got.Results[0].Passed {
		t.Fatalf("task %s (passed %v), want the arena's %s", got.Task.ID, got.Results[0].Passed, want.ID)
	}
	if r := runCLI(t, env, "judge", "--task", "7", "--arena", "prompt", filepath.Join(dir, "a.txt")); r.code != 2 || !strings.Contains(r.stderr, "plays prompt") {
		t.Fatalf("--task with a prompt arena: exit %d, %s", r.code, r.stderr)
	}
}
