package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/client/clienttest"
	"github.com/agentarena/arena/gpu"
	"github.com/agentarena/arena/gpu/gpt"
)

// TestOfflineLoopWritesItsReport runs the measured loop at the smallest
// preset, as CI can afford: every version is trained, saved and checked.
func TestOfflineLoopWritesItsReport(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := runOffline(context.Background(), []string{"-out", out, "-preset", "tiny", "-context", "128", "-versions", "2", "-sft-steps", "4",
		"-dpo-steps", "3", "-batch", "4", "-train-tasks", "40", "-eval-tasks", "6", "-onpolicy-tasks", "3", "-samples", "2",
		"-max-tokens", "12", "-heldout-families", "logic"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var sum Summary
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatalf("summary %q: %v", b, err)
	}
	if len(sum.Versions) != 2 || sum.Versions[1].Steps != 14 || sum.Versions[0].Heldout.Tasks != 6 || sum.Versions[0].Unseen == nil ||
		sum.Versions[1].Pairs <= sum.Versions[0].Pairs || sum.Verdict == "" {
		t.Fatalf("summary %+v", sum)
	}
	for _, f := range []string{"metrics.jsonl", "curve.svg", "summary.json", "policy.ckpt", "v1.safetensors", "v2.safetensors"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", f, err)
		}
	}
	if log := stderr.String(); strings.Contains(log, "\r") || !strings.Contains(log, "step 14/14 dpo loss") {
		t.Errorf("stderr, a log here, is not plain lines ending at the last step:\n%q", log)
	}
	if !strings.Contains(stdout.String(), "| v2 | 14 |") {
		t.Errorf("the report table lacks version 2:\n%s", stdout.String())
	}
	mf, _ := os.Open(filepath.Join(out, "metrics.jsonl"))
	defer mf.Close()
	ms, err := gpu.ReadMetrics(mf)
	if err != nil || len(ms) != 14 || ms[13].DPOStats == nil || ms[0].Positions == 0 {
		t.Fatalf("metrics: %d lines, %v", len(ms), err)
	}
	// Each version's SFT runs its own schedule from its first step, as the
	// first did (version 2's sat at the floor, on DPO's moments).
	for i := range 4 {
		if v1, v2 := ms[i].LearningRate, ms[7+i].LearningRate; ms[7+i].Phase != gpu.PhaseSFT || v1 != v2 {
			t.Errorf("SFT step %d: learning rate %g in version 1, %g (%s) in version 2, want the same schedule", i+1, v1, v2, ms[7+i].Phase)
		}
	}
	m, tok, err := gpu.LoadPolicy(filepath.Join(out, "policy.ckpt"))
	if err != nil || m.Config.NEmbd != 32 || tok != "bytes" {
		t.Fatalf("checkpoint: %v, %v, %q", err, m, tok)
	}
}

// A config that cannot fit in memory is refused before anything is
// allocated, with a message saying what to change.
func TestOfflineRefusesAModelTooLargeForMemory(t *testing.T) {
	var stderr bytes.Buffer
	err := runOffline(context.Background(), []string{"-out", t.TempDir(), "-preset", "gpt2", "-context", "1024", "-batch", "4096",
		"-train-tasks", "10", "-eval-tasks", "2"}, &bytes.Buffer{}, &stderr)
	if err == nil || !strings.Contains(err.Error(), "GiB") {
		t.Fatalf("err = %v", err)
	}
	// It said "batch 8192" to a run given -batch 4096: the sequences a
	// step holds at once (a pair is two), not the flag's value.
	if !strings.Contains(err.Error(), "8192 sequences at once") || strings.Contains(err.Error(), "batch 8192") {
		t.Errorf("err = %v, want it to count the sequences held at once, not to give them as the -batch", err)
	}
}

