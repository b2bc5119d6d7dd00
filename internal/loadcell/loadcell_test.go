package loadcell

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestRank(t *testing.T) {
	d := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{0.5, 5}, {0.9, 9}, {0.99, 10}, {1, 10}, {0, 1}} {
		if got := Rank(d, tc.p); got != tc.want {
			t.Errorf("Rank(%v) = %d, want %d", tc.p, got, tc.want)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := Median(tc.in); got != tc.want {
			t.Errorf("Median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// Every second request of each client fails: the window counts the
// successes as latencies and the failures as errors, never the other way,
// and nothing from the warm-up.
func TestRunCountsSuccessesAndErrors(t *testing.T) {
	var cpu atomic.Int64 // read from the warm-up timer's goroutine and the caller's
	op := func(ctx context.Context, c, n int) error {
		time.Sleep(time.Millisecond)
		if n%2 == 1 {
			return errors.New("odd")
		}
		return nil
	}
	res := Run(t.Context(), 3, 30*time.Millisecond, 200*time.Millisecond, op, func() float64 { return float64(cpu.Add(1)) })
	if res.OK == 0 || res.Errors == 0 {
		t.Fatalf("ok %d, errors %d: want both", res.OK, res.Errors)
	}
	if d := res.OK - res.Errors; d < -3 || d > 3 {
		t.Fatalf("ok %d and errors %d differ by more than one per client", res.OK, res.Errors)
	}
	if res.FirstErr != "odd" || res.P50 < time.Millisecond || res.P99 > res.Max || res.CPUSeconds != 1 {
		t.Fatalf("result %+v", res)
	}
	if want := float64(res.OK) / 0.2; res.PerSec != want {
		t.Fatalf("per second %v, want %v", res.PerSec, want)
	}
}
