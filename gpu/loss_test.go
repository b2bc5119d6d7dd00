package gpu

import (
	"math"
	"slices"
	"testing"
)

func TestDPOLossHandComputed(t *testing.T) {
	// The Δ ≠ 0 cases share one pair: policy logπ(c) = −10, logπ(r) = −14,
	// reference −12 and −12, so the log-ratios are +2 and −2 and Δ = 4.
	// With β = 0.5, βΔ = 2:
	//   σ(2) = 0.8807970779778824, σ(−2) = 0.11920292202211755
	//   sigmoid: −log σ(2) = log(1 + e^−2) = 0.12692801104297263
	//            dL/dΔ = −β·σ(−2) = −0.059601461011058775
	//   cDPO ε = 0.1: −0.9·log σ(2) − 0.1·log σ(−2), and
	//            −log σ(−2) = 2 − log σ(2), so L = 0.12692801104297263 + 0.2;
	//            dL/dΔ = β(−0.9·σ(−2) + 0.1·σ(2)) = −0.00960146101105878
	//   IPO: (Δ − 1/(2β))² = (4 − 1)² = 9, dL/dΔ = 2·3 = 6
	//   hinge: max(0, 1 − 2) = 0, gradient 0
	// dL/dlogπ(c) = dL/dΔ and dL/dlogπ(r) = −dL/dΔ. Rewards: chosen
	// β·2 = 1, rejected β·(−2) = −1, margin 2, accuracy 1.
	hit := [4]float64{-10, -14, -12, -12}
	// Policy equal to reference: Δ = 0.
	tie := [4]float64{-7, -9, -7, -9}
	for _, tc := range []struct {
		name           string
		cfg            DPOConfig
		in             [4]float64 // policy chosen, policy rejected, ref chosen, ref rejected
		loss, dChosen  float64
		margin, reward float64 // rewards/margins and rewards/chosen
		accuracy       float64
	}{
		{"sigmoid with policy equal to reference is ln 2 with gradient ∓β/2",
			DPOConfig{Beta: 0.1}, tie, math.Ln2, -0.05, 0, 0, 0},
		{"sigmoid with a positive margin", DPOConfig{Beta: 0.5, Loss: LossSigmoid}, hit,
			0.12692801104297263, -0.059601461011058775, 2, 1, 1},
		{"cDPO label smoothing penalises confidence", DPOConfig{Beta: 0.5, Loss: LossSigmoid, LabelSmoothing: 0.1}, hit,
			0.32692801104297263, -0.00960146101105878, 2, 1, 1},
		{"cDPO at Δ=0 is still ln 2 with gradient β(−0.9+0.1)/2",
			DPOConfig{Beta: 0.1, LabelSmoothing: 0.1}, tie, math.Ln2, -0.04, 0, 0, 0},
		{"IPO regresses Δ to 1/(2β)", DPOConfig{Beta: 0.5, Loss: LossIPO}, hit, 9, 6, 2, 1, 1},
		{"IPO at Δ=0 is (1/(2β))²", DPOConfig{Beta: 0.1, Loss: LossIPO}, tie, 25, -10, 0, 0, 0},
		{"hinge past the margin is flat", DPOConfig{Beta: 0.5, Loss: LossHinge}, hit, 0, 0, 2, 1, 1},
		{"hinge at Δ=0 is one with gradient −β", DPOConfig{Beta: 0.1, Loss: LossHinge}, tie, 1, -0.1, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			res, err := DPOLoss(tc.cfg, in[:1], in[1:2], in[2:3], in[3:4])
			if err != nil {
				t.Fatal(err)
			}
			near := func(what string, got, want float64) {
				t.Helper()
				if math.Abs(got-want) > 1e-15*max(1, math.Abs(want)) {
					t.Errorf("%s = %.17g, want %.17g", what, got, want)
				}
			}
			near("loss", res.Loss, tc.loss)
			near("d/dlogπ(c)", res.DChosen[0], tc.dChosen)
			near("d/dlogπ(r)", res.DRejected[0], -tc.dChosen)
			near("rewards/margins", res.Stats.RewardsMargins, tc.margin)
			near("rewards/chosen", res.Stats.RewardsChosen, tc.reward)
			near("rewards/rejected", res.Stats.RewardsRejected, tc.reward-tc.margin)
			near("rewards/accuracies", res.Stats.RewardsAccuracies, tc.accuracy)
			near("logps/chosen", res.Stats.LogpsChosen, in[0])
			near("logps/rejected", res.Stats.LogpsRejected, in[1])
		})
	}
}