// A resumed run too large for memory is told what it can change: the
// checkpoint fixes the model's shape and -preset and -context are ignored
// on resume, yet the refusal said to lower them. The checkpoint stays as
// it was.
func TestAResumedRunTooLargeForMemoryIsToldWhatItCanChange(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const huge = "4000000" // sequences of 64 tokens a step: terabytes
	for _, tt := range []struct {
		name   string
		resume []string // what asks the run for more than its checkpoint holds
		train  func(out string, more ...string) error
	}{
		{"offline", []string{"-versions", "2"}, func(out string, more ...string) error {
			return runOffline(ctx, append([]string{"-out", out, "-preset", "tiny", "-context", "64", "-sft-steps", "1", "-dpo-steps", "1",
				"-batch", "2", "-train-tasks", "5", "-eval-tasks", "1", "-onpolicy-tasks", "0", "-max-tokens", "4", "-versions", "1"}, more...), &bytes.Buffer{}, &bytes.Buffer{})
		}},
		{"run", nil, func(out string, more ...string) error {
			url := judgedPair(t)
			return runOnline(ctx, append([]string{"-server", url, "-trainer-key", "art_i", "-arena", "prompt", "-preset", "tiny", "-context", "64", "-out", out,
				"-rounds", "1", "-round-wait", "1ms", "-sft-steps", "1", "-dpo-steps", "1", "-batch", "2", "-min-pairs", "1", "-eval-tasks", "0", "-play=false"}, more...), &bytes.Buffer{}, &bytes.Buffer{})
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			if err := tt.train(out); err != nil {
				t.Fatal(err)
			}
			before, err := os.ReadFile(filepath.Join(out, "policy.ckpt"))
			if err != nil {
				t.Fatal(err)
			}
			err = tt.train(out, append(tt.resume, "-batch", huge)...)
			if err == nil || !strings.Contains(err.Error(), "GiB") {
				t.Fatalf("err = %v, want a refusal for memory", err)
			}
			if strings.Contains(err.Error(), "smaller -preset, -batch or -context") || !strings.Contains(err.Error(), "smaller -batch") || !strings.Contains(err.Error(), "another -out") {
				t.Errorf("err = %v\nwant it to advise -batch or -accumulate, and another -out for a smaller model", err)
			}
			if after, _ := os.ReadFile(filepath.Join(out, "policy.ckpt")); !bytes.Equal(after, before) {
				t.Error("the checkpoint changed")
			}
		})
	}
}

// A run whose steps diverge (a learning rate far too high) stops saying
// so and what to lower; a new run saves nothing, and a resumed one leaves
// the checkpoint it resumed from byte for byte.
func TestOfflineDivergenceKeepsTheLastCheckpoint(t *testing.T) {
	args := func(out string, more ...string) []string {
		return append([]string{"-out", out, "-preset", "tiny", "-context", "64", "-sft-steps", "2", "-dpo-steps", "3",
			"-batch", "2", "-train-tasks", "20", "-eval-tasks", "1", "-onpolicy-tasks", "0", "-max-tokens", "4"}, more...)
	}
	diverge := func(t *testing.T, args []string, want ...string) {
		t.Helper()
		var stderr bytes.Buffer
		err := runOffline(context.Background(), args, &bytes.Buffer{}, &stderr)
		if !errors.Is(err, gpu.ErrNotFinite) {
			t.Fatalf("err = %v, want a divergence", err)
		}
		for _, want := range append([]string{"lower -lr"}, want...) {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("err = %v, want it to say %q", err, want)
			}
		}
		if !strings.HasSuffix(stderr.String(), "\n") {
			t.Errorf("the progress line is left open, so the error is printed after it:\n%q", stderr.String())
		}
	}
	for _, tt := range []struct{ name, flag string }{{"SFT", "-lr"}, {"DPO", "-dpo-lr"}} {
		t.Run("a new run, in "+tt.name, func(t *testing.T) {
			out := t.TempDir()
			diverge(t, args(out, "-versions", "1", tt.flag, "1e30"), "no version of this run was saved")
			if _, err := os.Stat(filepath.Join(out, "policy.ckpt")); !os.IsNotExist(err) {
				t.Errorf("a run that saved no version left a checkpoint: %v", err)
			}
		})
	}
	t.Run("a resumed run", func(t *testing.T) {
		// Version 1 takes no DPO step, so its rate of 1e30 does no harm
		// until version 2, resumed from the checkpoint, which keeps it.
		out := t.TempDir()
		if err := runOffline(context.Background(), args(out, "-versions", "1", "-dpo-steps", "0", "-dpo-lr", "1e30"), &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		files := []string{"policy.ckpt", "v1.safetensors"}
		before := map[string][]byte{}
		for _, f := range files {
			before[f], _ = os.ReadFile(filepath.Join(out, f))
		}
		diverge(t, args(out, "-versions", "2"), "holds version 1, the last good state", "keeps its rates: give another -out")
		for _, f := range files {
			if b, _ := os.ReadFile(filepath.Join(out, f)); !bytes.Equal(b, before[f]) {
				t.Errorf("%s changed", f)
			}
		}
	})
}

// cancelOn cancels a run the moment its output shows marker.
type cancelOn struct {
	bytes.Buffer
	marker string
	cancel context.CancelFunc
}

func (w *cancelOn) Write(b []byte) (int, error) {
	if bytes.Contains(b, []byte(w.marker)) {
		w.cancel()
	}
	return w.Buffer.Write(b)
}

