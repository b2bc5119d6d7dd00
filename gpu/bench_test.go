package gpu

import (
	"math/rand/v2"
	"testing"
	"time"
)

// benchPairs is a DPO batch shaped like arena data: prompts of ~60 bytes,
// answers of ~120, 16 pairs (so one step scores 32 responses, ~3,900 rows).
func benchPairs(n int) []Pair {
	rng := rand.New(rand.NewPCG(42, 0))
	const text = "abcdefghijklmnopqrstuvwxyz      .,"
	pairs := make([]Pair, n)
	for i := range pairs {
		pairs[i] = Pair{
			ID:       string(rune('a' + i)),
			Prompt:   randString(rng, text, 50+rng.IntN(20)),
			Chosen:   randString(rng, text, 100+rng.IntN(40)),
			Rejected: randString(rng, text, 100+rng.IntN(40)),
		}
	}
	return pairs
}

// BenchmarkDPOStep times one DPO step of the default model on the CPU
// backend: policy forward and backward over chosen and rejected, loss,
// clipping and Adam (reference scores are cached after the first step, as
// in training). tokens/s counts scored response bytes.
func BenchmarkDPOStep(b *testing.B) {
	tr := mustTrainer(b, mustModel(b, DefaultModelConfig()), DefaultTrainerConfig())
	tr.FreezeReference()
	pairs := benchPairs(16)
	if _, err := tr.DPO(pairs); err != nil { // fills the reference cache
		b.Fatal(err)
	}
	tokens := 0
	for b.Loop() {
		m, err := tr.DPO(pairs)
		if err != nil {
			b.Fatal(err)
		}
		tokens += m.Tokens
	}
	b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}

// gemmShape is one product of a training step: C(m×n) = op(A)·op(B), inner k.
type gemmShape struct {
	tA, tB  bool
	m, n, k int
}

// stepGemms lists the seven products of a forward and backward pass of
// the model over rows scored bytes, as Pass runs them (the 1×n bias
// column sums included, since they are part of the step).
func stepGemms(c ModelConfig, rows int) []gemmShape {
	in, h := c.Window*c.Embed, c.Hidden
	return []gemmShape{
		{false, false, rows, h, in},    // h = x·W1
		{false, false, rows, Vocab, h}, // logits = h·W2
		{true, false, h, Vocab, rows},  // dW2 = hᵀ·dZ2
		{false, false, 1, Vocab, rows}, // db2
		{false, true, rows, h, Vocab},  // dh = dZ2·W2ᵀ
		{true, false, in, h, rows},     // dW1 = xᵀ·dZ1
		{false, false, 1, h, rows},     // db1
		{false, true, rows, in, h},     // dx = dZ1·W1ᵀ
	}
}

func gemmFlops(ss []gemmShape) float64 {
	var f float64
	for _, s := range ss {
		f += 2 * float64(s.m) * float64(s.n) * float64(s.k)
	}
	return f
}

// BenchmarkGemm measures the GFLOP/s of the model's gemms at the shapes of
// one DPO step of BenchmarkDPOStep, against gonum's own dgemm on a large
// square matrix timed in the same run, and reports the fraction. The
// model batches every scored byte of every sequence into one gemm per
// layer precisely so that this fraction is high.
func BenchmarkGemm(b *testing.B) {
	cpu := NewCPU()
	rng := rand.New(rand.NewPCG(7, 7))
	buf := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		return v
	}

	// Peak: best of a few 1024² dgemms.
	const sq = 1024
	a, bb, c := buf(sq*sq), buf(sq*sq), buf(sq*sq)
	peak := 0.0
	for range 5 {
		t0 := time.Now()
		cpu.Gemm(false, false, sq, sq, sq, 1, a, bb, 0, c)
		peak = max(peak, 2*sq*sq*sq/time.Since(t0).Seconds()/1e9)
	}

	rows := 0
	for _, p := range benchPairs(16) {
		rows += len(p.Chosen) + len(p.Rejected) + 2
	}
	shapes := stepGemms(DefaultModelConfig(), rows)
	type ops struct{ a, b, c []float64 }
	bufs := make([]ops, len(shapes))
	for i, s := range shapes {
		bufs[i] = ops{buf(s.m * s.k), buf(s.k * s.n), buf(s.m * s.n)}
	}
	flops := 0.0
	for b.Loop() {
		for i, s := range shapes {
			cpu.Gemm(s.tA, s.tB, s.m, s.n, s.k, 1, bufs[i].a, bufs[i].b, 1, bufs[i].c)
		}
		flops += gemmFlops(shapes)
	}
	got := flops / b.Elapsed().Seconds() / 1e9
	b.ReportMetric(got, "model-GFLOP/s")
	b.ReportMetric(peak, "peak-GFLOP/s")
	b.ReportMetric(got/peak, "fraction-of-peak")
	b.ReportMetric(float64(rows), "rows")
}
