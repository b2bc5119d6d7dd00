package gpt

import (
	"math"
	"math/rand/v2"
	"testing"
)

// lastLogits runs a full Forward over seq and returns the logits at its last position.
func lastLogits(m *Model, seq []int32) []float32 {
	tg := make([]int32, len(seq))
	act := m.Forward(Batch{B: 1, T: len(seq), Inputs: seq, Targets: tg}, nil)
	V := m.Config.Vocab
	return act.Logits[(len(seq)-1)*V:]
}

func maxDiff(a, b []float32) float64 {
	var d float64
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// The cache must reproduce a full forward at every step, including after the
// block fills and the cache is rebuilt from a shorter window.
func TestKVCacheMatchesForward(t *testing.T) {
	m := testModel(t, 9)
	bs := m.Config.BlockSize
	rng := rand.New(rand.NewPCG(1, 2))
	seq := make([]int32, bs+bs/2)
	for i := range seq {
		seq[i] = int32(rng.IntN(m.Config.Vocab))
	}
	c := m.newCache()
	for i := range bs {
		got := c.feed(seq[i], true)
		if d := maxDiff(got, lastLogits(m, seq[:i+1])); d > 1e-4 {
			t.Fatalf("step %d: cached logits differ from Forward by %g", i, d)
		}
	}
	window := seq[bs/2 : bs+bs/2]
	got := prefill(c, window)
	if d := maxDiff(got, lastLogits(m, window)); d > 1e-4 {
		t.Fatalf("after rebuild: cached logits differ from Forward by %g", d)
	}
}

func TestSampleGreedyMatchesForward(t *testing.T) {
	m := testModel(t, 3)
	prompt := []int32{1, 5, 7}
	got := m.Sample(prompt, SampleOptions{MaxTokens: 10, Stop: -1})
	seq := append([]int32(nil), prompt...)
	for i := range 10 {
		l := lastLogits(m, seq)
		best := 0
		for j, x := range l {
			if x > l[best] {
				best = j
			}
		}
		if got[i] != int32(best) {
			t.Fatalf("token %d: Sample chose %d, full-forward argmax %d", i, got[i], best)
		}
		seq = append(seq, int32(best))
	}
}

func TestSampleOptions(t *testing.T) {
	m := testModel(t, 5)
	bs := m.Config.BlockSize
	long := make([]int32, 3*bs)
	for i := range long {
		long[i] = int32(i % m.Config.Vocab)
	}
	cases := []struct {
		name   string
		prompt []int32
		opt    SampleOptions
		check  func(t *testing.T, out []int32)
	}{
		{"empty prompt", nil, SampleOptions{MaxTokens: 5, Stop: -1}, func(t *testing.T, out []int32) {
			if len(out) != 0 {
				t.Fatalf("got %v", out)
			}
		}},
		{"long prompt and generation past the block", long, SampleOptions{Temperature: 1, MaxTokens: 2 * bs, Stop: -1, Seed: 1}, func(t *testing.T, out []int32) {
			if len(out) != 2*bs {
				t.Fatalf("got %d tokens", len(out))
			}
		}},
		{"top-p tiny keeps the argmax", []int32{4, 2}, SampleOptions{Temperature: 1, TopP: 1e-9, MaxTokens: 6, Stop: -1, Seed: 3}, func(t *testing.T, out []int32) {
			greedy := m.Sample([]int32{4, 2}, SampleOptions{MaxTokens: 6, Stop: -1})
			for i := range out {
				if out[i] != greedy[i] {
					t.Fatalf("top-p %v vs greedy %v", out, greedy)
				}
			}
		}},
		{"stop token ends generation", []int32{1, 5, 7}, SampleOptions{MaxTokens: 10, Stop: -2}, func(t *testing.T, out []int32) {
			greedy := out
			stop := greedy[3]
			first := 0
			for first < len(greedy) && greedy[first] != stop {
				first++
			}
			got := m.Sample([]int32{1, 5, 7}, SampleOptions{MaxTokens: 10, Stop: stop})
			if len(got) != first {
				t.Fatalf("with stop %d got %v from greedy %v", stop, got, greedy)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, m.Sample(tc.prompt, tc.opt))
		})
	}
	a := m.Sample([]int32{3}, SampleOptions{Temperature: 0.8, TopP: 0.9, MaxTokens: 20, Stop: -1, Seed: 42})
	b := m.Sample([]int32{3}, SampleOptions{Temperature: 0.8, TopP: 0.9, MaxTokens: 20, Stop: -1, Seed: 42})
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("same seed sampled differently")
		}
	}
}
