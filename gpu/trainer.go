package gpu

import (
	"errors"
	"fmt"
	"math"
)

// Pair is one preference: for Prompt, Chosen was judged better than
// Rejected. ID keys the reference log-prob cache, so it must identify the
// pair's content (arena pair ids never change once written); pairs with an
// empty ID are scored afresh every time.
type Pair struct {
	ID       string `json:"id"`
	Prompt   string `json:"prompt"`
	Chosen   string `json:"chosen"`
	Rejected string `json:"rejected"`
}

// TrainerConfig is the optimisation recipe. It is stored in checkpoints.
type TrainerConfig struct {
	// LR is the Adam learning rate of supervised fine-tuning.
	LR float64 `json:"lr"`
	// DPOLR is the learning rate of DPO steps; 0 means LR. DPO wants a
	// smaller one: it only has to tilt a model that already fits the data.
	DPOLR float64 `json:"dpo_lr"`
	// ClipNorm bounds the global gradient norm; 0 disables clipping.
	ClipNorm float64   `json:"clip_norm"`
	DPO      DPOConfig `json:"dpo"`
}

// DefaultTrainerConfig is the recipe the tests and the trainer start from.
func DefaultTrainerConfig() TrainerConfig {
	return TrainerConfig{LR: 3e-3, DPOLR: 1e-3, ClipNorm: 1, DPO: DPOConfig{Beta: 0.1, Loss: LossSigmoid}}
}

// Validate rejects recipes that cannot train.
func (c TrainerConfig) Validate() error {
	if !(c.LR > 0) || !(c.DPOLR >= 0) || !(c.ClipNorm >= 0) {
		return fmt.Errorf("trainer lr %v, dpo lr %v, clip norm %v: want lr > 0, the others ≥ 0", c.LR, c.DPOLR, c.ClipNorm)
	}
	return c.DPO.Validate()
}

func (c TrainerConfig) dpoLR() float64 {
	if c.DPOLR > 0 {
		return c.DPOLR
	}
	return c.LR
}

// Phase says which objective a step optimised.
type Phase string

const (
	PhaseSFT Phase = "sft"
	PhaseDPO Phase = "dpo"
)

// StepMetrics is what one optimiser step reports, one JSONL line each.
// DPO steps carry the TRL reward metrics (flattened into the same JSON
// object); SFT steps leave them out.
type StepMetrics struct {
	Step  int     `json:"step"`
	Phase Phase   `json:"phase"`
	Loss  float64 `json:"loss"`
	*DPOStats
	// GradNorm is the global gradient norm before clipping.
	GradNorm     float64 `json:"grad_norm"`
	LearningRate float64 `json:"learning_rate"`
	// Sequences and Tokens count what the policy scored: pairs count twice,
	// and tokens are response bytes plus EOS.
	Sequences int `json:"sequences"`
	Tokens    int `json:"tokens"`
}

// maxRefCache bounds the reference cache; past it the cache is dropped
// and rebuilt, which only costs recomputation because the reference is
// frozen and its scores deterministic.
const maxRefCache = 1 << 20

// Trainer runs supervised fine-tuning, then DPO against a frozen copy of
// the fine-tuned model. It is not safe for concurrent use: one goroutine
// owns it (the CUDA backend also needs its calls on one thread).
type Trainer struct {
	// OnStep, if set, receives every step's metrics after the update.
	OnStep func(StepMetrics)

	be       Backend
	cfg      TrainerConfig
	policy   *Model
	ref      *Model
	refCache map[string][2]float64
	opt      *Adam
	grad     []float64
	steps    int
	cursor   string
	pass     *Pass
	refPass  *Pass
}

// NewTrainer trains policy (in place) on be.
func NewTrainer(be Backend, policy *Model, cfg TrainerConfig) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := policy.Config.Validate(); err != nil {
		return nil, err
	}
	if len(policy.Params) != policy.Config.NumParams() {
		return nil, fmt.Errorf("model has %d parameters, its config %d", len(policy.Params), policy.Config.NumParams())
	}
	return &Trainer{be: be, cfg: cfg, policy: policy, opt: NewAdam(len(policy.Params), cfg.LR),
		grad: make([]float64, len(policy.Params))}, nil
}

// Policy is the model being trained (live, not a copy: Clone it to keep a
// snapshot). Reference is the frozen model, nil before FreezeReference.
func (t *Trainer) Policy() *Model        { return t.policy }
func (t *Trainer) Reference() *Model     { return t.ref }
func (t *Trainer) Config() TrainerConfig { return t.cfg }

// Steps is the number of optimiser steps taken, SFT and DPO together.
func (t *Trainer) Steps() int { return t.steps }

// Cursor is the preference-export cursor of the last pair trained on. The
// trainer does not interpret it; it stores it so that a checkpoint says
// where in the pair stream to resume.
func (t *Trainer) Cursor() string     { return t.cursor }
func (t *Trainer) SetCursor(c string) { t.cursor = c }

