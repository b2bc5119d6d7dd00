package gpu

import (
	"fmt"
	"math"
)

// LossType names a DPO objective as TRL's loss_type does.
type LossType string

const (
	// LossSigmoid is the DPO loss −log σ(βΔ); with label smoothing ε it is
	// conservative DPO (cDPO), −(1−ε)·log σ(βΔ) − ε·log σ(−βΔ).
	LossSigmoid LossType = "sigmoid"
	// LossIPO is (Δ − 1/(2β))²: it regresses the margin to a fixed target
	// instead of pushing it to infinity. Δ is over summed log-probs here
	// (TRL averages per token for IPO).
	LossIPO LossType = "ipo"
	// LossHinge is max(0, 1 − βΔ), the SLiC hinge.
	LossHinge LossType = "hinge"
)

// DPOConfig picks the preference objective. It is stored in checkpoints.
type DPOConfig struct {
	// Beta is the strength of the KL anchor to the reference (default 0.1).
	Beta float64 `json:"beta"`
	// Loss is the objective; "" means sigmoid.
	Loss LossType `json:"loss_type"`
	// LabelSmoothing ε in [0, 0.5) is the assumed rate of flipped labels
	// (cDPO); sigmoid only.
	LabelSmoothing float64 `json:"label_smoothing"`
	// RPOAlpha, when positive, adds α times the chosen responses' mean
	// per-token negative log-likelihood to the loss (TRL's rpo_alpha; the
	// RPO objective of Pang et al., 2024). Pure DPO only moves the margin,
	// and can do so by pushing both responses down: on the arena's
	// verifiable pairs it cut the chosen answers' log-probability from −52
	// to −180 in 20 steps and left the policy writing garbled text. The
	// NLL term keeps the chosen answers likely.
	RPOAlpha float64 `json:"rpo_alpha,omitempty"`
}

// Validate rejects objectives the loss cannot compute.
func (c DPOConfig) Validate() error {
	switch c.Loss {
	case "", LossSigmoid, LossIPO, LossHinge:
	default:
		return fmt.Errorf("unknown dpo loss type %q (want sigmoid, ipo or hinge)", c.Loss)
	}
	if !(c.Beta > 0) || math.IsInf(c.Beta, 0) {
		return fmt.Errorf("dpo beta %v must be positive", c.Beta)
	}
	if !(c.LabelSmoothing >= 0 && c.LabelSmoothing < 0.5) {
		return fmt.Errorf("dpo label smoothing %v outside [0, 0.5)", c.LabelSmoothing)
	}
	if !(c.RPOAlpha >= 0) || math.IsInf(c.RPOAlpha, 0) {
		return fmt.Errorf("rpo alpha %v must be a finite number ≥ 0", c.RPOAlpha)
	}
	if c.LabelSmoothing > 0 && c.Loss != "" && c.Loss != LossSigmoid {
		return fmt.Errorf("dpo label smoothing applies to the sigmoid loss, not %s", c.Loss)
	}
	return nil
}

// DPOStats is what TRL logs beside the loss, each a mean over the pairs.
// The JSON names are TRL's, so curves from the built-in trainer and from
// TRL can be read by the same tools. Rewards are the implicit DPO rewards
// β·(logπ − logπref).
type DPOStats struct {
	RewardsChosen     float64 `json:"rewards/chosen"`
	RewardsRejected   float64 `json:"rewards/rejected"`
	RewardsAccuracies float64 `json:"rewards/accuracies"`
	RewardsMargins    float64 `json:"rewards/margins"`
	LogpsChosen       float64 `json:"logps/chosen"`
	LogpsRejected     float64 `json:"logps/rejected"`
	// NLLLoss is the chosen responses' mean per-token negative
	// log-likelihood, logged when the loss includes it (RPOAlpha > 0).
	NLLLoss float64 `json:"nll_loss,omitempty"`
}

