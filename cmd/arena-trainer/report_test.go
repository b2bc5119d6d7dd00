package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/client/clienttest"
	"github.com/agentarena/arena/games/verifiable"
	"github.com/agentarena/arena/gpu"
)

// readMetrics reads out's metrics.jsonl.
func readMetrics(t *testing.T, out string) []gpu.StepMetrics {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := gpu.ReadMetrics(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// meanDPOAccuracy is the mean reward accuracy of the DPO steps in ms
// after step from, up to step to.
func meanDPOAccuracy(t *testing.T, ms []gpu.StepMetrics, from, to int) (float64, int) {
	t.Helper()
	sum, n := 0.0, 0
	for _, m := range ms {
		if m.Step > from && m.Step <= to && m.DPOStats != nil {
			sum += m.RewardsAccuracies
			n++
		}
	}
	if n == 0 {
		t.Fatalf("no DPO step after %d up to %d in the log", from, to)
	}
	return sum / float64(n), n
}

// offline reported "DPO reward acc. (train)" from the version's last DPO
// step, one batch: with -batch 4 it could only be 0, 0.25, 0.5, 0.75 or
// 1, and the overfit verdict was decided on it. It is the mean over the
// version's DPO steps now, as run reports a round's.
func TestOfflineReportsTheMeanOverAVersionsDPOSteps(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := runOffline(context.Background(), []string{"-out", out, "-preset", "tiny", "-context", "64", "-versions", "2", "-sft-steps", "2",
		"-dpo-steps", "5", "-batch", "4", "-train-tasks", "20", "-eval-tasks", "2", "-onpolicy-tasks", "0", "-max-tokens", "4"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var sum Summary
	b, _ := os.ReadFile(filepath.Join(out, "summary.json"))
	if err := json.Unmarshal(b, &sum); err != nil || len(sum.Versions) != 2 {
		t.Fatalf("summary %s: %v", b, err)
	}
	ms := readMetrics(t, out)
	from := 0
	for _, v := range sum.Versions {
		want, n := meanDPOAccuracy(t, ms, from, v.Steps)
		if v.Train == nil || math.Abs(v.Train.RewardsAccuracies-want) > 1e-9 {
			t.Errorf("version %d: train reward accuracy %+v, want %.4f, the mean over its %d DPO steps", v.Version, v.Train, want, n)
		}
		if !strings.Contains(stdout.String(), fmt.Sprintf("| v%d | %d |", v.Version, v.Steps)) ||
			!strings.Contains(stdout.String(), fmt.Sprintf(" %.2f / ", want)) {
			t.Errorf("the table does not show version %d's mean %.2f:\n%s", v.Version, want, stdout.String())
		}
		if line := fmt.Sprintf("DPO rewards/accuracies %.2f train (the mean over the version's 5 DPO steps)", want); !strings.Contains(stderr.String(), line) {
			t.Errorf("the log does not say %q:\n%s", line, stderr.String())
		}
		from = v.Steps
	}
	if !strings.Contains(stdout.String(), "DPO reward acc. (train, mean over the version's steps / held-out)") {
		t.Errorf("the table's header does not say what the train column is:\n%s", stdout.String())
	}
}

// The verdict reads the mean over the last version's DPO steps, and a
// version without DPO steps is never "overfit".
func TestVerdictReadsTheMeanDPOAccuracy(t *testing.T) {
	acc := func(a float64) *gpu.DPOStats { return &gpu.DPOStats{RewardsAccuracies: a} }
	held := func(p float64) accuracy { return accuracy{Tasks: 10, Passed: p} }
	tests := []struct {
		name string
		vs   []Version
		want string
	}{
		{"a saturated mean while held-out accuracy falls is overfit", []Version{{Heldout: held(0.3), Train: acc(0.8)}, {Heldout: held(0.1), Train: acc(0.97)}}, "overfit"},
		{"an unsaturated mean while held-out accuracy falls is flat", []Version{{Heldout: held(0.3), Train: acc(0.8)}, {Heldout: held(0.1), Train: acc(0.9)}}, "flat"},
		{"no DPO step is not overfit", []Version{{Heldout: held(0.3)}, {Heldout: held(0.1)}}, "flat"},
		{"rising held-out accuracy is climbing", []Version{{Heldout: held(0.1), Train: acc(1)}, {Heldout: held(0.3), Train: acc(1)}}, "climbing"},
		{"no held-out task is not measured", []Version{{Train: acc(1)}}, "not measured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := verdict(tt.vs); got != tt.want {
				t.Errorf("verdict = %q, want %q", got, tt.want)
			}
		})
	}
}

// With -dpo-steps 0 nothing of DPO is measured: the table said 0.00 for
// the train reward accuracy (and the held-out one, the policy being its
// own reference), as if DPO had got every pair wrong.
func TestOfflineWithoutDPOStepsShowsADash(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := runOffline(context.Background(), []string{"-out", out, "-preset", "tiny", "-context", "64", "-versions", "1", "-sft-steps", "2",
		"-dpo-steps", "0", "-batch", "2", "-train-tasks", "10", "-eval-tasks", "2", "-onpolicy-tasks", "0", "-max-tokens", "4"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "| – / – |") || strings.Contains(stdout.String(), "0.00 /") {
		t.Errorf("the table shows a DPO reward accuracy no step measured:\n%s", stdout.String())
	}
	if !strings.Contains(stderr.String(), "no DPO step (-dpo-steps 0)") || strings.Contains(stderr.String(), "rewards/accuracies 0.00") {
		t.Errorf("the log:\n%s", stderr.String())
	}
	b, _ := os.ReadFile(filepath.Join(out, "summary.json"))
	if bytes.Contains(b, []byte("dpo_train")) || bytes.Contains(b, []byte("dpo_heldout")) {
		t.Errorf("summary.json holds DPO metrics no step measured:\n%s", b)
	}
}

// run reports a round's DPO metrics as offline reports a version's: the
// mean over its DPO steps, in its log and in versions.jsonl.
func TestRunReportsTheMeanOverARoundsDPOSteps(t *testing.T) {
	srv := clienttest.NewServer(t)
	n := srv.Node
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	addAgents(t, ctx, n, "ow_m", "ag_m1", "ag_m2")
	opts, err := verifiable.ParseOptions(nil)
	if err != nil {
		t.Fatal(err)
	}
	for seed := uint64(1); seed <= 6; seed++ {
		settleVerifiable(t, ctx, n, fmt.Sprintf("c_m%d", seed), seed, opts, "ag_m1", "ag_m2")
	}
	if _, err := n.CreateTrainer(ctx, agents.Trainer{ID: "tr_m", Name: "m"}, agents.HashKey("art_m")); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	var stderr bytes.Buffer
	err = runOnline(ctx, []string{"-server", srv.URL, "-trainer-key", "art_m", "-arena", "verifiable", "-preset", "tiny", "-context", "64", "-out", out,
		"-rounds", "1", "-sft-steps", "1", "-dpo-steps", "4", "-batch", "4", "-min-pairs", "1", "-round-wait", "1ms", "-eval-tasks", "2", "-max-tokens", "4", "-play=false"},
		&bytes.Buffer{}, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	want, _ := meanDPOAccuracy(t, readMetrics(t, out), 0, 5)
	if line := fmt.Sprintf("learner@v5: DPO rewards/accuracies %.2f,", want); !strings.Contains(stderr.String(), line) ||
		!strings.Contains(stderr.String(), "(the mean over the round's 4 DPO steps)") {
		t.Errorf("the log does not say %q ... (the mean over the round's 4 DPO steps):\n%s", line, stderr.String())
	}
	b, err := os.ReadFile(filepath.Join(out, "versions.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var row struct {
		DPOTrain *gpu.DPOStats `json:"dpo_train"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(b), &row); err != nil || row.DPOTrain == nil || math.Abs(row.DPOTrain.RewardsAccuracies-want) > 1e-9 {
		t.Errorf("versions.jsonl %s (%v): want dpo_train with rewards/accuracies %.4f, the mean over the round's DPO steps", b, err, want)
	}
}

// A refused run left an empty -out behind (a model too large for memory,
// an unknown family, an unreachable server), and a run that trained
// nothing an empty metrics.jsonl in it. A refused run leaves nothing it
// created, and what was in -out before stays.
func TestARefusedRunLeavesNothingBehind(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	empty := clienttest.NewServer(t)
	empty.AddTrainer(t, "tr_n", "art_n")
	online := func(url string, more ...string) func(out string) error {
		return func(out string) error {
			return runOnline(ctx, append([]string{"-server", url, "-trainer-key", "art_n", "-preset", "tiny", "-context", "64", "-out", out,
				"-rounds", "1", "-round-wait", "1ms", "-wait-data", "1ms", "-play=false"}, more...), &bytes.Buffer{}, &bytes.Buffer{})
		}
	}
	offline := func(more ...string) func(out string) error {
		return func(out string) error {
			return runOffline(ctx, append([]string{"-out", out, "-preset", "tiny", "-context", "64", "-train-tasks", "5", "-eval-tasks", "1"}, more...),
				&bytes.Buffer{}, &bytes.Buffer{})
		}
	}
	tests := []struct {
		name, why string
		run       func(out string) error
	}{
		{"offline, a model too large for memory", "GiB", offline("-preset", "gpt2", "-context", "1024", "-batch", "4096")},
		{"offline, an unknown family", "unknown family", offline("-families", "nosuch")},
		{"run, an unreachable server", "connect", online("http://127.0.0.1:1")},
		{"run, an arena that makes no pairs", "make no preference pairs", online(empty.URL, "-arena", "connect4")},
		{"run, an arena with no pairs yet", "nothing was trained", online(empty.URL)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			out := filepath.Join(parent, "runs", "a")
			if err := tt.run(out); err == nil || !strings.Contains(err.Error(), tt.why) {
				t.Fatalf("err = %v, want a refusal saying %q", err, tt.why)
			}
			if left, _ := os.ReadDir(parent); len(left) > 0 {
				t.Errorf("the refused run left %s behind", left[0].Name())
			}
			// An -out that was there keeps what it held, and gets nothing.
			if err := os.MkdirAll(out, 0o755); err != nil {
				t.Fatal(err)
			}
			notes := filepath.Join(out, "notes.txt")
			if err := os.WriteFile(notes, []byte("mine"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := tt.run(out); err == nil {
				t.Fatal("refused once, then not")
			}
			if left, _ := os.ReadDir(out); len(left) != 1 || left[0].Name() != "notes.txt" {
				t.Errorf("-out holds %v after a refused run, want notes.txt alone", left)
			}
		})
	}
}

// After Ctrl-C in the middle of a version, curve.svg drew the version's
// steps, which the checkpoint does not hold, as if they were saved. The
// log keeps them (it says what happened) and the run says so; the chart
// stops at the checkpoint's step, and a rerun still cuts the log back.
func TestAnInterruptedVersionIsNotDrawnAsSaved(t *testing.T) {
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run, stop := context.WithCancel(ctx)
	defer stop()
	// Versions of 4 SFT and 2 DPO steps: version 2's SFT ends at step 10,
	// and the run is stopped there.
	stderr := &cancelOnNewline{cancel: stop, last: "step 10/12"}
	args := []string{"-out", out, "-preset", "tiny", "-context", "64", "-versions", "2", "-sft-steps", "4", "-dpo-steps", "2", "-batch", "2",
		"-train-tasks", "10", "-eval-tasks", "1", "-onpolicy-tasks", "0", "-max-tokens", "4"}
	err := runOffline(run, args, &bytes.Buffer{}, stderr)
	if err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("err = %v\n%s", err, stderr.String())
	}
	if !strings.Contains(err.Error(), "metrics.jsonl logs its steps 7–10, which the checkpoint (step 6) does not hold: curve.svg stops at step 6") {
		t.Errorf("err = %v, want it to say what the log keeps past the checkpoint", err)
	}
	ms := readMetrics(t, out)
	if len(ms) != 10 {
		t.Fatalf("metrics.jsonl holds %d steps, want the 10 the run took", len(ms))
	}
	var want bytes.Buffer
	if err := gpu.WriteChart(&want, "SFT then DPO on verifiable-task preferences, version by version", ms[:6]); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(out, "curve.svg")); !bytes.Equal(got, want.Bytes()) {
		t.Errorf("curve.svg is not the chart of the checkpoint's 6 steps (%d bytes, want %d)", len(got), want.Len())
	}
	var sum Summary
	b, _ := os.ReadFile(filepath.Join(out, "summary.json"))
	if err := json.Unmarshal(b, &sum); err != nil || len(sum.Versions) != 1 {
		t.Errorf("summary.json %s (%v), want the saved version alone", b, err)
	}
	// The resume's cut stays: the rerun logs every step once.
	if err := runOffline(ctx, args, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	for i, m := range readMetrics(t, out) {
		if m.Step != i+1 {
			t.Fatalf("metrics line %d is step %d after the resume, want every step once", i+1, m.Step)
		}
	}
}

// When every held-out task's text was trained on (level-1 strings has 40
// distinct tasks), "of it, text never trained on" read 0.000 (0 tasks),
// and run's log "0.000 on the 0 whose text no training pair had": a rate
// of nothing, shown as a model that failed.
func TestNoNovelTaskShowsADash(t *testing.T) {
	for _, tt := range []struct {
		a    accuracy
		want string
	}{
		{accuracy{Tasks: 5}, "–"},
		{accuracy{Tasks: 5, NovelTasks: 4, Novel: 0.5}, "0.500"},
		{accuracy{Tasks: 5, NovelTasks: 4}, "0.000"},
	} {
		if got := novelRate(tt.a); got != tt.want {
			t.Errorf("novelRate(%+v) = %q, want %q", tt.a, got, tt.want)
		}
	}
	var stdout, stderr bytes.Buffer
	err := runOffline(context.Background(), []string{"-out", t.TempDir(), "-preset", "tiny", "-context", "64", "-versions", "1", "-sft-steps", "1",
		"-dpo-steps", "1", "-batch", "2", "-families", "strings", "-levels", "1", "-train-tasks", "400", "-eval-tasks", "5", "-onpolicy-tasks", "0", "-max-tokens", "4"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "| – (0 tasks) |") {
		t.Errorf("the table does not show a dash for a rate over no task:\n%s", stdout.String())
	}
}

// A resumed run polling for data (-min-pairs above what the arena has)
// plays its checkpoint's version meanwhile. It entered that version again
// at every poll, taking its agent back with a new key and restarting it
// every 5 s; it enters it once now. And -wait-data below the 5 s poll
// polled once, 5 s later: a poll waits no longer than -wait-data has left.
func TestAResumedRunWaitingForDataEntersItsVersionOnce(t *testing.T) {
	srv := clienttest.NewServer(t)
	srv.JudgedPrompts(t, "w", "c_w")
	srv.AddTrainer(t, "tr_w", "art_w")
	_, ownerKey := srv.AddOwner(t, "lw", "")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out := t.TempDir()
	args := []string{"-server", srv.URL, "-trainer-key", "art_w", "-owner-key", ownerKey, "-arena", "prompt", "-preset", "tiny", "-context", "64", "-out", out,
		"-rounds", "1", "-sft-steps", "1", "-dpo-steps", "1", "-batch", "2", "-max-tokens", "4"}
	if err := runOnline(ctx, append(slices.Clone(args), "-min-pairs", "1", "-round-wait", "1ms"), &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	// The version plays (and logs) beside the run.
	var stderr lockedBuffer
	err := runOnline(ctx, append(slices.Clone(args), "-min-pairs", "1000", "-round-wait", "100ms", "-wait-data", "40ms"), &bytes.Buffer{}, &stderr)
	if err == nil || !strings.Contains(err.Error(), "nothing was trained") {
		t.Fatalf("err = %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "(looking every 40ms for up to 40ms)") {
		t.Errorf("the run does not poll within -wait-data:\n%s", stderr.String())
	}
	if c := strings.Count(stderr.String(), "entered learner@v2 "); c != 1 {
		t.Errorf("the checkpoint's version was entered %d times, want once:\n%s", c, stderr.String())
	}
}

// lockedBuffer is a bytes.Buffer that two goroutines may write: a run's
// and its playing version's log lines (os.Stderr is safe for this).
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