// SFT takes one step on the mean per-byte negative log-likelihood of the
// responses in batch.
func (t *Trainer) SFT(batch []Sequence) (StepMetrics, error) {
	if len(batch) == 0 {
		return StepMetrics{}, errors.New("sft: empty batch")
	}
	t.pass = t.policy.Forward(t.be, batch, t.pass)
	loss, dLogP, err := SFTLoss(t.pass.LogP, t.pass.Tokens)
	if err != nil {
		return StepMetrics{}, err
	}
	return t.update(PhaseSFT, t.cfg.LR, loss, dLogP, nil)
}

// FreezeReference makes a deep copy of the policy the DPO reference and
// restarts Adam, as a separate DPO run after SFT would: the SFT moments
// describe a different objective.
func (t *Trainer) FreezeReference() {
	t.ref = t.policy.Clone()
	t.refCache = nil
	t.opt.Reset()
}

// DPO takes one step on the configured preference loss over pairs.
func (t *Trainer) DPO(pairs []Pair) (StepMetrics, error) {
	res, err := t.scorePairs(pairs)
	if err != nil {
		return StepMetrics{}, err
	}
	dLogP := append(res.DChosen, res.DRejected...)
	return t.update(PhaseDPO, t.cfg.dpoLR(), res.Loss, dLogP, &res.Stats)
}

// Evaluate scores pairs (say, held-out ones) without changing anything
// but the reference cache.
func (t *Trainer) Evaluate(pairs []Pair) (DPOResult, error) { return t.scorePairs(pairs) }

// scorePairs runs the policy over every chosen then every rejected
// response in one pass (left in t.pass for the backward) and evaluates
// the loss against the reference's cached scores.
func (t *Trainer) scorePairs(pairs []Pair) (DPOResult, error) {
	if t.ref == nil {
		return DPOResult{}, errors.New("dpo: no reference model (call FreezeReference after SFT)")
	}
	if len(pairs) == 0 {
		return DPOResult{}, errors.New("dpo: empty batch")
	}
	refC, refR := t.refLogProbs(pairs)
	n := len(pairs)
	t.pass = t.policy.Forward(t.be, pairSequences(pairs, nil), t.pass)
	return DPOLoss(t.cfg.DPO, t.pass.LogP[:n], t.pass.LogP[n:], refC, refR)
}

// pairSequences lists the chosen responses of pairs, then the rejected
// ones, for the pairs selected by want (all when want is nil).
func pairSequences(pairs []Pair, want []int) []Sequence {
	if want == nil {
		want = make([]int, len(pairs))
		for i := range want {
			want[i] = i
		}
	}
	seqs := make([]Sequence, 2*len(want))
	for k, i := range want {
		p := pairs[i]
		seqs[k] = Sequence{Prompt: p.Prompt, Response: p.Chosen}
		seqs[len(want)+k] = Sequence{Prompt: p.Prompt, Response: p.Rejected}
	}
	return seqs
}

// refLogProbs returns the reference's log-probs of each pair's chosen and
// rejected response, scoring the uncached ones in one pass. Each pair is
// scored by the frozen model once, however many epochs see it.
func (t *Trainer) refLogProbs(pairs []Pair) (chosen, rejected []float64) {
	chosen = make([]float64, len(pairs))
	rejected = make([]float64, len(pairs))
	var miss []int
	for i, p := range pairs {
		if v, ok := t.refCache[p.ID]; ok && p.ID != "" {
			chosen[i], rejected[i] = v[0], v[1]
		} else {
			miss = append(miss, i)
		}
	}
	if len(miss) == 0 {
		return chosen, rejected
	}
	if t.refCache == nil || len(t.refCache)+len(miss) > maxRefCache {
		t.refCache = make(map[string][2]float64)
	}
	t.refPass = t.ref.Forward(t.be, pairSequences(pairs, miss), t.refPass)
	for k, i := range miss {
		c, r := t.refPass.LogP[k], t.refPass.LogP[len(miss)+k]
		chosen[i], rejected[i] = c, r
		if id := pairs[i].ID; id != "" {
			t.refCache[id] = [2]float64{c, r}
		}
	}
	return chosen, rejected
}

// update back-propagates dLogP through the pass in t.pass, clips, and
// applies Adam. A non-finite loss is refused before it can poison the
// weights.
func (t *Trainer) update(phase Phase, lr, loss float64, dLogP []float64, st *DPOStats) (StepMetrics, error) {
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return StepMetrics{}, fmt.Errorf("%s step %d: loss is %v; step skipped", phase, t.steps+1, loss)
	}
	clear(t.grad)
	if err := t.policy.Backward(t.be, t.pass, dLogP, t.grad); err != nil {
		return StepMetrics{}, err
	}
	norm := ClipGradNorm(t.grad, t.cfg.ClipNorm)
	t.opt.LR = lr
	t.opt.Update(t.policy.Params, t.grad)
	t.steps++
	m := StepMetrics{Step: t.steps, Phase: phase, Loss: loss, DPOStats: st, GradNorm: norm,
		LearningRate: lr, Sequences: len(dLogP), Tokens: t.pass.Rows()}
	if t.OnStep != nil {
		t.OnStep(m)
	}
	return m, nil
}
