//go:build cuda

package cudagpt_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/gpu"
	"github.com/agentarena/arena/gpu/cudagpt"
	"github.com/agentarena/arena/gpu/gpt"
	"github.com/agentarena/arena/gpu/tokenizer"
)

// peakTFLOPS are NVIDIA's datasheet peaks, dense (no structured
// sparsity), for plain FP32 and for TF32 tensor cores, by a substring of
// the device name; the first match wins, so the more specific names come
// first.
var peakTFLOPS = []struct {
	name       string
	fp32, tf32 float64
}{
	{"H200", 67, 494.7},
	{"H100 PCIe", 51, 378},
	{"H100 NVL", 60, 417.5},
	{"H100", 67, 494.7}, // SXM5
	{"A100", 19.5, 156},
}

func peakOf(name string, tf32 bool) (float64, bool) {
	for _, p := range peakTFLOPS {
		if strings.Contains(name, p.name) {
			if tf32 {
				return p.tf32, true
			}
			return p.fp32, true
		}
	}
	return 0, false
}

func envInt(k string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil && v > 0 {
		return v
	}
	return def
}

// TestCUDABenchmark is the throughput half of make test-cuda, which sets
// ARENA_CUDA_BENCH=1: SFT and DPO steps (forward, backward, clipping,
// AdamW, everything on the device) at the gpt2 preset (124M parameters,
// context 1024), and a GEMM of the MLP's shape for the matmul rate, in
// a short table, with the CPU trainer's rate on the same model beside
// it (ARENA_CUDA_BENCH_CPU=0 leaves that out). ARENA_CUDA_BENCH_PRESET,
// _BATCH and _STEPS change the shape (the emulator runs it at tiny to
// check that it works).
func TestCUDABenchmark(t *testing.T) {
	if os.Getenv("ARENA_CUDA_BENCH") == "" {
		t.Skip("set ARENA_CUDA_BENCH=1 (make test-cuda does) to run the benchmark")
	}
	preset := os.Getenv("ARENA_CUDA_BENCH_PRESET")
	if preset == "" {
		preset = "gpt2"
	}
	cfg, err := gpt.Preset(preset)
	if err != nil {
		t.Fatal(err)
	}
	B, steps := envInt("ARENA_CUDA_BENCH_BATCH", 8), envInt("ARENA_CUDA_BENCH_STEPS", 10)
	T := cfg.BlockSize
	dev := openDevice(t)
	major, minor := dev.CC()
	_, total, _ := dev.MemInfo()
	policy, err := gpt.New(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	need := cudagpt.EstimateBytes(cfg, cudagpt.Options{Positions: B * T, Reference: true})
	free0, _, _ := dev.MemInfo()
	dm := newModel(t, dev, policy, B*T)
	if err := dm.FreezeReference(); err != nil {
		t.Fatal(err)
	}
	free1, _, _ := dev.MemInfo()
	b := randomBatch(cfg, B, T, 1)
	for i := range b.Targets {
		if b.Targets[i] < 0 {
			b.Targets[i] = 0
		}
	}

	// timeSteps runs two untimed steps, then steps timed ones.
	timeSteps := func(step func() error) float64 {
		for range 2 {
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}
		start := time.Now()
		for range steps {
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}
		return float64(B*T*steps) / time.Since(start).Seconds()
	}
	sft := timeSteps(func() error { _, err := dm.SFTStep(b, 1e-5, 1); return err })
	scores, err := dm.RefLogProbs(b) // B/2 pairs: chosen rows, then rejected
	if err != nil {
		t.Fatal(err)
	}
	defer scores.Free()
	dpo := timeSteps(func() error {
		_, err := dm.DPOStep(b, scores, dpoParams(dpoSigmoid), 1e-6, 1)
		return err
	})

	// The MLP's up-projection, forward: [B·T, C]·[C, 4C].
	M, N, K := B*T, 4*cfg.NEmbd, cfg.NEmbd
	tflops := map[string]float64{}
	for _, mode := range []struct {
		name string
		mode cudagpt.GemmMode
	}{{"fp32", cudagpt.GemmFP32}, {"tf32", cudagpt.GemmTF32}} {
		if err := dev.Kernels().SetGemmMode(mode.mode); err != nil {
			continue // no TF32 below compute capability 8.0
		}
		rate, err := gemmRate(dev, M, N, K)
		if err != nil {
			t.Fatal(err)
		}
		tflops[mode.name] = rate
	}
	_ = dev.Kernels().SetGemmMode(cudagpt.GemmAuto)
	// Each TF32 variant on the same product, and which one the tuner
	// chose for each of the model's shapes.
	var variants []string
	if dev.Kernels().TF32() {
		for _, v := range cudagpt.GemmVariants() {
			_ = dev.Do(func() error { return dev.Kernels().SetGemmVariant(v) })
			rate, err := gemmRate(dev, M, N, K)
			if err != nil {
				t.Fatal(err)
			}
			variants = append(variants, fmt.Sprintf("%-28s %10.4g TF", "  "+v, rate))
		}
		_ = dev.Do(func() error { return dev.Kernels().SetGemmVariant("") })
	}
	choices := dev.Kernels().GemmChoices()

	// Where an SFT step's time goes, kernel by kernel (each launch timed
	// between synchronisations, so the total exceeds a step's time).
	var prof []cudagpt.KernelTime
	if os.Getenv("ARENA_CUDA_PROFILE") != "0" {
		_ = dev.Do(func() error { dev.Kernels().SetProfile(true); return nil })
		if _, err := dm.SFTStep(b, 1e-5, 1); err != nil {
			t.Fatal(err)
		}
		_ = dev.Do(func() error { prof = dev.Kernels().Profile(); dev.Kernels().SetProfile(false); return nil })
	}

	// The same SFT and DPO steps through gpu.Trainer on the engine: what
	// arena-trainer -device cuda runs (per-position log-probs out and
	// gradients in per micro-batch, the losses on the host).
	dm.Close()
	trSFT, trDPO := trainerTokens(t, dev, policy, B, T)

	// The CPU trainer on the same model: one sequence a step (its rate
	// hardly depends on the batch), for the GPU-to-CPU ratio.
	var cpuRate float64
	if os.Getenv("ARENA_CUDA_BENCH_CPU") != "0" {
		cpuRate = cpuTokens(policy, randomBatch(cfg, 1, T, 2))
	}

	// Training FLOPs a token: 6 per parameter (the tied head included)
	// plus attention's 12·layers·T·C (llm.c's and PaLM's count).
	flopsPerTok := 6*float64(cfg.NumParams()) + 12*float64(cfg.NLayer*T*cfg.NEmbd)
	var w strings.Builder
	fmt.Fprintf(&w, "\ndevice: %s, compute capability %d.%d, %.1f GiB; model %s (%.2fM parameters), batch %d × %d, %.2f GiB on the device (EstimateBytes; %.2f GiB taken)\n",
		dev.Name(), major, minor, float64(total)/(1<<30), preset, float64(cfg.NumParams())/1e6, B, T, float64(need)/(1<<30), float64(free0-free1)/(1<<30))
	fmt.Fprintf(&w, "%-28s %14s %14s\n", "measure", "value", "of peak")
	row := func(what string, v float64, unit string, tf32 bool, isFlops bool) {
		pct := "n/a"
		if p, ok := peakOf(dev.Name(), tf32); ok && isFlops {
			pct = fmt.Sprintf("%.1f%%", 100*v/p)
		}
		fmt.Fprintf(&w, "%-28s %10.4g %-3s %14s\n", what, v, unit, pct)
	}
	tf32 := dev.Kernels().TF32()
	row("SFT tokens/s", sft, "", false, false)
	row("DPO tokens/s", dpo, "", false, false)
	row("SFT model TFLOP/s", sft*flopsPerTok/1e12, "", tf32, true)
	row("DPO model TFLOP/s", dpo*flopsPerTok/1e12, "", tf32, true)
	row("Trainer SFT tokens/s", trSFT, "", false, false)
	row("Trainer DPO tokens/s", trDPO, "", false, false)
	if v, ok := tflops["fp32"]; ok {
		row(fmt.Sprintf("gemm fp32 %dx%dx%d", M, N, K), v, "TF", false, true)
	}
	if v, ok := tflops["tf32"]; ok {
		row(fmt.Sprintf("gemm tf32 %dx%dx%d", M, N, K), v, "TF", true, true)
	}
	if cpuRate > 0 {
		row(fmt.Sprintf("CPU tokens/s (%d cores)", runtime.GOMAXPROCS(0)), cpuRate, "", false, false)
		row("SFT GPU/CPU", sft/cpuRate, "×", false, false)
	}
	fmt.Fprintf(&w, "(peaks: NVIDIA datasheets, dense; the model rows count 6·params + 12·L·T·C FLOPs a token against the %s peak; DPO steps score each row once, the reference's scores are cached)\n",
		map[bool]string{true: "TF32", false: "FP32"}[tf32])
	if len(variants) > 0 {
		fmt.Fprintf(&w, "TF32 gemm variants, %dx%dx%d:\n%s\n", M, N, K, strings.Join(variants, "\n"))
	}
	if len(choices) > 0 {
		keys := slices.Sorted(maps.Keys(choices))
		fmt.Fprintf(&w, "gemm choices (timed per shape on a GPU, a fixed rule on the emulator):\n")
		for _, key := range keys {
			fmt.Fprintf(&w, "  %-22s %s\n", key, choices[key])
		}
	}
	if len(prof) > 0 {
		var total time.Duration
		for _, p := range prof {
			total += p.Total
		}
		fmt.Fprintf(&w, "one SFT step by kernel (synchronised launches: %.1f ms in all):\n", total.Seconds()*1e3)
		for i, p := range prof {
			if i == 25 {
				break
			}
			fmt.Fprintf(&w, "  %-46s %5d calls %9.3f ms %5.1f%%\n", p.Name, p.Calls, p.Total.Seconds()*1e3, 100*p.Total.Seconds()/total.Seconds())
		}
	}
	fmt.Print(w.String())
}

// byteTok is the byte tokenizer under a checkpoint name.
type byteTok struct{ tokenizer.Bytes }

func (byteTok) Name() string { return "bytes" }

// trainerTokens times gpu.Trainer's SFT and DPO steps on the CUDA engine
// with B sequences (B/2 pairs) of about T bytes (prompt and response
// halves), in tokens (positions) a second.
func trainerTokens(t *testing.T, dev *cudagpt.Device, policy *gpt.Model, B, T int) (sft, dpo float64) {
	t.Helper()
	cfg := gpu.DefaultTrainerConfig()
	tr, err := gpu.NewTrainer(policy.Clone(), byteTok{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := gpu.NewCUDAEngine(dev, 0, tr, gpu.EnginePositions(policy.Config, B/2, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if err := tr.UseEngine(eng); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	text := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('a' + rng.IntN(26))
		}
		return string(b)
	}
	seqs := make([]gpu.Sequence, B)
	for i := range seqs {
		seqs[i] = gpu.Sequence{Prompt: text(T / 2), Response: text(T/2 - 1)}
	}
	pairs := make([]gpu.Pair, B/2)
	for i := range pairs {
		pairs[i] = gpu.Pair{ID: fmt.Sprint(i), Prompt: text(T / 2), Chosen: text(T/2 - 1), Rejected: text(T/2 - 1)}
	}
	rate := func(step func() (gpu.StepMetrics, error)) float64 {
		if _, err := step(); err != nil { // warm-up (and the reference's scores)
			t.Fatal(err)
		}
		var positions int
		start := time.Now()
		for range 3 {
			m, err := step()
			if err != nil {
				t.Fatal(err)
			}
			positions += m.Positions
		}
		return float64(positions) / time.Since(start).Seconds()
	}
	sft = rate(func() (gpu.StepMetrics, error) { return tr.SFT(seqs) })
	if err := tr.FreezeReference(); err != nil {
		t.Fatal(err)
	}
	dpo = rate(func() (gpu.StepMetrics, error) { return tr.DPO(pairs) })
	return sft, dpo
}

// cpuTokens times one CPU training step (forward, backward, clipping,
// AdamW) of m on b after an untimed one, in tokens/s.
func cpuTokens(m *gpt.Model, b gpt.Batch) float64 {
	m = m.Clone()
	opt := gpu.NewAdamW(m, 0.1)
	grad := make([]float32, len(m.Params))
	var act *gpt.Activations
	var el time.Duration
	for range 2 {
		start := time.Now()
		act = m.Forward(b, act)
		clear(grad)
		m.Backward(act, act.LossGrad(), grad)
		gpu.ClipGradNorm(grad, 1)
		opt.Update(m.Params, grad, 1e-5)
		el = time.Since(start)
	}
	return float64(b.B*b.T) / el.Seconds()
}

// gemmRate times C = A·B for row-major A [M,K], B [K,N] in the current
// GEMM mode, in TFLOP/s.
func gemmRate(dev *cudagpt.Device, M, N, K int) (float64, error) {
	var rate float64
	err := dev.Do(func() error {
		var ps [3]cudagpt.Ptr
		for i, n := range []int{M * K, K * N, M * N} {
			p, err := dev.Alloc(int64(n) * 4)
			if err != nil {
				return err
			}
			defer dev.Free(p)
			if err := dev.Zero(p, int64(n)*4); err != nil {
				return err
			}
			ps[i] = p
		}
		k := dev.Kernels()
		run := func(reps int) error {
			for range reps {
				if err := k.Gemm(false, false, M, N, K, 1, ps[0], K, ps[1], N, 0, ps[2], N); err != nil {
					return err
				}
			}
			return dev.Sync()
		}
		if err := run(2); err != nil {
			return err
		}
		const reps = 20
		start := time.Now()
		if err := run(reps); err != nil {
			return err
		}
		rate = 2 * float64(M) * float64(N) * float64(K) * reps / time.Since(start).Seconds() / 1e12
		return nil
	})
	return rate, err
}