// An offline run stopped after a version (Ctrl-C) and run again with the
// same command in the same -out trains on from its checkpoint, as a TRL
// or llm.c run resumes: it does not train the saved version again, and
// its metrics.jsonl, curve.svg, summary and weights are those of a run
// that never stopped. It started over, and its metrics.jsonl was
// recreated empty at start.
func TestAnOfflineRunResumesWhereItStopped(t *testing.T) {
	args := func(out string, more ...string) []string {
		return append([]string{"-out", out, "-preset", "tiny", "-context", "64", "-versions", "2", "-sft-steps", "4", "-dpo-steps", "3",
			"-batch", "2", "-train-tasks", "20", "-eval-tasks", "2", "-onpolicy-tasks", "2", "-samples", "2", "-max-tokens", "8"}, more...)
	}
	straight := t.TempDir()
	if err := runOffline(context.Background(), args(straight), &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}

	out := t.TempDir()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	stderr := &cancelOn{marker: "version 1 (step 7)", cancel: stop}
	err := runOffline(ctx, args(out), &bytes.Buffer{}, stderr)
	if want := "version 2: interrupted"; err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "the same command resumes from it") {
		t.Fatalf("err = %v, want it to say %q and how to resume\n%s", err, want, stderr.String())
	}
	// Version 2's steps, logged before a crash its checkpoint never saw,
	// are not kept: every step is logged once.
	mpath := filepath.Join(out, "metrics.jsonl")
	f, err := os.OpenFile(mpath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(f, `{"step":8,"phase":"sft","loss":9,"grad_norm":1,"learning_rate":0.001}`)
	fmt.Fprint(f, `{"step":9,"pha`)
	f.Close()

	var log bytes.Buffer
	if err := runOffline(context.Background(), args(out, "-lr", "0.5"), &bytes.Buffer{}, &log); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	for _, want := range []string{"at version 1 (step 7); training version 2", "-lr 0.5 (the run's: 0.001)", "ignored"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the resumed run does not say %q:\n%s", want, log.String())
		}
	}
	if strings.Contains(log.String(), "version 1 (step 7): held-out") {
		t.Errorf("the resumed run trained version 1 again:\n%s", log.String())
	}
	for _, name := range []string{"metrics.jsonl", "curve.svg", "v2.safetensors"} {
		want, _ := os.ReadFile(filepath.Join(straight, name))
		if got, _ := os.ReadFile(filepath.Join(out, name)); len(want) == 0 || !bytes.Equal(got, want) {
			t.Errorf("%s differs from the uninterrupted run's (%d bytes, want %d)", name, len(got), len(want))
		}
	}
	var a, b Summary
	for dir, sum := range map[string]*Summary{straight: &a, out: &b} {
		raw, _ := os.ReadFile(filepath.Join(dir, "summary.json"))
		if err := json.Unmarshal(raw, sum); err != nil {
			t.Fatal(err)
		}
	}
	ra, _ := json.Marshal(a.Versions)
	rb, _ := json.Marshal(b.Versions)
	if len(b.Versions) != 2 || !bytes.Equal(ra, rb) {
		t.Errorf("summary versions after the resume:\n%s\nwant\n%s", rb, ra)
	}

	// Once every version is trained, the same command has nothing to do.
	log.Reset()
	if err := runOffline(context.Background(), args(out), &bytes.Buffer{}, &log); err != nil || !strings.Contains(log.String(), "nothing to train") {
		t.Errorf("a rerun of a finished run: %v\n%s", err, log.String())
	}
}

// A checkpoint in -out that offline cannot resume is refused and left as
// it is: a damaged one, and one of arena-trainer run. Offline trained
// over either from scratch.
func TestOfflineRefusesACheckpointItCannotResume(t *testing.T) {
	tr := tinyTrainer(t)
	good := filepath.Join(t.TempDir(), "policy.ckpt")
	if err := tr.Save(good); err != nil {
		t.Fatal(err)
	}
	whole, _ := os.ReadFile(good)
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"cut short", whole[:len(whole)-100], "damaged or cut short"},
		{"run's", whole, "is not an arena-trainer offline run's checkpoint"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			ckpt := filepath.Join(out, "policy.ckpt")
			if err := os.WriteFile(ckpt, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			err := runOffline(context.Background(), []string{"-out", out, "-preset", "tiny", "-context", "64", "-versions", "1", "-sft-steps", "1", "-dpo-steps", "1",
				"-batch", "2", "-train-tasks", "5", "-eval-tasks", "1", "-max-tokens", "4"}, &bytes.Buffer{}, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "another -out") {
				t.Fatalf("err = %v, want it to say %q and what to do", err, tt.want)
			}
			if b, _ := os.ReadFile(ckpt); !bytes.Equal(b, tt.data) {
				t.Errorf("the checkpoint was changed")
			}
			if entries, _ := os.ReadDir(out); len(entries) != 1 {
				t.Errorf("the refused run wrote into -out: %d entries", len(entries))
			}
		})
	}
}

