package gpt

import (
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkTrainStepCPU times one forward+backward of the "cpu" preset on 8×256 tokens.
func BenchmarkTrainStepCPU(b *testing.B) {
	cfg, err := Preset("cpu")
	if err != nil {
		b.Fatal(err)
	}
	m, err := New(cfg, 1)
	if err != nil {
		b.Fatal(err)
	}
	const B, T = 8, 256
	rng := rand.New(rand.NewPCG(1, 1))
	batch := Batch{B: B, T: T, Inputs: make([]int32, B*T), Targets: make([]int32, B*T)}
	for i := range batch.Inputs {
		batch.Inputs[i] = int32(rng.IntN(256))
		batch.Targets[i] = int32(rng.IntN(256))
	}
	grads := make([]float32, len(m.Params))
	act := m.Forward(batch, nil)
	m.Backward(act, act.LossGrad(), grads)
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		act = m.Forward(batch, act)
		m.Backward(act, act.LossGrad(), grads)
	}
	b.ReportMetric(float64(b.N*B*T)/time.Since(start).Seconds(), "tokens/s")
}
