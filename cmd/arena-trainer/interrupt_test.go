package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/client/clienttest"
)

// cancelOnWrite cancels a run the moment its progress line shows a step,
// as Ctrl-C in the middle of a round does.
type cancelOnWrite struct {
	bytes.Buffer
	cancel context.CancelFunc
}

func (w *cancelOnWrite) Write(b []byte) (int, error) {
	if bytes.Contains(b, []byte(" loss ")) {
		w.cancel()
	}
	return w.Buffer.Write(b)
}

// A run stopped mid-round says so on a line of its own, not as a bare
// "context canceled" glued to the progress bar, and keeps no checkpoint.
func TestARunInterruptedMidRoundSaysSo(t *testing.T) {
	url := judgedPair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, stop := context.WithCancel(ctx)
	defer stop()
	stderr := &cancelOnWrite{cancel: stop}
	out := t.TempDir()
	err := runOnline(run, []string{"-server", url, "-trainer-key", "art_i", "-arena", "prompt", "-preset", "tiny", "-context", "64", "-out", out,
		"-rounds", "1", "-sft-steps", "100000", "-dpo-steps", "1", "-batch", "2", "-min-pairs", "1", "-play=false"}, &bytes.Buffer{}, stderr)
	if err == nil || !strings.Contains(err.Error(), "interrupted mid-round") || strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("err = %v, want it to say the round was interrupted", err)
	}
	// Its steps stay in the log, which says what happened; the error
	// said "nothing was kept".
	if !strings.Contains(err.Error(), "metrics.jsonl logs its step") || strings.Contains(err.Error(), "nothing was kept") {
		t.Errorf("err = %v, want it to say what metrics.jsonl keeps of the round", err)
	}
	if !strings.HasSuffix(stderr.String(), "\n") {
		t.Errorf("the progress line is left open, so the error is printed after the bar:\n%q", stderr.String())
	}
	if _, err := os.Stat(filepath.Join(out, "policy.ckpt")); !os.IsNotExist(err) {
		t.Errorf("an interrupted first round left a checkpoint: %v", err)
	}
}

// cancelOnNewline cancels a run when the progress logs a round's last
// step, which it does once the round's steps are done (a log gets a line
// at most every logEvery, and each phase's last step at its end): the
// round is trained and about to be saved, as Ctrl-C while a run waits for
// its next round is.
type cancelOnNewline struct {
	bytes.Buffer
	cancel context.CancelFunc
	last   string // the round's last step, "step 3/3"
}

func (w *cancelOnNewline) Write(b []byte) (int, error) {
	if bytes.Contains(b, []byte(w.last+" ")) {
		w.cancel()
	}
	return w.Buffer.Write(b)
}

// A run stopped between rounds loses nothing: it exits cleanly and says
// which checkpoint a rerun resumes from.
func TestARunInterruptedBetweenRoundsKeepsItsCheckpoint(t *testing.T) {
	url := judgedPair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run, stop := context.WithCancel(ctx)
	defer stop()
	stderr := &cancelOnNewline{cancel: stop, last: "step 3/3"}
	out := t.TempDir()
	err := runOnline(run, []string{"-server", url, "-trainer-key", "art_i", "-arena", "prompt", "-preset", "tiny", "-context", "64", "-out", out,
		"-rounds", "3", "-round-wait", "10m", "-sft-steps", "2", "-dpo-steps", "1", "-batch", "2", "-min-pairs", "1", "-eval-tasks", "0", "-play=false"},
		&bytes.Buffer{}, stderr)
	if err != nil {
		t.Fatalf("a run stopped between rounds failed: %v\n%s", err, stderr.String())
	}
	ckpt := filepath.Join(out, "policy.ckpt")
	if _, err := os.Stat(ckpt); err != nil {
		t.Fatalf("the trained round's checkpoint is missing: %v", err)
	}
	if want := "interrupted between rounds; the checkpoint " + ckpt + " holds step 3"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr does not say %q:\n%s", want, stderr.String())
	}
}

// judgedPair starts a server holding one judged prompt contest (one pair
// to train on) and a trainer whose key is art_i; it returns the server's
// URL.
func judgedPair(t *testing.T) string {
	t.Helper()
	srv := clienttest.NewServer(t)
	srv.JudgedPrompts(t, "i", "c_i")
	srv.AddTrainer(t, "tr_i", "art_i")
	return srv.URL
}
