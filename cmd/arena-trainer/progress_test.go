package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentarena/arena/gpu"
)

// Into a log (a file, a pipe) progress is plain lines: a redrawn bar
// there was one line of hundreds of carriage returns.
func TestProgressIntoALogWritesPlainLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "train.log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	p := newProgress(f, 6)
	for i := range 6 {
		if i == 4 {
			p.pause() // SFT ends: its last step is logged
		}
		p.step(gpu.StepMetrics{Phase: gpu.PhaseSFT, Loss: 2.5, Positions: 100})
	}
	p.done()
	f.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	log := string(b)
	if strings.ContainsAny(log, "\r\x1b") || !strings.HasSuffix(log, "\n") {
		t.Fatalf("a log got terminal control characters or an open line:\n%q", log)
	}
	for _, want := range []string{"step 1/6 sft loss 2.5000", "step 4/6 sft", "step 6/6 sft", "tok/s", "left"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
	if n := strings.Count(log, "\n"); n != 3 {
		t.Errorf("%d lines for 6 quick steps, want 3 (the first, each phase's last):\n%s", n, log)
	}
}

// On a terminal the line is redrawn in place, cut to the terminal's width
// (a wrapped line is not returned to by \r) with the bar going first, and
// ended before anything else is printed.
func TestProgressOnATerminalRedrawsOneLine(t *testing.T) {
	for _, cols := range []int{40, 80, 200} {
		var buf bytes.Buffer
		p := newProgress(&buf, 3)
		p.tty, p.cols, p.every = true, cols, 0
		for range 3 {
			p.step(gpu.StepMetrics{Phase: gpu.PhaseDPO, Loss: 0.69, DPOStats: &gpu.DPOStats{RewardsMargins: 0.1, RewardsAccuracies: 0.5}, Positions: 10})
		}
		p.done()
		out := buf.String()
		if !strings.HasSuffix(out, "\x1b[K\n") || strings.Count(out, "\n") != 1 {
			t.Fatalf("%d columns: want redrawn lines ended once:\n%q", cols, out)
		}
		for _, draw := range strings.Split(strings.TrimSuffix(out, "\n"), "\r")[1:] {
			if n := len([]rune(strings.TrimSuffix(draw, "\x1b[K"))); n >= cols {
				t.Errorf("a %d-character line on a %d-column terminal: %q", n, cols, draw)
			}
		}
		if cols >= 80 && !strings.Contains(out, "left") {
			t.Errorf("%d columns: the time left was cut off, not the bar:\n%q", cols, out)
		}
		if cols == 200 && !strings.Contains(out, "████") {
			t.Errorf("%d columns: no bar:\n%q", cols, out)
		}
		p.done()
		if strings.Count(buf.String(), "\n") != 1 {
			t.Errorf("a second done printed a blank line")
		}
	}
}
