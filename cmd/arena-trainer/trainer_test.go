package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/client/clienttest"
	"github.com/agentarena/arena/gpu"
)

func TestOfflineLoopWritesItsReport(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := runOffline(context.Background(), []string{"-out", out, "-sft-steps", "5", "-dpo-steps", "5", "-batch", "2",
		"-heldout", "2", "-samples", "1", "-max-answer", "40", "-max-bytes", "48"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var sum Summary
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
		t.Fatalf("summary %q: %v", stdout.String(), err)
	}
	if sum.Pairs == 0 || sum.SFTSteps != 5 || sum.DPOSteps != 5 || sum.WinRate < 0 || sum.WinRate > 1 {
		t.Fatalf("summary %+v", sum)
	}
	for _, f := range []string{"metrics.jsonl", "curve.svg", "summary.json", "policy.ckpt"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", f, err)
		}
	}
	mf, _ := os.Open(filepath.Join(out, "metrics.jsonl"))
	defer mf.Close()
	ms, err := gpu.ReadMetrics(mf)
	if err != nil || len(ms) != 10 || ms[9].DPOStats == nil {
		t.Fatalf("metrics: %d lines, %v", len(ms), err)
	}
}

func TestOfflineLoopWithPromptFeatures(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := runOffline(context.Background(), []string{"-out", out, "-sft-steps", "2", "-dpo-steps", "2", "-batch", "2",
		"-heldout", "2", "-samples", "1", "-max-answer", "20", "-max-bytes", "32", "-prompt-features", "16"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	m, err := gpu.LoadModel(filepath.Join(out, "policy.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.PromptFeatures != 16 {
		t.Fatalf("checkpoint model config %+v", m.Config)
	}
}

// TestRoundsResumeFromTheCheckpointCursor trains against a real node: a
// second run resumes at the checkpoint's cursor and sees only new pairs.
func TestRoundsResumeFromTheCheckpointCursor(t *testing.T) {
	srv := clienttest.NewServer(t)
	n := srv.Node
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n.CreateOwner(ctx, agents.Owner{ID: "ow_t", Name: "t"}, agents.HashKey("kt"))
	for _, id := range []string{"ag_t1", "ag_t2"} {
		if _, err := n.CreateAgent(ctx, agents.Agent{ID: id, OwnerID: "ow_t", Name: id, Kind: agents.KindWebsocket}, agents.HashKey(id)); err != nil {
			t.Fatal(err)
		}
	}
	judged := func(id string) {
		if _, err := n.CreateContest(ctx, id, "prompt", []string{"ag_t1", "ag_t2"}, 3); err != nil {
			t.Fatal(err)
		}
		n.Move(ctx, id, "ag_t1", nil, json.RawMessage(`{"text":"a careful answer","final":true}`))
		n.Move(ctx, id, "ag_t2", nil, json.RawMessage(`{"text":"meh","final":true}`))
		if err := n.Judged(ctx, id, []int{0, 1}, json.RawMessage(`{"judge":"t","scores":[1,0]}`), nil); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 3; i++ {
		judged("c_tr" + string(rune('a'+i)))
	}
	if _, err := n.CreateTrainer(ctx, agents.Trainer{ID: "tr_x", Name: "x"}, agents.HashKey("art_k")); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	args := []string{"-server", srv.URL, "-trainer-key", "art_k", "-out", out, "-rounds", "1", "-sft-steps", "3",
		"-dpo-steps", "3", "-batch", "2", "-min-pairs", "1", "-round-wait", "1ms", "-play=false"}
	var stderr bytes.Buffer
	if err := runOnline(ctx, args, &bytes.Buffer{}, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	ck, err := gpu.Load(filepath.Join(out, "policy.ckpt"))
	if err != nil || ck.Header.Cursor != "3" || !ck.Header.HasReference {
		t.Fatalf("checkpoint header %+v, %v", ck.Header, err)
	}
	judged("c_trz")
	stderr.Reset()
	if err := runOnline(ctx, args, &bytes.Buffer{}, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if !bytes.Contains(stderr.Bytes(), []byte("round 1: 1 new pairs (cursor 4)")) {
		t.Fatalf("the resumed run did not start at the cursor:\n%s", stderr.String())
	}
}
