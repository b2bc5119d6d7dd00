//go:build cuda

package cudagpt

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/agentarena/arena/gpu/gpt"
)

// launches collects the first error of a sequence of kernel launches.
// Launches after a failure still go out, but a failed CUDA context
// refuses them at once, so the first error is the one that matters.
type launches struct{ err error }

func (l *launches) do(err error) {
	if l.err == nil && err != nil {
		l.err = err
	}
}

// linear is out = inp·w (+ out when acc) + bias for inp [n,in], w [in,out]:
// gpt's linearForward, with the residual add fused into the GEMM's beta.
func (m *Model) linear(l *launches, out, inp, w, bias Ptr, n, in, outDim int, acc bool) {
	beta := float32(0)
	if acc {
		beta = 1
	}
	l.do(m.k.Gemm(false, false, n, outDim, in, 1, inp, in, w, outDim, beta, out, outDim))
	l.do(m.k.AddBias(out, bias, n, outDim))
}

// upload checks b and copies its tokens to the device. CUDA thread.
func (m *Model) upload(b gpt.Batch) error {
	if err := b.Validate(m.Config); err != nil {
		return fmt.Errorf("cudagpt: %w", err)
	}
	if n := b.B * b.T; n > m.maxN {
		return fmt.Errorf("cudagpt: a %dx%d batch has %d positions; the activations hold %d", b.B, b.T, n, m.maxN)
	}
	n := int64(b.B*b.T) * 4
	return errors.Join(m.dev.CopyIn(m.act.inputs, unsafe.Pointer(&b.Inputs[0]), n),
		m.dev.CopyIn(m.act.targets, unsafe.Pointer(&b.Targets[0]), n))
}

// forward runs the policy (or, with ref, the reference) over the batch
// whose tokens are on the device, leaving every activation for backward
// and the target log-probs in act.logp. CUDA thread.
func (m *Model) forward(B, T int, ref bool) error {
	cfg := m.Config
	C, H, V, N := cfg.NEmbd, cfg.NHead, cfg.Vocab, B*T
	base := m.params
	if ref {
		if !m.hasRef {
			return errors.New("cudagpt: forward: no reference is frozen")
		}
		base = m.ref
	}
	p, a := m.views(base), &m.act
	var l launches
	l.do(m.k.EncoderFwd(a.encoded, a.inputs, p.wte, p.wpe, B, T, C))
	res := a.encoded
	for i, la := range a.layers {
		lp := p.layers[i]
		l.do(m.k.LayerNormFwd(la.ln1, la.ln1Mean, la.ln1Rstd, res, lp.ln1w, lp.ln1b, N, C))
		m.linear(&l, la.qkv, la.ln1, lp.attnW, lp.attnB, N, C, 3*C, false)
		l.do(m.k.AttentionFwd(la.atty, la.attLse, la.qkv, B, T, C, H))
		l.do(m.dev.CopyDD(la.res2, res, int64(N*C)*4))
		m.linear(&l, la.res2, la.atty, lp.projW, lp.projB, N, C, C, true)
		l.do(m.k.LayerNormFwd(la.ln2, la.ln2Mean, la.ln2Rstd, la.res2, lp.ln2w, lp.ln2b, N, C))
		m.linear(&l, la.fch, la.ln2, lp.fcW, lp.fcB, N, C, 4*C, false)
		l.do(m.k.GeluFwd(la.fchGelu, la.fch, N*4*C))
		l.do(m.dev.CopyDD(la.res3, la.res2, int64(N*C)*4))
		m.linear(&l, la.res3, la.fchGelu, lp.fcProjW, lp.fcProjB, N, 4*C, C, true)
		res = la.res3
		if l.err != nil {
			return fmt.Errorf("cudagpt: forward, layer %d: %w", i, l.err)
		}
	}
	l.do(m.k.LayerNormFwd(a.lnf, a.lnfMean, a.lnfRstd, res, p.lnfw, p.lnfb, N, C))
	// The tied head: logits = lnf·wteᵀ.
	l.do(m.k.Gemm(false, true, N, V, C, 1, a.lnf, C, p.wte, C, 0, a.logits, V))
	l.do(m.k.TargetLogProbs(a.logp, a.lse, a.logits, a.targets, N, V))
	if l.err != nil {
		return fmt.Errorf("cudagpt: forward, head: %w", l.err)
	}
	m.last, m.lastB, m.lastT = lastPolicy, B, T
	if ref {
		m.last = lastReference
	}
	return nil
}

// Forward runs the policy (or, with ref, the frozen reference) over b and
// returns log softmax(logits)[target] per position (0 where the target is
// negative): gpt.Activations.TargetLogP. The slice is reused by the next
// call.
func (m *Model) Forward(b gpt.Batch, ref bool) ([]float32, error) {
	err := m.dev.Do(func() error {
		if err := m.upload(b); err != nil {
			return err
		}
		if err := m.forward(b.B, b.T, ref); err != nil {
			return err
		}
		m.host = grow(m.host, b.B*b.T)
		return m.dev.CopyOut(unsafe.Pointer(&m.host[0]), m.act.logp, int64(b.B*b.T)*4)
	})
	if err != nil {
		return nil, err
	}
	return m.host, nil
}

// Logits copies the last forward pass's logits ([B·T, Vocab]) to the
// host: for tests, which compare them with the CPU model's.
func (m *Model) Logits() ([]float32, error) {
	out := make([]float32, m.lastB*m.lastT*m.Config.Vocab)
	if len(out) == 0 {
		return nil, errors.New("cudagpt: logits: no forward pass yet")
	}
	err := m.dev.Do(func() error {
		return m.dev.CopyOut(unsafe.Pointer(&out[0]), m.act.logits, int64(len(out))*4)
	})
	return out, err
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
