//go:build cuda

package cudagpt_test

import (
	"slices"
	"testing"

	"github.com/agentarena/arena/gpu"
	"github.com/agentarena/arena/gpu/cudagpt"
	"github.com/agentarena/arena/gpu/gpt"
)

// seqSums is Σ logp per row over scored positions (gpu's seqLogP).
func seqSums(logp []float32, b gpt.Batch) []float64 {
	out := make([]float64, b.B)
	for r := range b.B {
		for t := range b.T {
			if b.Targets[r*b.T+t] >= 0 {
				out[r] += float64(logp[r*b.T+t])
			}
		}
	}
	return out
}

// TestCUDADPOStepMatchesCPU takes one DPO step on the device (reference
// scores cached on the device, DPOLoss, the per-sequence gradient
// scattered to the positions) and the same step with gpu.DPOLoss on the
// CPU, for every loss type.
func TestCUDADPOStepMatchesCPU(t *testing.T) {
	dev := openDevice(t)
	setGemm(t, dev, cudagpt.GemmFP32)
	cfg := testConfig(t)
	for _, tc := range []struct {
		name string
		c    gpu.DPOConfig
	}{
		{"sigmoid", gpu.DPOConfig{Beta: 0.1, Loss: gpu.LossSigmoid}},
		{"cdpo", gpu.DPOConfig{Beta: 0.5, Loss: gpu.LossSigmoid, LabelSmoothing: 0.2}},
		{"ipo", gpu.DPOConfig{Beta: 0.1, Loss: gpu.LossIPO}},
		{"hinge", gpu.DPOConfig{Beta: 0.3, Loss: gpu.LossHinge}},
	} {
		c := tc.c
		t.Run(tc.name, func(t *testing.T) {
			ref := randomModel(t, cfg, 31)
			policy := randomModel(t, cfg, 32) // a policy that has moved away from its reference
			b := randomBatch(cfg, 4, 23, 9)   // 2 pairs: rows 0–1 chosen, 2–3 rejected
			const lr, clip = 1e-3, 1.0

			dm := newModel(t, dev, ref, b.B*b.T)
			if err := dm.FreezeReference(); err != nil {
				t.Fatal(err)
			}
			if err := dm.Push(cudagpt.State{Params: policy.Params, Ref: ref.Params}); err != nil {
				t.Fatal(err)
			}
			scores, err := dm.RefLogProbs(b)
			if err != nil {
				t.Fatal(err)
			}
			defer scores.Free()
			res, err := dm.DPOStep(b, scores, dpoParams(c), lr, clip)
			if err != nil {
				t.Fatal(err)
			}

			refSeq := seqSums(ref.Forward(b, nil).TargetLogP, b)
			act := policy.Forward(b, nil)
			pol := seqSums(act.TargetLogP, b)
			want, err := gpu.DPOLoss(c, pol[:2], pol[2:], refSeq[:2], refSeq[2:])
			if err != nil {
				t.Fatal(err)
			}
			d := make([]float32, b.B*b.T)
			dseq := slices.Concat(want.DChosen, want.DRejected)
			for i := range d {
				if b.Targets[i] >= 0 {
					d[i] = float32(dseq[i/b.T])
				}
			}
			grad := make([]float32, len(policy.Params))
			policy.Backward(act, d, grad)
			opt := gpu.NewAdamW(policy, 0.1)
			norm := cpuStep(policy, opt, grad, lr, clip)
			checkStep(t, dm, policy, opt, lr, res.Loss, want.Loss, res.GradNorm, norm)
			checkMetrics(t, res, want)
		})
	}
}

// TestCUDASamplerMatchesCPU: greedy generation from the device's KV
// cache gives the CPU model's tokens, including across a context slide.
func TestCUDASamplerMatchesCPU(t *testing.T) {
	dev := openDevice(t)
	setGemm(t, dev, cudagpt.GemmFP32)
	cfg := testConfig(t)
	cpu := randomModel(t, cfg, 41)
	dm := newModel(t, dev, cpu, cfg.BlockSize)
	s, err := dm.NewSampler()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	short := randomBatch(cfg, 1, 20, 4).Inputs
	long := append(randomBatch(cfg, 1, cfg.BlockSize, 6).Inputs, short...) // keeps its last BlockSize tokens
	for _, tc := range []struct {
		prompt []int32
		opt    gpt.SampleOptions
	}{
		{short, gpt.SampleOptions{MaxTokens: 12, Stop: -1}},
		{short, gpt.SampleOptions{MaxTokens: cfg.BlockSize, Stop: -1}}, // slides past the block
		{short, gpt.SampleOptions{MaxTokens: 30, Temperature: 0.8, TopP: 0.9, Seed: 5, Stop: -1}},
		{short[:1], gpt.SampleOptions{MaxTokens: 5, Stop: -1}},
		{long, gpt.SampleOptions{MaxTokens: 6, Temperature: 1, Seed: 2, Stop: -1}},
	} {
		prompt, opt := tc.prompt, tc.opt
		want := cpu.Sample(prompt, opt)
		got, err := s.Sample(prompt, opt)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%+v: device sampled %v, CPU %v", opt, got, want)
		}
	}
	first := cpu.Sample(short, gpt.SampleOptions{MaxTokens: 1, Stop: -1})
	if got, err := s.Sample(short, gpt.SampleOptions{MaxTokens: 5, Stop: first[0]}); err != nil || len(got) != 0 {
		t.Errorf("stopping at the first token: %v, %v; want nothing", got, err)
	}
	if _, err := s.Sample([]int32{int32(cfg.Vocab)}, gpt.SampleOptions{MaxTokens: 1}); err == nil {
		t.Error("a prompt token outside the vocabulary: no error")
	}
}

// TestCUDASamplerWhileTraining: a sampler answers from its snapshot while
// the model it came from trains on the same device (the learner plays
// while the next version trains): its tokens are the snapshot's.
func TestCUDASamplerWhileTraining(t *testing.T) {
	dev := openDevice(t)
	setGemm(t, dev, cudagpt.GemmFP32)
	cfg := testConfig(t)
	cpu := randomModel(t, cfg, 43)
	dm := newModel(t, dev, cpu, 2*cfg.BlockSize)
	s, err := dm.NewSampler()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	prompt := randomBatch(cfg, 1, 9, 8).Inputs
	opt := gpt.SampleOptions{MaxTokens: 40, Stop: -1}
	want := cpu.Sample(prompt, opt)
	done := make(chan error, 1)
	go func() {
		for i := range 4 {
			if _, err := dm.SFTStep(randomBatch(cfg, 2, 30, uint64(i)), 1e-2, 1); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	got, err := s.Sample(prompt, opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("sampled %v while training, the snapshot's tokens are %v", got, want)
	}
}
