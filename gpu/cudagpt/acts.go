//go:build cuda

package cudagpt

import (
	"fmt"

	"github.com/agentarena/arena/gpu/gpt"
)

// layerActs are one block's saved activations on the device, as
// gpt's layerActs, except that attention keeps the log-sum-exp of each
// query row ([B,NH,T]) instead of the B·NH·T·T probabilities: the fused
// backward recomputes them.
type layerActs struct {
	ln1, ln1Mean, ln1Rstd Ptr
	qkv, atty, attLse     Ptr
	res2                  Ptr
	ln2, ln2Mean, ln2Rstd Ptr
	fch, fchGelu          Ptr
	res3                  Ptr
}

// acts are the forward pass's activations and the backward pass's
// scratch for up to n positions. Every buffer is [positions, width]
// row-major, so a smaller batch uses a prefix of each.
type acts struct {
	n int

	inputs, targets Ptr // int32 [n]
	encoded         Ptr
	layers          []layerActs
	lnf, lnfMean    Ptr
	lnfRstd         Ptr
	logits, lse     Ptr // [n,V], [n]
	logp            Ptr // [n]: log-prob of each target

	dlogp, dlogits               Ptr
	dlnf, dres, dln, dqkv, datty Ptr
	dfch, dfchGelu               Ptr
	seqLogP, seqRef, dseq        Ptr // per-sequence sums and their gradients

	allocated []Ptr
	bytes     int64
}

// actBytes is what acts.alloc reserves for n positions.
func actBytes(cfg gpt.Config, n int) int64 {
	var a acts
	a.plan(cfg, n, func(p *Ptr, floats int64) {})
	return a.bytes
}

// plan lists every buffer with its size in 4-byte words, calling f for each.
func (a *acts) plan(cfg gpt.Config, n int, f func(p *Ptr, words int64)) {
	N, C, V, H := int64(n), int64(cfg.NEmbd), int64(cfg.Vocab), int64(cfg.NHead)
	a.n = n
	a.bytes = 0
	add := func(p *Ptr, words int64) {
		a.bytes += 4 * words
		f(p, words)
	}
	add(&a.inputs, N)
	add(&a.targets, N)
	add(&a.encoded, N*C)
	if len(a.layers) != cfg.NLayer {
		a.layers = make([]layerActs, cfg.NLayer)
	}
	for l := range a.layers {
		la := &a.layers[l]
		add(&la.ln1, N*C)
		add(&la.ln1Mean, N)
		add(&la.ln1Rstd, N)
		add(&la.qkv, 3*N*C)
		add(&la.atty, N*C)
		add(&la.attLse, N*H)
		add(&la.res2, N*C)
		add(&la.ln2, N*C)
		add(&la.ln2Mean, N)
		add(&la.ln2Rstd, N)
		add(&la.fch, 4*N*C)
		add(&la.fchGelu, 4*N*C)
		add(&la.res3, N*C)
	}
	add(&a.lnf, N*C)
	add(&a.lnfMean, N)
	add(&a.lnfRstd, N)
	add(&a.logits, N*V)
	add(&a.lse, N)
	add(&a.logp, N)
	add(&a.dlogp, N)
	add(&a.dlogits, N*V)
	add(&a.dlnf, N*C)
	add(&a.dres, N*C)
	add(&a.dln, N*C)
	add(&a.dqkv, 3*N*C)
	add(&a.datty, N*C)
	add(&a.dfch, 4*N*C)
	add(&a.dfchGelu, 4*N*C)
	// Per-sequence values are float64 (two words) and at most n sequences.
	add(&a.seqLogP, 2*N)
	add(&a.seqRef, 2*N)
	add(&a.dseq, 2*N)
}

// alloc reserves the buffers for n positions. CUDA thread.
func (a *acts) alloc(dev *Device, cfg gpt.Config, n int) error {
	var err error
	a.plan(cfg, n, func(p *Ptr, words int64) {
		if err != nil {
			return
		}
		var q Ptr
		if q, err = dev.Alloc(4 * words); err != nil {
			err = fmt.Errorf("cudagpt: activations for %d positions: %w", n, err)
			return
		}
		*p = q
		a.allocated = append(a.allocated, q)
	})
	return err
}

// free releases what alloc reserved. CUDA thread.
func (a *acts) free(dev *Device) {
	for _, p := range a.allocated {
		dev.Free(p)
	}
	a.allocated = nil
}

// at is p advanced by i float32 elements.
func at(p Ptr, i int) Ptr { return p + Ptr(4*i) }

// layerParams are one block's parameter (or gradient) addresses.
type layerParams struct {
	ln1w, ln1b, attnW, attnB, projW, projB Ptr
	ln2w, ln2b, fcW, fcB, fcProjW, fcProjB Ptr
}

// paramPtrs splits a Params-shaped device buffer as gpt's paramViews.
type paramPtrs struct {
	wte, wpe   Ptr
	layers     []layerParams
	lnfw, lnfb Ptr
}

// views relies on gpt's layout order: wte, wpe, 12 tensors per layer, ln_f.
func (m *Model) views(base Ptr) paramPtrs {
	d := func(i int) Ptr { return at(base, m.offs[i]) }
	v := paramPtrs{wte: d(0), wpe: d(1), layers: make([]layerParams, m.Config.NLayer)}
	for l := range v.layers {
		i := 2 + 12*l
		v.layers[l] = layerParams{
			ln1w: d(i), ln1b: d(i + 1), attnW: d(i + 2), attnB: d(i + 3), projW: d(i + 4), projB: d(i + 5),
			ln2w: d(i + 6), ln2b: d(i + 7), fcW: d(i + 8), fcB: d(i + 9), fcProjW: d(i + 10), fcProjB: d(i + 11),
		}
	}
	n := len(m.offs)
	v.lnfw, v.lnfb = d(n-2), d(n-1)
	return v
}
