package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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
