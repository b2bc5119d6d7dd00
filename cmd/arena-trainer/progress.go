package main

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/agentarena/arena/gpu"
	"github.com/agentarena/arena/internal/term"
)

// progress reports training: step, loss, the latest TRL metrics,
// throughput and the time left. On a terminal it redraws one line in
// place, fitted to the terminal's width; into a pipe or a log it writes
// plain lines, one every logEvery, plus each phase's last step: a
// redrawn line there was hundreds of carriage returns on one line.
type progress struct {
	w     io.Writer
	tty   bool // redraw in place
	cols  int  // the terminal's width (tty only)
	every time.Duration

	total, n, positions int
	// base is the steps taken before this run, by the run it resumes:
	// the line counts the run's steps, as its metrics.jsonl does.
	base        int
	start, last time.Time
	busy        time.Duration // time spent in steps, not in evaluation
	stepStart   time.Time
	latest      gpu.StepMetrics
	drawn       bool // the latest step is on screen or in the log
	open        bool // a redrawn line waits for its newline (tty only)
}

// Redraw and log intervals: a terminal line is cheap to replace, a log
// line stays for good.
const (
	ttyEvery = 200 * time.Millisecond
	logEvery = 10 * time.Second
)

func newProgress(w io.Writer, total int) *progress {
	now := time.Now()
	p := &progress{w: w, total: total, start: now, stepStart: now, every: logEvery, drawn: true}
	if cols, ok := term.Width(w); ok {
		p.tty, p.cols, p.every = true, cols, ttyEvery
	}
	return p
}

// pause ends a stretch of steps: whatever runs until the next step
// (evaluation, sampling) does not count as training time. The stretch's
// last step is shown, so a log keeps every phase's final loss.
func (p *progress) pause() {
	if !p.stepStart.IsZero() {
		p.busy += time.Since(p.stepStart)
		p.stepStart = time.Time{}
	}
	p.flush()
}

func (p *progress) step(m gpu.StepMetrics) {
	now := time.Now()
	if !p.drawn && p.latest.Phase != "" && m.Phase != p.latest.Phase {
		// A phase ended without a pause (arena-trainer run goes from SFT
		// to DPO in one stretch): its last step is shown all the same.
		p.draw(now)
	}
	if p.stepStart.IsZero() {
		p.stepStart = now // the first step after a pause: its own time is lost, a small undercount
	}
	p.n++
	p.positions += m.Positions
	p.latest, p.drawn = m, false
	if !p.last.IsZero() && now.Sub(p.last) < p.every && !(p.tty && p.n >= p.total) {
		return
	}
	p.draw(now)
}

// done shows the last step and ends the line, before whatever is printed
// next: a result, or an error that would otherwise follow the bar.
func (p *progress) done() { p.flush() }

// flush shows the latest step if it is not shown yet and ends a redrawn
// line.
func (p *progress) flush() {
	if !p.drawn {
		p.draw(time.Now())
	}
	if p.open {
		fmt.Fprintln(p.w)
		p.open = false
	}
}

func (p *progress) draw(now time.Time) {
	p.last, p.drawn = now, true
	line := p.line(now)
	if !p.tty {
		fmt.Fprintln(p.w, line)
		return
	}
	// The numbers come first: on a narrow terminal the bar shrinks, then
	// goes, before the time left is cut off.
	width := min(24, p.cols-2-utf8.RuneCountInString(line))
	if width >= 8 {
		filled := min(width, width*p.n/max(p.total, 1))
		line = strings.Repeat("█", filled) + strings.Repeat("·", width-filled) + " " + line
	}
	// \r returns to the line's start only if it did not wrap; \x1b[K
	// clears what a longer previous line left.
	fmt.Fprintf(p.w, "\r%s\x1b[K", fit(line, p.cols-1))
	p.open = true
}

// line is the step's report, without the bar.
func (p *progress) line(now time.Time) string {
	m := p.latest
	line := fmt.Sprintf("step %d/%d %s loss %.4f", p.base+p.n, p.base+p.total, m.Phase, m.Loss)
	if m.DPOStats != nil {
		line += fmt.Sprintf(" margins %.3f acc %.2f", m.DPOStats.RewardsMargins, m.DPOStats.RewardsAccuracies)
	}
	busy := p.busy
	if !p.stepStart.IsZero() {
		busy += now.Sub(p.stepStart)
	}
	if s := busy.Seconds(); s > 0 {
		left := time.Duration(float64(busy) / float64(p.n) * float64(p.total-p.n)).Round(time.Second)
		line += fmt.Sprintf(" %.0f tok/s, %v left", float64(p.positions)/s, left)
	}
	return line
}

// fit cuts s to at most cols characters (runes: the bar is multi-byte).
func fit(s string, cols int) string {
	if cols <= 0 || utf8.RuneCountInString(s) <= cols {
		return s
	}
	return string([]rune(s)[:cols])
}
