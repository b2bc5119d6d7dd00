package main

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(xs ...int) []time.Duration {
		out := make([]time.Duration, len(xs))
		for i, x := range xs {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"an empty sample has a zero percentile", nil, 50, 0},
		{"one sample is every percentile", ms(7), 99, 7 * time.Millisecond},
		{"p50 of 1..100 is 50", ms(hundred...), 50, 50 * time.Millisecond},
		{"p90 of 1..100 is 90", ms(hundred...), 90, 90 * time.Millisecond},
		{"p99 of 1..100 is 99", ms(hundred...), 99, 99 * time.Millisecond},
		{"p100 is the maximum", ms(hundred...), 100, 100 * time.Millisecond},
		{"p50 of four samples is the second, not an interpolation", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p99 of four samples rounds up to the last", ms(1, 2, 3, 4), 99, 4 * time.Millisecond},
		{"a tiny percentile is the minimum", ms(5, 6, 7), 0.1, 5 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("percentile(%v, %v) = %v, want %v", tt.sorted, tt.p, got, tt.want)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		name string
		xs   []float64
		want float64
	}{
		{"no runs give zero", nil, 0},
		{"an odd count picks the middle regardless of order", []float64{9, 1, 5}, 5},
		{"an even count averages the middle two", []float64{4, 1, 3, 2}, 2.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.xs)
			if got := median(tt.xs); got != tt.want {
				t.Errorf("median(%v) = %v, want %v", tt.xs, got, tt.want)
			}
			if !slices.Equal(in, tt.xs) {
				t.Errorf("median reordered its input: %v", tt.xs)
			}
		})
	}
}

func TestParseMatrix(t *testing.T) {
	tests := []struct {
		name                       string
		nodes, proposers, batching string
		want                       []Cell
		wantErr                    bool
	}{
		{name: "one of each gives one cell", nodes: "3", proposers: "32", batching: "on",
			want: []Cell{{3, 32, true}}},
		{name: "nodes vary slowest and batching fastest", nodes: "1,3", proposers: "1", batching: "on,off",
			want: []Cell{{1, 1, true}, {1, 1, false}, {3, 1, true}, {3, 1, false}}},
		{name: "spaces and empty items are ignored", nodes: " 1, ,3 ", proposers: "1000,", batching: "OFF",
			want: []Cell{{1, 1000, false}, {3, 1000, false}}},
		{name: "both expands to on then off", nodes: "1", proposers: "2", batching: "both",
			want: []Cell{{1, 2, true}, {1, 2, false}}},
		{name: "zero proposers is refused", nodes: "1", proposers: "0", batching: "on", wantErr: true},
		{name: "a non-number is refused", nodes: "three", proposers: "1", batching: "on", wantErr: true},
		{name: "an empty list is refused", nodes: "", proposers: "1", batching: "on", wantErr: true},
		{name: "an unknown batching mode is refused", nodes: "1", proposers: "1", batching: "sometimes", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseMatrix(tt.nodes, tt.proposers, tt.batching)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("parseMatrix = %v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("parseMatrix = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMedianFiguresTakesEachColumnOnItsOwn(t *testing.T) {
	got := medianFigures([]Figures{
		{CommandsPerSec: 100, P99ms: 30},
		{CommandsPerSec: 300, P99ms: 10},
		{CommandsPerSec: 200, P99ms: 20},
	})
	if got.CommandsPerSec != 200 || got.P99ms != 20 {
		t.Errorf("median = %+v, want 200 cmd/s and p99 20 ms", got)
	}
}

// TestRunEndToEnd drives a real one-node cluster briefly: it checks the
// wiring (flags, TCP, fsyncs, JSON), not the numbers.
func TestRunEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real node")
	}
	var out, progress bytes.Buffer
	args := []string{"-nodes", "1", "-proposers", "4", "-batching", "on", "-duration", "300ms",
		"-warmup", "100ms", "-json", "-probe-fsync=false", "-dir", t.TempDir()}
	if code := run(context.Background(), args, &out, &progress); code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s", code, progress.String())
	}
	var rep Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("decode report: %v\n%s", err, out.String())
	}
	if len(rep.Cells) != 1 || rep.Cells[0].Median.CommandsPerSec <= 0 || rep.Cells[0].Median.Errors != 0 {
		t.Errorf("report = %+v, want one cell with commands and no errors", rep)
	}
}