func TestDPOLossAveragesOverPairs(t *testing.T) {
	// Pair 0 has Δ = 0, pair 1 has Δ = 4 (as above) with β = 0.5: the loss
	// is the mean of ln 2 and 0.12692801104297263 and each derivative
	// carries the 1/2 of the mean.
	res, err := DPOLoss(DPOConfig{Beta: 0.5}, []float64{-7, -10}, []float64{-9, -14}, []float64{-7, -12}, []float64{-9, -12})
	if err != nil {
		t.Fatal(err)
	}
	want := (math.Ln2 + 0.12692801104297263) / 2
	if math.Abs(res.Loss-want) > 1e-15 {
		t.Errorf("loss = %v, want %v", res.Loss, want)
	}
	if got := []float64{res.DChosen[0], res.DChosen[1]}; math.Abs(got[0]+0.125) > 1e-15 || math.Abs(got[1]+0.059601461011058775/2) > 1e-15 {
		t.Errorf("dChosen = %v", got)
	}
	if res.Stats.RewardsAccuracies != 0.5 || res.Stats.RewardsMargins != 1 {
		t.Errorf("accuracy %v margin %v, want 0.5 and 1", res.Stats.RewardsAccuracies, res.Stats.RewardsMargins)
	}
}

func TestDPOLossIsStableForHugeMargins(t *testing.T) {
	res, err := DPOLoss(DPOConfig{Beta: 1}, []float64{0}, []float64{-5000}, []float64{0}, []float64{0})
	if err != nil {
		t.Fatal(err)
	}
	if res.Loss != 0 || res.DChosen[0] != 0 {
		t.Errorf("loss %v grad %v for Δ = 5000, want 0 and 0", res.Loss, res.DChosen[0])
	}
	res, _ = DPOLoss(DPOConfig{Beta: 1}, []float64{-5000}, []float64{0}, []float64{0}, []float64{0})
	if res.Loss != 5000 || res.DChosen[0] != -1 {
		t.Errorf("loss %v grad %v for Δ = −5000, want 5000 and −1", res.Loss, res.DChosen[0])
	}
}

func TestDPOConfigRejectsBadSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  DPOConfig
	}{
		{"zero beta", DPOConfig{}},
		{"NaN beta", DPOConfig{Beta: math.NaN()}},
		{"unknown loss", DPOConfig{Beta: 0.1, Loss: "kto"}},
		{"smoothing of one half", DPOConfig{Beta: 0.1, LabelSmoothing: 0.5}},
		{"smoothing on IPO", DPOConfig{Beta: 0.1, Loss: LossIPO, LabelSmoothing: 0.1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := DPOLoss(tc.cfg, []float64{0}, []float64{0}, []float64{0}, []float64{0}); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	if _, err := DPOLoss(DPOConfig{Beta: 0.1}, []float64{0}, nil, []float64{0}, []float64{0}); err == nil {
		t.Fatal("accepted mismatched lengths")
	}
}

func TestSFTLossIsMeanNLLPerByte(t *testing.T) {
	// Two sequences scoring 1 and 3 bytes with log-probs −2 and −4: six
	// nats over four bytes is 1.5, and each log-prob's derivative is −1/4.
	loss, d, err := SFTLoss([]float64{-2, -4}, []int{1, 3})
	if err != nil {
		t.Fatal(err)
	}
	if loss != 1.5 || !slices.Equal(d, []float64{-0.25, -0.25}) {
		t.Fatalf("loss %v, d %v", loss, d)
	}
	if _, _, err := SFTLoss(nil, nil); err == nil {
		t.Fatal("accepted an empty batch")
	}
}
