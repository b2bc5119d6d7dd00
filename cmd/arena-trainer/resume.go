package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/agentarena/arena/gpu"
)

// What both commands keep of a run in -out, and how a rerun in the same
// -out takes it up: policy.ckpt is the last good state; metrics.jsonl is
// cut back to that checkpoint's step and appended to, so a resumed run's
// log (and the curve.svg drawn from all of it) reads as one run with every
// step once, as TRL's and llm.c's logs do after a resume.

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

// openMetrics opens dir's metrics.jsonl for appending the steps after
// step, the step the run starts from (0 for a new run), once the lines
// after it are cut away.
func openMetrics(dir string, step int) (*os.File, error) {
	path := filepath.Join(dir, "metrics.jsonl")
	if err := cutMetrics(path, step); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
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

// drawCurve draws curve.svg from the whole metrics.jsonl, so a resumed
// run's chart shows every step of the run, those before the resume too,
// and a run stopped part way still leaves one.
func drawCurve(dir, title string) error {
	b, err := os.ReadFile(filepath.Join(dir, "metrics.jsonl"))
	if err != nil {
		return fmt.Errorf("read metrics for the chart: %w", err)
	}
	ms, err := gpu.ReadMetrics(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("read metrics for the chart: %w", err)
	}
	var svg bytes.Buffer
	if err := gpu.WriteChart(&svg, title, ms); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "curve.svg"), svg.Bytes(), 0o644)
}
