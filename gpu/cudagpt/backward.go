//go:build cuda

package cudagpt

import (
	"errors"
	"fmt"
	"unsafe"
)

// linearBack is gpt's linearBackward: dinp = dout·wᵀ (nil dinp skips it),
// dw += inpᵀ·dout, dbias += Σ rows of dout.
func (m *Model) linearBack(l *launches, dinp, dw, dbias, dout, inp, w Ptr, n, in, outDim int) {
	l.do(m.k.Gemm(false, true, n, in, outDim, 1, dout, outDim, w, outDim, 0, dinp, in))
	l.do(m.k.Gemm(true, false, in, outDim, n, 1, inp, in, dout, outDim, 1, dw, outDim))
	l.do(m.k.BiasGrad(dbias, dout, n, outDim))
}

// backward accumulates into the gradient buffer the gradient of
// Σ dlogp[i]·logp[i] for the policy's last forward pass, with dlogp
// already on the device in act.dlogp. CUDA thread.
func (m *Model) backward() error {
	if m.last != lastPolicy {
		return errors.New("cudagpt: backward: the activations are not the policy's last forward pass")
	}
	cfg := m.Config
	B, T := m.lastB, m.lastT
	C, H, V, N := cfg.NEmbd, cfg.NHead, cfg.Vocab, B*T
	p, g, a := m.views(m.params), m.views(m.grads), &m.act
	var l launches
	l.do(m.k.TargetLogProbsBwd(a.dlogits, a.dlogp, a.logits, a.lse, a.targets, N, V))
	l.do(m.k.Gemm(false, false, N, C, V, 1, a.dlogits, V, p.wte, C, 0, a.dlnf, C))
	l.do(m.k.Gemm(true, false, V, C, N, 1, a.dlogits, V, a.lnf, C, 1, g.wte, C))
	l.do(m.dev.Zero(a.dres, int64(N*C)*4))
	last := a.encoded
	if L := len(a.layers); L > 0 {
		last = a.layers[L-1].res3
	}
	l.do(m.k.LayerNormBwd(a.dres, g.lnfw, g.lnfb, a.dlnf, last, p.lnfw, a.lnfMean, a.lnfRstd, N, C))
	if l.err != nil {
		return fmt.Errorf("cudagpt: backward, head: %w", l.err)
	}
	// a.dres carries the gradient of the residual stream down the blocks.
	for i := len(a.layers) - 1; i >= 0; i-- {
		la, lp, lg := a.layers[i], p.layers[i], g.layers[i]
		res := a.encoded
		if i > 0 {
			res = a.layers[i-1].res3
		}
		m.linearBack(&l, a.dfchGelu, lg.fcProjW, lg.fcProjB, a.dres, la.fchGelu, lp.fcProjW, N, 4*C, C)
		l.do(m.k.GeluBwd(a.dfch, la.fch, a.dfchGelu, N*4*C))
		m.linearBack(&l, a.dln, lg.fcW, lg.fcB, a.dfch, la.ln2, lp.fcW, N, C, 4*C)
		l.do(m.k.LayerNormBwd(a.dres, lg.ln2w, lg.ln2b, a.dln, la.res2, lp.ln2w, la.ln2Mean, la.ln2Rstd, N, C))
		m.linearBack(&l, a.datty, lg.projW, lg.projB, a.dres, la.atty, lp.projW, N, C, C)
		l.do(m.dev.Zero(a.dqkv, int64(N*3*C)*4))
		l.do(m.k.AttentionBwd(a.dqkv, a.datty, la.qkv, la.atty, la.attLse, B, T, C, H))
		m.linearBack(&l, a.dln, lg.attnW, lg.attnB, a.dqkv, la.ln1, lp.attnW, N, C, 3*C)
		l.do(m.k.LayerNormBwd(a.dres, lg.ln1w, lg.ln1b, a.dln, res, lp.ln1w, la.ln1Mean, la.ln1Rstd, N, C))
		if l.err != nil {
			return fmt.Errorf("cudagpt: backward, layer %d: %w", i, l.err)
		}
	}
	l.do(m.k.EncoderBwd(g.wte, g.wpe, a.dres, a.inputs, B, T, C))
	if l.err != nil {
		return fmt.Errorf("cudagpt: backward, embeddings: %w", l.err)
	}
	return nil
}

// Backward accumulates into the gradient the gradient of
// Σ dTargetLogP[i]·TargetLogP[i] for the policy's last Forward, as
// gpt.Model.Backward does: act.LossGrad() gives the mean cross-entropy's.
func (m *Model) Backward(dTargetLogP []float32) error {
	if n := m.lastB * m.lastT; len(dTargetLogP) != n || n == 0 {
		return fmt.Errorf("cudagpt: backward: %d upstream gradients for the last forward's %d positions", len(dTargetLogP), n)
	}
	return m.dev.Do(func() error {
		n := int64(len(dTargetLogP)) * 4
		if err := m.dev.CopyIn(m.act.dlogp, unsafe.Pointer(&dTargetLogP[0]), n); err != nil {
			return err
		}
		return m.backward()
	})
}

// ZeroGrad clears the accumulated gradient.
func (m *Model) ZeroGrad() error {
	return m.dev.Do(func() error { return m.dev.Zero(m.grads, int64(m.n)*4) })
}

// Grads copies the accumulated gradient to the host (for tests and
// gradient checks).
func (m *Model) Grads() ([]float32, error) {
	out := make([]float32, m.n)
	err := m.dev.Do(func() error { return m.copyOut(out, m.grads) })
	return out, err
}
