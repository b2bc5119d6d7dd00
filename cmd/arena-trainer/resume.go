package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/agentarena/arena/gpu"
)

// What both commands keep of a run in -out, and how a rerun in the same
// -out takes it up: policy.ckpt is the last good state; metrics.jsonl is
// cut back to that checkpoint's step and appended to, so a resumed run's
// log (and the curve.svg drawn from it) reads as one run with every step
// once. Until then the log keeps the steps of a version or round stopped
// before its checkpoint, as TRL's and llm.c's logs do, and the chart
// leaves them out.

// openCheckpoint resumes the trainer from the checkpoint at path; it
// returns nil and no error when there is none. A checkpoint that is cut
// short or damaged is refused and left as it is: it may be all that is
// left of a long run.
func openCheckpoint(path, vocab, merges string) (*gpu.Trainer, error) {
	ck, err := gpu.Load(path)
	if pe := (*os.PathError)(nil); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if errors.As(err, &pe) {
		return nil, fmt.Errorf("load %s: %w", path, err) // unreadable, not damaged
	} else if err != nil {
		return nil, fmt.Errorf("cannot resume from %s, which is damaged or cut short (%w): restore it from a copy, or give another -out to start a new run", path, err)
	}
	tok, err := openTokenizer(ck.Header.Tokenizer, vocab, merges)
	if err != nil {
		return nil, err
	}
	return gpu.Resume(ck, tok)
}

// metricsLog is -out's metrics.jsonl. openMetrics cuts it back to the
// step the run starts from; the file, and -out with it, is created at the
// run's first step, so a run refused or stopped before it trains leaves
// no empty log (or empty -out) behind.
type metricsLog struct {
	dir string
	f   *os.File
	w   *gpu.MetricsWriter
}

// openMetrics prepares dir's metrics.jsonl for appending the steps after
// step, the step the run starts from (0 for a new run), once the lines
// after it are cut away.
func openMetrics(dir string, step int) (*metricsLog, error) {
	if err := cutMetrics(filepath.Join(dir, "metrics.jsonl"), step); err != nil {
		return nil, err
	}
	return &metricsLog{dir: dir}, nil
}

// Write appends one step's line, creating the file at the first.
func (l *metricsLog) Write(m gpu.StepMetrics) error {
	if l.w == nil {
		if err := os.MkdirAll(l.dir, 0o755); err != nil {
			return err
		}
		f, err := os.OpenFile(filepath.Join(l.dir, "metrics.jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		l.f, l.w = f, gpu.NewMetricsWriter(f)
	}
	return l.w.Write(m)
}

// Close closes the file, if a step opened it.
func (l *metricsLog) Close() error {
	if l.f == nil {
		return nil
	}
	return l.f.Close()
}

// cutMetrics keeps the lines of metrics.jsonl up to step, the step the run
// resumes from: the steps of a round or version interrupted before its
// checkpoint were not kept, and appending after them logged steps twice.
// A line cut short by a crash ends what is kept.
func cutMetrics(path string, step int) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var keep []byte
	for _, line := range bytes.SplitAfter(b, []byte("\n")) {
		var m struct{ Step int }
		if len(bytes.TrimSpace(line)) == 0 || json.Unmarshal(line, &m) != nil || m.Step > step {
			break
		}
		keep = append(keep, line...)
	}
	if len(keep) == len(b) {
		return nil
	}
	return os.WriteFile(path, keep, 0o644)
}

// drawCurve draws curve.svg from metrics.jsonl's steps up to saved, the
// checkpoint's step, so a resumed run's chart shows every step of the run,
// those before the resume too. Steps after saved (a version or round
// interrupted before its checkpoint) stay in the log, which says what
// happened, but are not drawn as if the run held them: a rerun trains
// them again and cuts them from the log. With no step up to saved there
// is nothing to draw, and no chart is written.
func drawCurve(dir, title string, saved int) error {
	b, err := os.ReadFile(filepath.Join(dir, "metrics.jsonl"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read metrics for the chart: %w", err)
	}
	ms, err := gpu.ReadMetrics(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("read metrics for the chart: %w", err)
	}
	kept := slices.DeleteFunc(ms, func(m gpu.StepMetrics) bool { return m.Step > saved })
	if len(kept) == 0 {
		return nil
	}
	var svg bytes.Buffer
	if err := gpu.WriteChart(&svg, title, kept); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "curve.svg"), svg.Bytes(), 0o644)
}

// unsavedSteps says, for a run stopped at step now whose checkpoint holds
// step saved, what metrics.jsonl keeps of the steps no checkpoint holds.
func unsavedSteps(saved, now int) string {
	if now <= saved {
		return ""
	}
	steps := fmt.Sprintf("step %d", now)
	if now > saved+1 {
		steps = fmt.Sprintf("steps %d–%d", saved+1, now)
	}
	if saved == 0 {
		return fmt.Sprintf("; metrics.jsonl logs its %s, which no checkpoint holds: a rerun in this -out starts over and cuts them from the log", steps)
	}
	return fmt.Sprintf("; metrics.jsonl logs its %s, which the checkpoint (step %d) does not hold: curve.svg stops at step %d, and a rerun in this -out trains them again and cuts them from the log", steps, saved, saved)
}
