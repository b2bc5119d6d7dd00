package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/agentarena/arena/gpu"
)

// progress draws a one-line bar with the latest TRL metrics.
type progress struct {
	w     io.Writer
	total int
	n     int
	start time.Time
	last  time.Time
}

func newProgress(w io.Writer, total int) *progress {
	return &progress{w: w, total: total, start: time.Now()}
}

func (p *progress) step(m gpu.StepMetrics) {
	p.n++
	if time.Since(p.last) < 200*time.Millisecond && p.n < p.total {
		return
	}
	p.last = time.Now()
	width := 30
	filled := min(width, width*p.n/max(p.total, 1))
	bar := strings.Repeat("█", filled) + strings.Repeat("·", width-filled)
	line := fmt.Sprintf("\r%s %d/%d %s loss %.4f", bar, p.n, p.total, m.Phase, m.Loss)
	if m.DPOStats != nil {
		line += fmt.Sprintf(" rewards/margins %.3f rewards/accuracies %.2f", m.DPOStats.RewardsMargins, m.DPOStats.RewardsAccuracies)
	}
	fmt.Fprintf(p.w, "%s %.0fs   ", line, time.Since(p.start).Seconds())
}

func (p *progress) done() { fmt.Fprintln(p.w) }
