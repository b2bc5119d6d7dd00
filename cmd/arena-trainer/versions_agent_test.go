package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/client/clienttest"
	"github.com/agentarena/arena/games/verifiable"
)

// versions.jsonl named each version learner@vN although the version
// entered the arena as learner@vN-2 when another run's weights held that
// name: a trainer joining the file with the leaderboard read the other
// run's rating as this one's. The row now names the agent the version
// plays under.
func TestVersionsNameTheAgentTheVersionPlaysUnder(t *testing.T) {
	srv := clienttest.NewServer(t)
	n := srv.Node
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	addAgents(t, ctx, n, "ow_v", "ag_v1", "ag_v2")
	opts, err := verifiable.ParseOptions(nil)
	if err != nil {
		t.Fatal(err)
	}
	for seed := uint64(1); seed <= 6; seed++ {
		settleVerifiable(t, ctx, n, fmt.Sprintf("c_v%d", seed), seed, opts, "ag_v1", "ag_v2")
	}
	if _, err := n.CreateTrainer(ctx, agents.Trainer{ID: "tr_v", Name: "v"}, agents.HashKey("art_v")); err != nil {
		t.Fatal(err)
	}
	// Another run of this owner already entered its step-2 version.
	_, ownerKey := srv.AddOwner(t, "lea", "")
	owner := srv.Client(t, ownerKey)
	if _, err := owner.CreateAgent(ctx, client.CreateAgentRequest{Name: "learner@v2", Kind: client.KindWebSocket,
		Description: "policy" + weightsMark + "aaaaaaaaaaaa"}); err != nil {
		t.Fatal(err)
	}

	out := t.TempDir()
	var stderr bytes.Buffer
	err = runOnline(ctx, []string{"-server", srv.URL, "-trainer-key", "art_v", "-owner-key", ownerKey, "-arena", "verifiable",
		"-preset", "tiny", "-context", "64", "-out", out, "-rounds", "1", "-sft-steps", "1", "-dpo-steps", "1", "-batch", "2",
		"-min-pairs", "1", "-round-wait", "1ms", "-eval-tasks", "2"}, &bytes.Buffer{}, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	b, err := os.ReadFile(filepath.Join(out, "versions.jsonl"))
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var row struct{ Version, Agent string }
	if err := json.Unmarshal(bytes.TrimSpace(b), &row); err != nil {
		t.Fatalf("versions.jsonl %q: %v", b, err)
	}
	if row.Version != "learner@v2" || row.Agent != "learner@v2-2" {
		t.Errorf("versions.jsonl row: version %q, agent %q; want learner@v2 playing as learner@v2-2\n%s", row.Version, row.Agent, stderr.String())
	}
	if !strings.Contains(stderr.String(), "entered learner@v2-2 as ") {
		t.Errorf("the run did not say which agent it entered:\n%s", stderr.String())
	}
}