// A damaged or cut-short checkpoint in -out is refused with what to do,
// and left as it is: it may be all that is left of a long run.
func TestRunRefusesADamagedCheckpoint(t *testing.T) {
	good := filepath.Join(t.TempDir(), "policy.ckpt")
	tr := tinyTrainer(t)
	if err := tr.Save(good); err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	flipped := slices.Clone(whole)
	flipped[len(flipped)-10] ^= 0xff
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "0 bytes"},
		{"cut inside the header", whole[:100], "cut short"},
		{"cut inside the tensors", whole[:len(whole)-100], "beyond the"},
		{"a flipped byte", flipped, "a tensor is damaged"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			ckpt := filepath.Join(out, "policy.ckpt")
			if err := os.WriteFile(ckpt, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			err := runOnline(context.Background(), []string{"-server", "http://127.0.0.1:1", "-trainer-key", "art_x", "-play=false", "-out", out},
				&bytes.Buffer{}, &bytes.Buffer{})
			if err == nil {
				t.Fatal("a damaged checkpoint was accepted")
			}
			for _, want := range []string{"cannot resume from " + ckpt, "damaged or cut short", tt.want, "another -out"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("err = %v, want it to say %q", err, want)
				}
			}
			if b, _ := os.ReadFile(ckpt); !bytes.Equal(b, tt.data) {
				t.Errorf("the damaged checkpoint was changed")
			}
		})
	}
}

// TestBadCommandLinesStopBeforeTraining: a stray word (after which the flag
// package reads no more flags) and an unknown family stop with a message
// instead of running on defaults or panicking.
func TestBadCommandLinesStopBeforeTraining(t *testing.T) {
	out := t.TempDir()
	for _, tt := range []struct {
		name string
		run  func(context.Context, []string, io.Writer, io.Writer) error
		args []string
		want string
	}{
		{"a stray word before offline's flags", runOffline, []string{"extra", "-out", out, "-preset", "tiny"}, `unexpected argument "extra"`},
		{"a stray word after run's flags", runOnline, []string{"-out", out, "oops"}, `unexpected argument "oops"`},
		{"a stray word for bench", runBench, []string{"-steps", "1", "more"}, `unexpected argument "more"`},
		{"an unknown family", runOffline, []string{"-out", out, "-preset", "tiny", "-families", "extract,nosuch"}, `unknown family "nosuch"`},
		{"an unknown held-out family", runOffline, []string{"-out", out, "-preset", "tiny", "-heldout-families", "nosuch"}, `unknown family "nosuch"`},
		// Sizes of 0 or less panicked deep in the trainer.
		{"a zero batch for bench", runBench, []string{"-preset", "tiny", "-batch", "0"}, "-batch must be at least 1, got 0"},
		{"a zero sequence for bench", runBench, []string{"-preset", "tiny", "-seq", "0"}, "-seq must be at least 1"},
		{"a negative batch for offline", runOffline, []string{"-out", out, "-preset", "tiny", "-batch", "-1"}, "-batch must be at least 1, got -1"},
		{"a negative batch for run", runOnline, []string{"-out", out, "-batch", "-1"}, "-batch must be at least 1, got -1"},
		{"no versions", runOffline, []string{"-out", out, "-preset", "tiny", "-versions", "0"}, "-versions must be at least 1"},
		// Values a float or duration flag parses but training cannot use:
		// they ran on (a NaN at step 2, greedy sampling, no wait at all) or
		// were refused without naming the flag.
		{"an infinite learning rate", runOffline, []string{"-out", out, "-preset", "tiny", "-lr", "Inf"}, "-lr must be a finite number above 0, got +Inf"},
		{"a NaN DPO rate for run", runOnline, []string{"-out", out, "-dpo-lr", "NaN"}, "-dpo-lr must be a finite number above 0, got NaN"},
		{"a negative prompt loss", runOffline, []string{"-out", out, "-preset", "tiny", "-prompt-loss", "-1"}, "-prompt-loss must be a finite number, 0 or more, got -1"},
		{"a negative temperature", runOffline, []string{"-out", out, "-preset", "tiny", "-temperature", "-1"}, "-temperature must be a finite number, 0 or more"},
		{"a negative temperature for run", runOnline, []string{"-out", out, "-temperature", "-2"}, "-temperature must be a finite number, 0 or more"},
		{"a negative context", runOffline, []string{"-out", out, "-preset", "tiny", "-context", "-5"}, "-context must be at least 0, got -5"},
		{"a negative context for run", runOnline, []string{"-out", out, "-context", "-5"}, "-context must be at least 0, got -5"},
		// A window of 3 trained on answers whose question was cut away.
		{"a context too small for a prompt and an answer", runOffline, []string{"-out", out, "-preset", "tiny", "-context", "3"},
			"-context must be 0 (the preset's window) or at least 8 tokens, got 3: a clipped prompt keeps a quarter"},
		{"a context too small for run", runOnline, []string{"-out", out, "-context", "7"}, "-context must be 0 (the preset's window) or at least 8 tokens, got 7"},
		{"every instance held out", runOffline, []string{"-out", out, "-preset", "tiny", "-heldout-percent", "150"}, "-heldout-percent must be below 100"},
		{"a negative held-out share", runOffline, []string{"-out", out, "-preset", "tiny", "-heldout-percent", "-1"}, "-heldout-percent must be at least 0"},
		{"a negative round wait", runOnline, []string{"-out", out, "-round-wait", "-5s"}, "-round-wait must not be negative, got -5s"},
		{"a negative final wait", runOnline, []string{"-out", out, "-final-wait", "-1s"}, "-final-wait must not be negative"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run(context.Background(), tt.args, &bytes.Buffer{}, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to say %s", err, tt.want)
			}
		})
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("a refused command line wrote %d files into -out", len(entries))
	}
}

