package gpt

import "fmt"

// Backward accumulates into grads (laid out like Params) the gradient of
// Σ dTargetLogP[i]·TargetLogP[i] for the batch act was computed on. Passing
// act.LossGrad() gives the gradient of the mean cross-entropy; per-sequence
// weights over response positions give DPO. m.Params must be unchanged since Forward.
func (m *Model) Backward(act *Activations, dTargetLogP []float32, grads []float32) {
	cfg := m.Config
	B, T, C, H, V, N := act.B, act.T, cfg.NEmbd, cfg.NHead, cfg.Vocab, act.B*act.T
	if len(dTargetLogP) != N {
		panic(fmt.Sprintf("gpt: backward: got %d upstream gradients for %d positions", len(dTargetLogP), N))
	}
	if len(grads) != len(m.Params) {
		panic(fmt.Sprintf("gpt: backward: grads has %d floats, model has %d", len(grads), len(m.Params)))
	}
	if act.grads == nil {
		f := func(n int) []float32 { return make([]float32, n) }
		act.grads = &gradScratch{
			dlogits: f(N * V), dlnf: f(N * C), dres: f(N * C), dln: f(N * C),
			dqkv: f(N * 3 * C), datty: f(N * C), dfch: f(N * 4 * C), dfchGelu: f(N * 4 * C),
		}
	}
	s := act.grads
	p := m.params()
	g := cfg.views(grads)

	targetLogProbsBackward(s.dlogits, dTargetLogP, act.Logits, act.lse, act.targets, N, V)
	logitsBackward(s.dlnf, g.wte, s.dlogits, act.lnf, p.wte, N, C, V)
	clear(s.dres)
	last := act.encoded
	if L := len(act.layers); L > 0 {
		last = act.layers[L-1].res3
	}
	layerNormBackward(s.dres, g.lnfw, g.lnfb, s.dlnf, last, p.lnfw, act.lnfMean, act.lnfRstd, N, C)

	// s.dres carries the gradient of the residual stream down the blocks.
	for l := len(act.layers) - 1; l >= 0; l-- {
		la, lp, lg := act.layers[l], p.layers[l], g.layers[l]
		res := act.encoded
		if l > 0 {
			res = act.layers[l-1].res3
		}
		linearBackward(s.dfchGelu, lg.fcProjW, lg.fcProjB, s.dres, la.fchGelu, lp.fcProjW, N, 4*C, C, false)
		geluBackward(s.dfch, la.fch, s.dfchGelu)
		linearBackward(s.dln, lg.fcW, lg.fcB, s.dfch, la.ln2, lp.fcW, N, C, 4*C, false)
		layerNormBackward(s.dres, lg.ln2w, lg.ln2b, s.dln, la.res2, lp.ln2w, la.ln2Mean, la.ln2Rstd, N, C)
		linearBackward(s.datty, lg.projW, lg.projB, s.dres, la.atty, lp.projW, N, C, C, false)
		clear(s.dqkv)
		attentionBackward(s.dqkv, s.datty, la.qkv, la.att, B, T, C, H)
		linearBackward(s.dln, lg.attnW, lg.attnB, s.dqkv, la.ln1, lp.attnW, N, C, 3*C, false)
		layerNormBackward(s.dres, lg.ln1w, lg.ln1b, s.dln, res, lp.ln1w, la.ln1Mean, la.ln1Rstd, N, C)
	}
	encoderBackward(g.wte, g.wpe, s.dres, act.inputs, B, T, C)
}