// DPOResult is a batch's mean loss, its metrics, and the loss's
// derivatives with respect to the policy's log-probs of each pair's
// chosen and rejected response.
type DPOResult struct {
	Loss      float64
	Stats     DPOStats
	DChosen   []float64
	DRejected []float64
}

// DPOLoss computes the mean loss over a batch of pairs from the policy's
// and the reference's log-probabilities of the chosen and rejected
// responses, and its derivatives with respect to the policy's chosen and
// rejected log-probs (the reference is frozen, so it gets none). With
// Δ = (logπ(c) − logπref(c)) − (logπ(r) − logπref(r)), dΔ/dlogπ(c) = 1 and
// dΔ/dlogπ(r) = −1, so dRejected = −dChosen pair by pair. The derivatives
// include the 1/B of the mean.
func DPOLoss(cfg DPOConfig, policyChosen, policyRejected, refChosen, refRejected []float64) (DPOResult, error) {
	if err := cfg.Validate(); err != nil {
		return DPOResult{}, err
	}
	n := len(policyChosen)
	if n == 0 || len(policyRejected) != n || len(refChosen) != n || len(refRejected) != n {
		return DPOResult{}, fmt.Errorf("dpo loss: mismatched or empty batch (%d, %d, %d, %d)",
			n, len(policyRejected), len(refChosen), len(refRejected))
	}
	beta, eps := cfg.Beta, cfg.LabelSmoothing
	inv := 1 / float64(n)
	res := DPOResult{DChosen: make([]float64, n), DRejected: make([]float64, n)}
	st := &res.Stats
	for i := range n {
		rc := policyChosen[i] - refChosen[i]
		rr := policyRejected[i] - refRejected[i]
		d := rc - rr
		var loss, dd float64 // loss of this pair and dloss/dΔ
		switch cfg.Loss {
		case LossIPO:
			u := d - 1/(2*beta)
			loss, dd = u*u, 2*u
		case LossHinge:
			if u := 1 - beta*d; u > 0 {
				loss, dd = u, -beta
			}
		default:
			// d/dx −log σ(x) = −σ(−x) and d/dx −log σ(−x) = σ(x).
			x := beta * d
			loss = -(1-eps)*logSigmoid(x) - eps*logSigmoid(-x)
			dd = beta * (-(1-eps)*sigmoid(-x) + eps*sigmoid(x))
		}
		res.Loss += loss * inv
		res.DChosen[i] = dd * inv
		res.DRejected[i] = -dd * inv
		st.RewardsChosen += beta * rc * inv
		st.RewardsRejected += beta * rr * inv
		st.RewardsMargins += beta * d * inv
		if rc > rr {
			st.RewardsAccuracies += inv
		}
		st.LogpsChosen += policyChosen[i] * inv
		st.LogpsRejected += policyRejected[i] * inv
	}
	return res, nil
}

// SFTLoss is the mean negative log-likelihood per scored byte (response
// bytes plus EOS) of a batch, and its derivative with respect to each
// sequence's log-prob: every byte counts the same, however the bytes are
// spread over sequences.
func SFTLoss(logp []float64, tokens []int) (loss float64, dLogP []float64, err error) {
	if len(logp) == 0 || len(logp) != len(tokens) {
		return 0, nil, fmt.Errorf("sft loss: %d log-probs for %d sequences", len(logp), len(tokens))
	}
	total := 0
	for _, t := range tokens {
		total += t
	}
	if total == 0 {
		return 0, nil, fmt.Errorf("sft loss: no scored bytes")
	}
	inv := 1 / float64(total)
	dLogP = make([]float64, len(logp))
	for i, lp := range logp {
		loss -= lp * inv
		dLogP[i] = -inv
	}
	return loss, dLogP, nil
}

// sigmoid is 1/(1+e^−x), written so neither branch overflows.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// logSigmoid is log σ(x) = −softplus(−x), stable for large |x|.
func logSigmoid(x float64) float64 {
	return min(x, 0) - math.Log1p(math.Exp(-math.Abs(x)))
}
