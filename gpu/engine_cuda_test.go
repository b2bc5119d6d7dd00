//go:build cuda

package gpu

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/agentarena/arena/gpu/cudagpt"
	"github.com/agentarena/arena/gpu/gpt"
)

// cudaTrainer is a trainer on m's copy moved onto the device, with FP32
// GEMMs (the comparisons below are for summation order, not TF32).
func cudaTrainer(t *testing.T, dev *cudagpt.Device, m *gpt.Model, cfg TrainerConfig, batch int) *Trainer {
	t.Helper()
	tr := mustTrainer(t, m, cfg)
	eng, err := NewCUDAEngine(dev, 0, tr, EnginePositions(m.Config, batch, cfg.Accumulate))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	if err := tr.UseEngine(eng); err != nil {
		t.Fatal(err)
	}
	return tr
}

func openCUDA(t *testing.T) *cudagpt.Device {
	t.Helper()
	dev, err := cudagpt.Open(0)
	if err != nil {
		t.Fatalf("cudagpt.Open: %v", err)
	}
	dev.Kernels().SetGemmMode(cudagpt.GemmFP32)
	t.Cleanup(func() { _ = dev.Close() })
	return dev
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol*max(math.Abs(b), 1e-3) }

// sameMetrics compares one step's metrics from the device and the CPU.
func sameMetrics(t *testing.T, got, want StepMetrics) {
	t.Helper()
	if got.Step != want.Step || got.Phase != want.Phase || got.Tokens != want.Tokens || got.Positions != want.Positions || got.LearningRate != want.LearningRate {
		t.Errorf("step %+v, CPU %+v", got, want)
	}
	if !near(got.Loss, want.Loss, 1e-3) || !near(got.GradNorm, want.GradNorm, 1e-2) {
		t.Errorf("step %d: loss %v norm %v, CPU loss %v norm %v", want.Step, got.Loss, got.GradNorm, want.Loss, want.GradNorm)
	}
	if want.DPOStats != nil {
		g, w := *got.DPOStats, *want.DPOStats
		if !near(g.RewardsMargins, w.RewardsMargins, 1e-2) || !near(g.LogpsChosen, w.LogpsChosen, 1e-3) || g.RewardsAccuracies != w.RewardsAccuracies {
			t.Errorf("step %d: DPO stats %+v, CPU %+v", want.Step, g, w)
		}
	}
}

// sameDPOStep takes one DPO step on both trainers and compares them.
func sameDPOStep(t *testing.T, cpu, gpu *Trainer, pairs []Pair) {
	t.Helper()
	want, err := cpu.DPO(pairs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := gpu.DPO(pairs)
	if err != nil {
		t.Fatal(err)
	}
	sameMetrics(t, got, want)
}

// maxDiff is the largest absolute difference of two weight vectors.
func maxDiff(a, b []float32) float64 {
	var d float64
	for i := range a {
		d = max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

// TestCUDATrainerMatchesCPU runs the same recipe (gradient accumulation,
// prompt loss, RPO) on the CPU and through the CUDA engine: SFT steps,
// the reference frozen, DPO steps, a held-out evaluation; each step's
// metrics agree, and the weights stay within a few learning-rate
// rounding steps of each other.
func TestCUDATrainerMatchesCPU(t *testing.T) {
	dev := openCUDA(t)
	cfg := DefaultTrainerConfig()
	cfg.Accumulate, cfg.PromptLossWeight, cfg.DPO.RPOAlpha = 2, 0.1, 0.2
	m := mustModel(t, smallConfig)
	pairs := vowelPairs(3, 6, "p")
	cpu := mustTrainer(t, m.Clone(), cfg)
	gpu := cudaTrainer(t, dev, m.Clone(), cfg, len(pairs))
	for range 3 {
		want, err := cpu.SFT(sftExamples(pairs))
		if err != nil {
			t.Fatal(err)
		}
		got, err := gpu.SFT(sftExamples(pairs))
		if err != nil {
			t.Fatal(err)
		}
		sameMetrics(t, got, want)
	}
	for _, tr := range []*Trainer{cpu, gpu} {
		if err := tr.FreezeReference(); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		sameDPOStep(t, cpu, gpu, pairs)
	}
	held := vowelPairs(9, 5, "h")
	want, err := cpu.Evaluate(held)
	if err != nil {
		t.Fatal(err)
	}
	got, err := gpu.Evaluate(held)
	if err != nil {
		t.Fatal(err)
	}
	if !near(got.Loss, want.Loss, 1e-3) {
		t.Errorf("evaluate: loss %v, CPU %v", got.Loss, want.Loss)
	}
	d := maxDiff(gpu.Policy().Params, cpu.Policy().Params)
	t.Logf("after 6 steps the weights differ by at most %.3g (lr %g)", d, cfg.LR)
	if d > 6*cfg.LR {
		t.Errorf("after 6 steps the weights differ by %.3g", d)
	}
}

// TestCUDACheckpointResumesOnCPU saves a CUDA run's checkpoint, resumes
// it on the CPU and on the device again, and checks that both continue
// from exactly the saved weights (and take the same next step), then the
// other way round: a CPU checkpoint resumed on the device.
func TestCUDACheckpointResumesOnCPU(t *testing.T) {
	dev := openCUDA(t)
	cfg := DefaultTrainerConfig()
	m := mustModel(t, smallConfig)
	pairs := vowelPairs(5, 4, "c")
	dir := t.TempDir()

	gpu := cudaTrainer(t, dev, m.Clone(), cfg, len(pairs))
	if _, err := gpu.SFT(sftExamples(pairs)); err != nil {
		t.Fatal(err)
	}
	if err := gpu.FreezeReference(); err != nil {
		t.Fatal(err)
	}
	if _, err := gpu.DPO(pairs); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "cuda.ckpt")
	if err := gpu.Save(path); err != nil {
		t.Fatal(err)
	}
	ck, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	cpu, err := Resume(ck, byteTok{})
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(cpu.Policy().Params, gpu.Policy().Params); d != 0 {
		t.Fatalf("the checkpoint's weights differ from the device's by %g", d)
	}
	if cpu.Steps() != gpu.Steps() || cpu.opt.Steps != gpu.opt.Steps {
		t.Fatalf("resumed at step %d (AdamW %d), the run was at %d (%d)", cpu.Steps(), cpu.opt.Steps, gpu.Steps(), gpu.opt.Steps)
	}
	sameDPOStep(t, cpu, gpu, pairs)

	// And back: the CPU run's checkpoint resumed on the device.
	path = filepath.Join(dir, "cpu.ckpt")
	if err := cpu.Save(path); err != nil {
		t.Fatal(err)
	}
	if ck, err = Load(path); err != nil {
		t.Fatal(err)
	}
	again, err := Resume(ck, byteTok{})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := NewCUDAEngine(dev, 0, again, EnginePositions(smallConfig, len(pairs), cfg.Accumulate))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if err := again.UseEngine(eng); err != nil {
		t.Fatal(err)
	}
	want, err := cpu.DPO(pairs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := again.DPO(pairs)
	if err != nil {
		t.Fatal(err)
	}
	sameMetrics(t, got, want)
}
