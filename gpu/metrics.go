package gpu

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// MetricsWriter writes step metrics as JSON Lines, one object per step,
// with TRL's metric names, so `jq`, pandas or TRL-side tooling read it.
type MetricsWriter struct{ enc *json.Encoder }

// NewMetricsWriter writes to w. It does not buffer: each line is written
// when the step ends, so a crash loses at most the line being written.
func NewMetricsWriter(w io.Writer) *MetricsWriter { return &MetricsWriter{enc: json.NewEncoder(w)} }

// Write appends one line.
func (mw *MetricsWriter) Write(m StepMetrics) error {
	if err := mw.enc.Encode(m); err != nil {
		return fmt.Errorf("write metrics for step %d: %w", m.Step, err)
	}
	return nil
}

// ReadMetrics parses a JSONL metrics log, skipping blank lines. A
// truncated last line (the trainer died while writing it) is dropped
// rather than failing the whole read.
func ReadMetrics(r io.Reader) ([]StepMetrics, error) {
	var out []StepMetrics
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var pending error
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(b) == 0 {
			continue
		}
		if pending != nil {
			return nil, pending // a bad line that was not the last one
		}
		var m StepMetrics
		if err := json.Unmarshal(b, &m); err != nil {
			pending = fmt.Errorf("metrics line %d: %w", line, err)
			continue
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	return out, nil
}
