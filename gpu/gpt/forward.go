package gpt

import (
	"fmt"
)

// Batch is B sequences of T positions, row-major. A negative target is not scored.
type Batch struct {
	B, T    int
	Inputs  []int32
	Targets []int32
}

// Validate checks the batch against a model config.
func (b Batch) Validate(cfg Config) error {
	switch {
	case b.B <= 0 || b.T <= 0:
		return fmt.Errorf("batch shape %dx%d must be positive", b.B, b.T)
	case b.T > cfg.BlockSize:
		return fmt.Errorf("batch length %d exceeds block size %d", b.T, cfg.BlockSize)
	case len(b.Inputs) != b.B*b.T || len(b.Targets) != b.B*b.T:
		return fmt.Errorf("batch %dx%d needs %d inputs and targets, got %d and %d", b.B, b.T, b.B*b.T, len(b.Inputs), len(b.Targets))
	}
	for i, x := range b.Inputs {
		if x < 0 || int(x) >= cfg.Vocab {
			return fmt.Errorf("input %d: token %d outside vocab %d", i, x, cfg.Vocab)
		}
	}
	for i, x := range b.Targets {
		if int(x) >= cfg.Vocab {
			return fmt.Errorf("target %d: token %d outside vocab %d", i, x, cfg.Vocab)
		}
	}
	return nil
}

// layerActs are the saved activations of one transformer block.
type layerActs struct {
	ln1, ln1Mean, ln1Rstd []float32
	qkv, att, atty        []float32
	res2                  []float32 // residual after attention
	ln2, ln2Mean, ln2Rstd []float32
	fch, fchGelu          []float32
	res3                  []float32 // residual after the MLP: the block's output
}

// Activations holds a forward pass's saved tensors and the backward pass's scratch.
// Reusing one across steps of the same batch shape avoids reallocating.
type Activations struct {
	B, T int
	// Logits are the next-token scores, B×T×Vocab.
	Logits []float32
	// TargetLogP is log softmax(Logits)[target] per position, 0 where the target is negative.
	TargetLogP []float32

	cfg     Config
	inputs  []int32
	targets []int32
	encoded []float32
	layers  []layerActs
	lnf     []float32
	lnfMean []float32
	lnfRstd []float32
	lse     []float32
	grads   *gradScratch
}

// gradScratch is backward-only scratch, allocated on the first Backward.
type gradScratch struct {
	dlogits, dlnf, dres, dln, dqkv, datty, dfch, dfchGelu []float32
}

func newActivations(cfg Config, B, T int) *Activations {
	C, V, H, N := cfg.NEmbd, cfg.Vocab, cfg.NHead, B*T
	f := func(n int) []float32 { return make([]float32, n) }
	a := &Activations{
		B: B, T: T, cfg: cfg,
		Logits: f(N * V), TargetLogP: f(N),
		inputs: make([]int32, N), targets: make([]int32, N),
		encoded: f(N * C), lnf: f(N * C), lnfMean: f(N), lnfRstd: f(N), lse: f(N),
		layers: make([]layerActs, cfg.NLayer),
	}
	for l := range a.layers {
		a.layers[l] = layerActs{
			ln1: f(N * C), ln1Mean: f(N), ln1Rstd: f(N),
			qkv: f(N * 3 * C), att: f(B * H * T * T), atty: f(N * C),
			res2: f(N * C),
			ln2:  f(N * C), ln2Mean: f(N), ln2Rstd: f(N),
			fch: f(N * 4 * C), fchGelu: f(N * 4 * C),
			res3: f(N * C),
		}
	}
	return a
}

// Forward runs the model on a batch, reusing act when its shape fits (a nil act is allocated).
// It panics on a batch that fails Validate, which is a caller bug.
func (m *Model) Forward(b Batch, act *Activations) *Activations {
	cfg := m.Config
	if err := b.Validate(cfg); err != nil {
		panic("gpt: forward: " + err.Error())
	}
	if act == nil || act.B != b.B || act.T != b.T || act.cfg != cfg {
		act = newActivations(cfg, b.B, b.T)
	}
	B, T, C, H, V, N := b.B, b.T, cfg.NEmbd, cfg.NHead, cfg.Vocab, b.B*b.T
	copy(act.inputs, b.Inputs)
	copy(act.targets, b.Targets)
	p := m.params()

	encoderForward(act.encoded, act.inputs, p.wte, p.wpe, B, T, C)
	res := act.encoded
	for l, la := range act.layers {
		lp := p.layers[l]
		layerNormForward(la.ln1, la.ln1Mean, la.ln1Rstd, res, lp.ln1w, lp.ln1b, N, C)
		linearForward(la.qkv, la.ln1, lp.attnW, lp.attnB, N, C, 3*C, false)
		attentionForward(la.atty, la.att, la.qkv, B, T, C, H)
		copy(la.res2, res)
		linearForward(la.res2, la.atty, lp.projW, lp.projB, N, C, C, true)
		layerNormForward(la.ln2, la.ln2Mean, la.ln2Rstd, la.res2, lp.ln2w, lp.ln2b, N, C)
		linearForward(la.fch, la.ln2, lp.fcW, lp.fcB, N, C, 4*C, false)
		geluForward(la.fchGelu, la.fch)
		copy(la.res3, la.res2)
		linearForward(la.res3, la.fchGelu, lp.fcProjW, lp.fcProjB, N, 4*C, C, true)
		res = la.res3
	}
	layerNormForward(act.lnf, act.lnfMean, act.lnfRstd, res, p.lnfw, p.lnfb, N, C)
	logitsForward(act.Logits, act.lnf, p.wte, N, C, V)
	targetLogProbs(act.TargetLogP, act.lse, act.Logits, act.targets, N, V)
	return act
}

// Loss is the mean cross-entropy over scored positions (0 when none is scored).
func (m *Model) Loss(act *Activations) float32 {
	var sum float64
	n := 0
	for i, tg := range act.targets {
		if tg >= 0 {
			sum -= float64(act.TargetLogP[i])
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return float32(sum / float64(n))
}

// LossGrad returns the upstream gradient for Backward that makes it compute the gradient of Loss.
func (act *Activations) LossGrad() []float32 {
	n := 0
	for _, tg := range act.targets {
		if tg >= 0 {
			n++
		}
	}
	d := make([]float32, len(act.targets))
	if n == 0 {
		return d
	}
	for i, tg := range act.targets {
		if tg >= 0 {
			d[i] = -1 / float32(n)
		}
	}
	return d
}
