package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/agentarena/arena/gpu"
)

// progress draws a one-line bar: step, loss, the latest TRL metrics,
// training throughput and the time left.
type progress struct {
	w         io.Writer
	total     int
	n         int
	start     time.Time
	last      time.Time
	positions int
	busy      time.Duration // time spent in steps, not in evaluation
	stepStart time.Time
}

func newProgress(w io.Writer, total int) *progress {
	now := time.Now()
	return &progress{w: w, total: total, start: now, stepStart: now}
}

// pause ends a stretch of steps: whatever runs until the next step
// (evaluation, sampling) does not count as training time.
func (p *progress) pause() {
	if !p.stepStart.IsZero() {
		p.busy += time.Since(p.stepStart)
		p.stepStart = time.Time{}
	}
	fmt.Fprintln(p.w)
}

func (p *progress) step(m gpu.StepMetrics) {
	now := time.Now()
	if p.stepStart.IsZero() {
		p.stepStart = now // the first step after a pause: its own time is lost, a small undercount
	}
	p.n++
	p.positions += m.Positions
	if now.Sub(p.last) < 200*time.Millisecond && p.n < p.total {
		return
	}
	p.last = now
	busy := p.busy + now.Sub(p.stepStart)
	width := 24
	filled := min(width, width*p.n/max(p.total, 1))
	bar := strings.Repeat("█", filled) + strings.Repeat("·", width-filled)
	line := fmt.Sprintf("\r%s step %d/%d %s loss %.4f", bar, p.n, p.total, m.Phase, m.Loss)
	if m.DPOStats != nil {
		line += fmt.Sprintf(" margins %.3f acc %.2f", m.DPOStats.RewardsMargins, m.DPOStats.RewardsAccuracies)
	}
	if s := busy.Seconds(); s > 0 {
		left := time.Duration(float64(busy) / float64(p.n) * float64(p.total-p.n)).Round(time.Second)
		line += fmt.Sprintf(" %.0f tok/s, %v left", float64(p.positions)/s, left)
	}
	fmt.Fprintf(p.w, "%s   ", line)
}

func (p *progress) done() { fmt.Fprintln(p.w) }
