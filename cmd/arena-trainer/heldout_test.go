package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/client/clienttest"
	"github.com/agentarena/arena/games/verifiable"
)

// TestRunLeavesOutPairsOfHeldOutTasks plays verifiable contests on a real
// node before the arena holds anything out, then holds out a family and
// a share of instances, as an operator narrowing a fresh node's arena
// does: a run must not train on the pairs of tasks it will be evaluated
// on as held out.
func TestRunLeavesOutPairsOfHeldOutTasks(t *testing.T) {
	srv := clienttest.NewServer(t)
	n := srv.Node
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	addAgents(t, ctx, n, "ow_h", "ag_h1", "ag_h2")
	played, err := verifiable.ParseOptions(nil)
	if err != nil {
		t.Fatal(err)
	}
	const options = `{"held_out":["strings"],"held_out_percent":30}`
	// A task is held out exactly when the arena's evaluation twin, which
	// draws only held-out tasks, takes the same first draw.
	eval, err := verifiable.ParseOptions(json.RawMessage(options))
	if err != nil {
		t.Fatal(err)
	}
	eval.Eval = true
	const contests = 40
	kept := 0
	for seed := uint64(1); seed <= contests; seed++ {
		task := settleVerifiable(t, ctx, n, fmt.Sprintf("c_h%d", seed), seed, played, "ag_h1", "ag_h2")
		if e, err := verifiable.Generate(seed, eval); err != nil || e.ID != task.ID {
			kept++
		}
	}
	if kept == 0 || kept == contests {
		t.Fatalf("%d of %d tasks are outside the held-out ones: the test needs both kinds", kept, contests)
	}
	ar, err := n.Arena("verifiable")
	if err != nil {
		t.Fatal(err)
	}
	ar.Options = json.RawMessage(options)
	if _, err := n.PutArena(ctx, ar); err != nil {
		t.Fatal(err)
	}
	if _, err := n.CreateTrainer(ctx, agents.Trainer{ID: "tr_h", Name: "h"}, agents.HashKey("art_h")); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	err = runOnline(ctx, []string{"-server", srv.URL, "-trainer-key", "art_h", "-preset", "tiny", "-context", "64", "-out", t.TempDir(),
		"-rounds", "1", "-sft-steps", "1", "-dpo-steps", "1", "-batch", "2", "-min-pairs", "1", "-round-wait", "1ms", "-eval-tasks", "0", "-play=false"},
		&bytes.Buffer{}, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	for _, want := range []string{fmt.Sprintf("round 1: %d new pairs", kept), fmt.Sprintf("round 1: %d pairs left out", contests-kept)} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("the run did not say %q:\n%s", want, stderr.String())
		}
	}
}

// addAgents creates an owner and its websocket agents on the node.
func addAgents(t *testing.T, ctx context.Context, n *arena.Node, owner string, ids ...string) {
	t.Helper()
	if _, err := n.CreateOwner(ctx, agents.Owner{ID: owner, Name: owner}, agents.HashKey("k"+owner)); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if _, err := n.CreateAgent(ctx, agents.Agent{ID: id, OwnerID: owner, Name: id, Kind: agents.KindWebsocket}, agents.HashKey(id)); err != nil {
			t.Fatal(err)
		}
	}
}

