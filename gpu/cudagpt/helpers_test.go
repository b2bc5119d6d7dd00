//go:build cuda

package cudagpt_test

import (
	"math"
	"testing"

	"github.com/agentarena/arena/gpu"
	"github.com/agentarena/arena/gpu/cudagpt"
)

// dpoSigmoid is the default objective.
var dpoSigmoid = gpu.DPOConfig{Beta: 0.1, Loss: gpu.LossSigmoid}

// dpoParams is a gpu.DPOConfig for the device's DPOLoss.
func dpoParams(c gpu.DPOConfig) cudagpt.DPOParams {
	kind := cudagpt.DPOSigmoid
	switch c.Loss {
	case gpu.LossIPO:
		kind = cudagpt.DPOIPO
	case gpu.LossHinge:
		kind = cudagpt.DPOHinge
	}
	return cudagpt.DPOParams{Beta: c.Beta, LabelSmoothing: c.LabelSmoothing, Loss: kind}
}

// checkMetrics compares a device DPO step's metrics with gpu.DPOLoss's.
func checkMetrics(t *testing.T, got cudagpt.DPOResult, want gpu.DPOResult) {
	t.Helper()
	w := want.Stats
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"rewards/chosen", got.RewardsChosen, w.RewardsChosen},
		{"rewards/rejected", got.RewardsRejected, w.RewardsRejected},
		{"rewards/accuracies", got.RewardsAccuracies, w.RewardsAccuracies},
		{"rewards/margins", got.RewardsMargins, w.RewardsMargins},
		{"logps/chosen", got.LogpsChosen, w.LogpsChosen},
		{"logps/rejected", got.LogpsRejected, w.LogpsRejected},
	} {
		if math.Abs(c.got-c.want) > 1e-4*max(math.Abs(c.want), 1) {
			t.Errorf("%s: %v, CPU %v", c.name, c.got, c.want)
		}
	}
}

// setGemm forces a GEMM mode for a test and restores auto after it.
func setGemm(t testing.TB, dev *cudagpt.Device, mode cudagpt.GemmMode) {
	t.Helper()
	if err := dev.Kernels().SetGemmMode(mode); err != nil {
		t.Fatalf("SetGemmMode: %v", err)
	}
	t.Cleanup(func() { _ = dev.Kernels().SetGemmMode(cudagpt.GemmAuto) })
}