// TestRoundsResumeFromTheCheckpointCursor trains against a real node: a
// second run resumes at the checkpoint's cursor, takes the pairs before it
// again (a version trains on everything pulled so far) and counts only
// the later ones as new.
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
	args := []string{"-server", srv.URL, "-trainer-key", "art_k", "-arena", "prompt", "-preset", "tiny", "-context", "64", "-out", out, "-rounds", "1", "-sft-steps", "3",
		"-dpo-steps", "3", "-batch", "2", "-min-pairs", "1", "-round-wait", "1ms", "-play=false"}
	var stderr bytes.Buffer
	// A run that finds too few pairs trains nothing and keeps nothing: the
	// pairs it saw are not skipped by the next run.
	starved := append(slices.Clone(args), "-min-pairs", "100", "-wait-data", "1ms")
	if err := runOnline(ctx, starved, &bytes.Buffer{}, &stderr); err == nil || !strings.Contains(err.Error(), "nothing was trained") {
		t.Fatalf("a run with too few pairs: %v\n%s", err, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(out, "policy.ckpt")); !os.IsNotExist(err) {
		t.Fatalf("a run that trained nothing left a checkpoint (%v): its cursor would skip the pairs it saw", err)
	}
	stderr.Reset()
	if err := runOnline(ctx, args, &bytes.Buffer{}, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if !bytes.Contains(stderr.Bytes(), []byte("round 1: 3 new pairs (cursor 3)")) {
		t.Fatalf("the run after a starved one did not see every pair:\n%s", stderr.String())
	}
	ck, err := gpu.Load(filepath.Join(out, "policy.ckpt"))
	if err != nil || ck.Header.Cursor != "3" || ck.Reference == nil {
		t.Fatalf("checkpoint header %+v, %v", ck.Header, err)
	}
	if _, err := os.Stat(filepath.Join(out, fmt.Sprintf("v%d.safetensors", ck.Header.Step))); err != nil {
		t.Errorf("the version's weights were not written beside the checkpoint: %v", err)
	}
	// docs/TRAINING.md promises the run draws curve.svg, as offline does.
	if svg, err := os.ReadFile(filepath.Join(out, "curve.svg")); err != nil || !bytes.Contains(svg, []byte("<svg")) {
		t.Fatalf("run wrote no curve.svg: %v", err)
	}
	judged("c_trz")
	// A round interrupted before its checkpoint logged steps the resumed
	// run takes again: they must not stay in the log.
	mpath := filepath.Join(out, "metrics.jsonl")
	f, err := os.OpenFile(mpath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(f, `{"step":7,"phase":"sft","loss":1,"grad_norm":1,"learning_rate":0.001}`)
	f.Close()
	// Likewise a version evaluated in that round but never saved; the
	// resumed run numbers its rounds after the saved ones.
	vpath := filepath.Join(out, "versions.jsonl")
	kept := fmt.Sprintf(`{"round":1,"version":"learner@v%d"}`+"\n", ck.Header.Step)
	if err := os.WriteFile(vpath, []byte(kept+fmt.Sprintf(`{"round":2,"version":"learner@v%d"}`+"\n", 2*ck.Header.Step)), 0o644); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	if err := runOnline(ctx, append(slices.Clone(args), "-lr", "0.5"), &bytes.Buffer{}, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	// Only -lr differs from the run's flags: the same -preset and
	// -context given again were named as ignored too.
	if s := stderr.String(); !strings.Contains(s, "whose model and training settings are kept: -lr 0.5 (the run's: 0.001) ignored") {
		t.Errorf("a resumed run did not name -lr alone as ignored:\n%s", stderr.String())
	}
	mf, err := os.Open(mpath)
	if err != nil {
		t.Fatal(err)
	}
	defer mf.Close()
	ms, err := gpu.ReadMetrics(mf)
	if err != nil || len(ms) != 12 {
		t.Fatalf("metrics after the resume: %d lines, %v; want the 12 steps of two rounds", len(ms), err)
	}
	for i, m := range ms {
		if m.Step != i+1 {
			t.Fatalf("metrics line %d is step %d: every step once, in order", i+1, m.Step)
		}
	}
	if v, err := os.ReadFile(vpath); err != nil || string(v) != kept {
		t.Errorf("versions.jsonl after the resume: %q, %v; want only the saved version's row %q", v, err, kept)
	}
	if !bytes.Contains(stderr.Bytes(), []byte("round 2: 1 new pairs (cursor 4), 4 in all")) {
		t.Fatalf("the resumed run did not start at the cursor with every pair trained on before:\n%s", stderr.String())
	}
	if !bytes.Contains(stderr.Bytes(), []byte("3 pairs pulled again, up to the checkpoint's cursor 3")) {
		t.Fatalf("the resumed run did not say what it pulled again:\n%s", stderr.String())
	}
}

// An arena with no pairs yet stops a finite run with a message saying so,
// not with a model trained on nothing.
func TestRunStopsOnAnEmptyExport(t *testing.T) {
	srv := clienttest.NewServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := srv.Node.CreateTrainer(ctx, agents.Trainer{ID: "tr_e", Name: "e"}, agents.HashKey("art_e")); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	var stderr bytes.Buffer
	err := runOnline(ctx, []string{"-server", srv.URL, "-trainer-key", "art_e", "-preset", "tiny", "-out", out, "-rounds", "1",
		"-round-wait", "1ms", "-wait-data", "20ms", "-play=false"}, &bytes.Buffer{}, &stderr)
	if err == nil || !strings.Contains(err.Error(), "nothing was trained") {
		t.Fatalf("err = %v\n%s", err, stderr.String())
	}
	// It polls every millisecond here (the -round-wait); a poll that
	// finds nothing new said so in two lines, dozens of them.
	for _, said := range []string{"round 1: 0 new pairs", "round 1: waiting for at least 10 pairs"} {
		if c := strings.Count(stderr.String(), said); c != 1 {
			t.Errorf("%q said %d times, want once:\n%s", said, c, stderr.String())
		}
	}
}

// A resumed run whose rounds find too few pairs to train on stops saying
// so, as a new run does, and names the checkpoint it left as it was: it
// exited 0 having trained nothing, as if it had made a version.
func TestAResumedRunThatTrainsNothingSaysSo(t *testing.T) {
	url := judgedPair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out := t.TempDir()
	args := []string{"-server", url, "-trainer-key", "art_i", "-arena", "prompt", "-preset", "tiny", "-context", "64", "-out", out,
		"-rounds", "1", "-round-wait", "1ms", "-wait-data", "20ms", "-sft-steps", "1", "-dpo-steps", "1", "-batch", "2", "-eval-tasks", "0", "-play=false"}
	if err := runOnline(ctx, append(slices.Clone(args), "-min-pairs", "1"), &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(out, "policy.ckpt")
	before, err := os.ReadFile(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	err = runOnline(ctx, append(slices.Clone(args), "-min-pairs", "1000"), &bytes.Buffer{}, &stderr)
	if err == nil || !strings.Contains(err.Error(), "nothing was trained") || !strings.Contains(err.Error(), ckpt+" still holds step 2") {
		t.Fatalf("err = %v, want it to say nothing was trained and what the checkpoint holds\n%s", err, stderr.String())
	}
	if after, _ := os.ReadFile(ckpt); !bytes.Equal(after, before) {
		t.Errorf("the checkpoint changed in a run that trained nothing")
	}
}

// TestAResumedRunEntersItsVersionAgain: the version's agent exists from
// the run that trained it, whose key only that run saw; a run resumed from
// the checkpoint takes the same agent back with a fresh key instead of
// failing on the name.
func TestAResumedRunEntersItsVersionAgain(t *testing.T) {
	srv := clienttest.NewServer(t)
	_, key := srv.AddOwner(t, "lea", "")
	owner := srv.Client(t, key)
	ctx := context.Background()
	_, id1, key1, err := enter(ctx, owner, "learner@v7", "v7")
	if err != nil {
		t.Fatal(err)
	}
	_, id2, key2, err := enter(ctx, owner, "learner@v7", "v7")
	if err != nil {
		t.Fatalf("entering the same version again: %v", err)
	}
	if id2 != id1 || key2 == "" || key2 == key1 {
		t.Fatalf("second entry: agent %s key changed %v, want agent %s with a new key", id2, key2 != key1, id1)
	}
	// An owner route tells a known agent key (403: wrong kind) from an
	// unknown one (401).
	if _, err := srv.Client(t, key2).Me(ctx); !client.IsCode(err, "forbidden") {
		t.Errorf("the new key is not a known agent key: %v", err)
	}
	if _, err := srv.Client(t, key1).Me(ctx); !client.IsCode(err, "unauthorized") {
		t.Errorf("the old key still works: %v", err)
	}
}

// An unknown flag is printed once, with the command's flags, by the flag
// package; the error it returns is marked so that main exits 2 without
// printing it a second time (it used to).
func TestAnUnknownFlagIsReportedOnce(t *testing.T) {
	for name, run := range map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"offline": runOffline, "run": runOnline, "bench": runBench,
	} {
		var stderr bytes.Buffer
		err := run(context.Background(), []string{"-nosuch"}, &bytes.Buffer{}, &stderr)
		var refused flagError
		if !errors.As(err, &refused) {
			t.Errorf("%s: err = %v, want a flagError", name, err)
		}
		if got := strings.Count(stderr.String(), "flag provided but not defined: -nosuch"); got != 1 {
			t.Errorf("%s: the error was printed %d times:\n%s", name, got, stderr.String())
		}
	}
}

// The learner trains on and plays text answers: an arena of another game
// (or none of that name) is refused before anything is loaded or waited
// for, naming the arena and what it plays.
func TestRunRefusesAnArenaWithoutTextAnswers(t *testing.T) {
	srv := clienttest.NewServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := srv.Node.CreateTrainer(ctx, agents.Trainer{ID: "tr_x", Name: "x"}, agents.HashKey("art_k")); err != nil {
		t.Fatal(err)
	}
	for arena, want := range map[string]string{
		"connect4": `arena "connect4" plays connect4, whose contests make no preference pairs`,
		"nosuch":   `read arena "nosuch"`,
	} {
		out := t.TempDir()
		err := runOnline(ctx, []string{"-server", srv.URL, "-trainer-key", "art_k", "-arena", arena, "-preset", "tiny", "-out", out, "-play=false"},
			&bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("-arena %s: err = %v, want it to say %s", arena, err, want)
		}
		if entries, _ := os.ReadDir(out); len(entries) != 0 {
			t.Errorf("-arena %s: the refused run wrote %d files into -out", arena, len(entries))
		}
	}
}

// -context's floor is the smallest window a prompt and its answer share
// (gpu.MinContext); 0 is the preset's own window.
func TestContextFloorIsTheSmallestWindowForAPromptAndAnAnswer(t *testing.T) {
	for value, ok := range map[string]bool{"0": true, "8": true, "7": false, "1": false, "512": true} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		var o modelOptions
		o.register(fs, "tiny")
		if err := fs.Parse([]string{"-context", value}); err != nil {
			t.Fatal(err)
		}
		if err := contextFlag(fs); (err == nil) != ok {
			t.Errorf("-context %s: %v, want accepted %v", value, err, ok)
		}
	}
	if gpu.MinContext != 8 {
		t.Errorf("gpu.MinContext = %d: the messages and docs say 8", gpu.MinContext)
	}
}

// A checkpoint of offline that run trains on is run's from then on:
// offline does not resume it as if it were the run it left.
func TestRunDropsTheOfflineStateOfACheckpointItTrainsOn(t *testing.T) {
	out := t.TempDir()
	if err := runOffline(context.Background(), []string{"-out", out, "-preset", "tiny", "-context", "64", "-versions", "1", "-sft-steps", "1", "-dpo-steps", "1",
		"-batch", "2", "-train-tasks", "5", "-eval-tasks", "1", "-max-tokens", "4"}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := runOnline(ctx, []string{"-server", judgedPair(t), "-trainer-key", "art_i", "-arena", "prompt", "-out", out, "-rounds", "1", "-sft-steps", "1",
		"-dpo-steps", "1", "-batch", "2", "-min-pairs", "1", "-round-wait", "1ms", "-play=false"}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	ck, err := gpu.Load(filepath.Join(out, "policy.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	var st runState
	if ck.Header.Step != 4 || json.Unmarshal(ck.Header.Program, &st) != nil || st.Arena != "prompt" || bytes.Contains(ck.Header.Program, []byte(`"version"`)) {
		t.Fatalf("run's checkpoint: step %d, program state %s; want step 4 and the run's own state", ck.Header.Step, ck.Header.Program)
	}
}

// An offline run without held-out tasks (-eval-tasks 0, to train fast)
// says its held-out accuracy was not measured, rather than printing 0.000
// and calling the run flat.
func TestOfflineWithoutEvalTasksSaysNothingWasMeasured(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := runOffline(context.Background(), []string{"-out", out, "-preset", "tiny", "-context", "64", "-versions", "2", "-sft-steps", "1",
		"-dpo-steps", "1", "-batch", "2", "-train-tasks", "5", "-eval-tasks", "0", "-onpolicy-tasks", "0", "-max-tokens", "4"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var sum Summary
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil || sum.Verdict != "not measured" {
		t.Fatalf("summary verdict %q (%v), want not measured", sum.Verdict, err)
	}
	if !strings.Contains(stderr.String(), "held-out accuracy not measured (-eval-tasks 0)") || strings.Contains(stderr.String(), "held-out accuracy 0.000") {
		t.Errorf("progress says:\n%s", stderr.String())
	}
	if !strings.Contains(stdout.String(), "| v1 | ") || !strings.Contains(stdout.String(), "| – | – |") || !strings.Contains(stdout.String(), "verdict: not measured") {
		t.Errorf("report:\n%s", stdout.String())
	}
}

// tinyTrainer is a one-layer model's trainer over byte tokens, for the
// checkpoint tests.
func tinyTrainer(t *testing.T) *gpu.Trainer {
	t.Helper()
	m, err := gpt.New(gpt.Config{NLayer: 1, NHead: 1, NEmbd: 8, BlockSize: 16, Vocab: 257}, 1)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := openTokenizer("bytes", "", "")
	tr, err := gpu.NewTrainer(m, tok, gpu.DefaultTrainerConfig())
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// Another run's version of the same step is not taken over: a second run
// of the same owner (a new -out, other settings) made learner@v80 again,
// and enter gave it the first run's agent, so two models' games were rated
// as one. A version's description carries its weights' hash; the same
// weights (a resumed run) take their agent back, other weights enter as
// learner@v80-2, -3, …, and an agent entered before descriptions carried
// the hash is taken back as it was.
func TestAnotherRunsVersionEntersUnderItsOwnName(t *testing.T) {
	srv := clienttest.NewServer(t)
	_, key := srv.AddOwner(t, "lea", "")
	owner := srv.Client(t, key)
	ctx := context.Background()
	a := "policy; weights sha256:aaaaaaaaaaaa"
	b := "policy; weights sha256:bbbbbbbbbbbb"
	c := "policy; weights sha256:cccccccccccc"
	steps := []struct {
		desc, wantName string
		sameAs         int // index of the step whose agent it must be (-1: a new one)
	}{
		{a, "learner@v7", -1},
		{b, "learner@v7-2", -1},
		{b, "learner@v7-2", 1},
		{a, "learner@v7", 0},
		{c, "learner@v7-3", -1},
	}
	ids := make([]string, len(steps))
	for i, st := range steps {
		name, id, key, err := enter(ctx, owner, "learner@v7", st.desc)
		if err != nil || key == "" {
			t.Fatalf("step %d: %v", i, err)
		}
		ids[i] = id
		if name != st.wantName {
			t.Errorf("step %d: entered as %s, want %s", i, name, st.wantName)
		}
		for j := range i {
			if same := ids[j] == id; same != (j == st.sameAs) {
				t.Errorf("step %d: agent %s, step %d's %s: same %v, want %v", i, id, j, ids[j], same, j == st.sameAs)
			}
		}
	}
	// A version entered by an arena-trainer whose descriptions had no hash
	// is taken back by name, as before.
	if _, err := owner.CreateAgent(ctx, client.CreateAgentRequest{Name: "learner@v9", Kind: client.KindWebSocket, Description: "policy"}); err != nil {
		t.Fatal(err)
	}
	if name, _, _, err := enter(ctx, owner, "learner@v9", a); err != nil || name != "learner@v9" {
		t.Errorf("an agent of no hash: entered as %s, %v; want it taken back", name, err)
	}
	// Taken back, it names the weights now: another run's learner@v9 is
	// no longer given it.
	if name, _, _, err := enter(ctx, owner, "learner@v9", b); err != nil || name != "learner@v9-2" {
		t.Errorf("other weights after the takeover: entered as %s, %v; want learner@v9-2", name, err)
	}
}