// settleVerifiable plays one verifiable contest on the node: right
// answers the task, wrong does not, so the contest makes a pair.
func settleVerifiable(t *testing.T, ctx context.Context, n *arena.Node, id string, seed uint64, opts verifiable.Options, right, wrong string) verifiable.Task {
	t.Helper()
	task, err := verifiable.Generate(seed, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.CreateContest(ctx, id, "verifiable", []string{right, wrong}, seed); err != nil {
		t.Fatal(err)
	}
	answer, _ := json.Marshal(map[string]any{"text": "ANSWER: " + task.Want.Render(), "final": true})
	if err := n.Move(ctx, id, right, nil, answer); err != nil {
		t.Fatal(err)
	}
	if err := n.Move(ctx, id, wrong, nil, json.RawMessage(`{"text":"no idea","final":true}`)); err != nil {
		t.Fatal(err)
	}
	return task
}

// TestAResumedRunKeepsTheOptionsItStartedWith: a run stopped and started
// again in the same -out after an operator changed the arena's held-out
// options trained its resumed versions on pairs the run had left out
// (pulled again under the arena's new options) and evaluated them on
// other tasks. The options the run started with, recorded in its
// checkpoint, decide for the whole run; the change is reported.
func TestAResumedRunKeepsTheOptionsItStartedWith(t *testing.T) {
	srv := clienttest.NewServer(t)
	n := srv.Node
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	addAgents(t, ctx, n, "ow_r", "ag_r1", "ag_r2")
	const started, changed = `{"held_out":["strings"],"held_out_percent":30}`, `{"families":["extract","strings"]}`
	runs, err := verifiable.ParseOptions(json.RawMessage(started))
	if err != nil {
		t.Fatal(err)
	}
	setOptions := func(raw string) verifiable.Options {
		ar, err := n.Arena("verifiable")
		if err != nil {
			t.Fatal(err)
		}
		ar.Options = json.RawMessage(raw)
		if _, err := n.PutArena(ctx, ar); err != nil {
			t.Fatal(err)
		}
		o, err := verifiable.ParseOptions(ar.Options)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	play := func(from, to uint64, opts verifiable.Options) (kept int) {
		for seed := from; seed <= to; seed++ {
			task := settleVerifiable(t, ctx, n, fmt.Sprintf("c_r%d", seed), seed, opts, "ag_r1", "ag_r2")
			if !runs.HoldsOut(task.ID, task.Family, task.Eval) {
				kept++
			}
		}
		return kept
	}
	defaults, err := verifiable.ParseOptions(nil)
	if err != nil {
		t.Fatal(err)
	}
	before := play(1, 30, defaults)
	setOptions(started)
	if _, err := n.CreateTrainer(ctx, agents.Trainer{ID: "tr_r", Name: "r"}, agents.HashKey("art_r")); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	args := []string{"-server", srv.URL, "-trainer-key", "art_r", "-preset", "tiny", "-context", "64", "-out", out,
		"-rounds", "1", "-sft-steps", "1", "-dpo-steps", "1", "-batch", "2", "-min-pairs", "1", "-round-wait", "1ms",
		"-eval-tasks", "2", "-max-tokens", "2", "-play=false"}
	var stderr bytes.Buffer
	if err := runOnline(ctx, args, &bytes.Buffer{}, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if want := fmt.Sprintf("round 1: %d new pairs", before); !strings.Contains(stderr.String(), want) {
		t.Fatalf("the first run did not say %q:\n%s", want, stderr.String())
	}
	// The operator widens the arena and holds nothing out any more; the
	// arena plays on under its new options.
	after := play(31, 50, setOptions(changed))
	if after == 0 || after == 20 {
		t.Fatalf("%d of the 20 tasks played after the change are outside the run's held-out ones: the test needs both kinds", after)
	}
	stderr.Reset()
	if err := runOnline(ctx, args, &bytes.Buffer{}, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	for _, want := range []string{
		fmt.Sprintf("%d pairs pulled again", before),
		fmt.Sprintf("round 2: %d new pairs", after),
		fmt.Sprintf("round 2: %d pairs left out", 20-after),
		`arena "verifiable"'s options changed since this run started: now {"families":["extract","strings"]}; the run keeps {"held_out":["strings"],"held_out_percent":30}`,
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("the resumed run did not say %q:\n%s", want, stderr.String())
		}
	}
	if c := strings.Count(stderr.String(), "options changed"); c != 1 {
		t.Errorf("the change is reported %d times, want once:\n%s", c, stderr.String())
	}
	// The checkpoint's cursor is a place in this arena's export: a rerun
	// naming another arena keeps the run's.
	stderr.Reset()
	if err := runOnline(ctx, append(slices.Clone(args), "-arena", "prompt", "-eval-tasks", "0"), &bytes.Buffer{}, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	for _, want := range []string{"kept: -arena prompt (the run's: verifiable) ignored", "round 3: 0 new pairs (cursor 50), 25 in all"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("a rerun naming another arena did not say %q:\n%s", want, stderr.String())
		}
	}
	// Both versions are measured on the same held-out tasks: the run's.
	rows, err := os.ReadFile(filepath.Join(out, "versions.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(string(rows)), "\n"); len(lines) != 2 || strings.Contains(string(rows), "holds no instances out") {
		t.Errorf("versions.jsonl:\n%s\nwant two rows evaluated on the run's held-out instances", rows)
	}
}
