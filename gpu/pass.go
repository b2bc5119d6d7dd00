package gpu

import (
	"fmt"
	"math"
)

// Sequence is a prompt and a response. Only the response (plus EOS) is
// scored; the prompt is context.
type Sequence struct {
	Prompt   string `json:"prompt"`
	Response string `json:"response"`
}

// Pass is one forward pass over a batch of sequences, holding the
// activations Backward needs. Every scored byte of every sequence is one
// row of the same matrices, so each layer is a single gemm with thousands
// of rows: that is what keeps BLAS near its peak on a small model.
//
// A Pass may be handed back to Forward to reuse its buffers. Backward
// overwrites the activations, so it may run once per forward pass.
type Pass struct {
	// LogP is log π(response+EOS | prompt) for each sequence.
	LogP []float64
	// Tokens is the number of scored bytes of each sequence: len(response)+1.
	Tokens []int

	rows   int
	ctx    []int32   // rows×Window byte values; −1 where the window runs off the start
	target []uint8   // the byte each row predicts
	seq    []int32   // the sequence each row belongs to
	x      []float64 // rows×(W·E+P): window embeddings, then the prompt features
	h      []float64
	out    []float64
	dh     []float64
	ones   []float64 // rows ones: bias gradients are column sums, done as 1ᵀ·dZ gemms
}

// Rows is the number of scored bytes in the pass.
func (p *Pass) Rows() int { return p.rows }

// grow returns s resliced to n, reallocating only when it is too short.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// Forward scores seqs with the model on be. p may be nil or a Pass to
// reuse.
func (m *Model) Forward(be Backend, seqs []Sequence, p *Pass) *Pass {
	if p == nil {
		p = &Pass{}
	}
	c := m.Config
	w, in, we, nf := c.Window, c.inputs(), c.window(), c.PromptFeatures
	rows := 0
	for _, s := range seqs {
		rows += len(s.Response) + 1
	}
	p.rows = rows
	p.LogP = grow(p.LogP, len(seqs))
	p.Tokens = grow(p.Tokens, len(seqs))
	p.ctx = grow(p.ctx, rows*w)
	p.target = grow(p.target, rows)
	p.seq = grow(p.seq, rows)
	p.x = grow(p.x, rows*in)
	p.h = grow(p.h, rows*c.Hidden)
	p.out = grow(p.out, rows*Vocab)

	var z []byte
	var feats map[string][]float64 // a pair's two sequences share a prompt
	if nf > 0 {
		feats = make(map[string][]float64)
	}
	r := 0
	for si, s := range seqs {
		z = append(append(append(z[:0], s.Prompt...), s.Response...), EOS)
		p.Tokens[si] = len(s.Response) + 1
		var f []float64
		if nf > 0 {
			if f = feats[s.Prompt]; f == nil {
				f = PromptVector(s.Prompt, nf)
				feats[s.Prompt] = f
			}
		}
		for t := len(s.Prompt); t < len(z); t++ {
			if nf > 0 {
				copy(p.x[r*in+we:(r+1)*in], f)
			}
			ctx := p.ctx[r*w : (r+1)*w]
			for i := range ctx {
				if j := t - w + i; j >= 0 {
					ctx[i] = int32(z[j])
				} else {
					ctx[i] = -1
				}
			}
			p.target[r] = z[t]
			p.seq[r] = int32(si)
			r++
		}
	}
	m.gather(p.ctx, p.x)
	m.head(be, rows, p.x, p.h, p.out)

	// Sum in row order so the result does not depend on anything but the
	// batch: determinism is tested.
	clear(p.LogP)
	for r := range rows {
		p.LogP[p.seq[r]] += p.out[r*Vocab+int(p.target[r])]
	}
	return p
}

// LogProbs returns log π(response+EOS | prompt) for each sequence.
func (m *Model) LogProbs(be Backend, seqs []Sequence) []float64 {
	return m.Forward(be, seqs, nil).LogP
}

// Backward adds to grad (laid out like Params) the gradient of a scalar
// loss whose derivative with respect to each sequence's LogP is dLogP.
// It accumulates rather than overwrites so that several passes can feed
// one optimiser step; the caller zeroes grad.
func (m *Model) Backward(be Backend, p *Pass, dLogP, grad []float64) error {
	if len(dLogP) != len(p.LogP) {
		return fmt.Errorf("backward: %d loss derivatives for %d sequences", len(dLogP), len(p.LogP))
	}
	if len(grad) != len(m.Params) {
		return fmt.Errorf("backward: gradient has %d entries, model %d", len(grad), len(m.Params))
	}
	c := m.Config
	rows, in, we, hid := p.rows, c.inputs(), c.window(), c.Hidden
	_, w1, _, w2, _ := m.tensors(m.Params)
	gEmb, gW1, gB1, gW2, gB2 := m.tensors(grad)

	// out holds log-softmax rows; d logp[y]/d logit[j] = δ(j,y) − softmax[j],
	// scaled by the sequence's dLogP. Overwrite out with dLogits in place.
	for r := range rows {
		g := dLogP[p.seq[r]]
		row := p.out[r*Vocab : (r+1)*Vocab]
		for j, v := range row {
			row[j] = -g * math.Exp(v)
		}
		row[p.target[r]] += g
	}
	p.ones = grow(p.ones, rows)
	for i := range p.ones {
		p.ones[i] = 1
	}
	p.dh = grow(p.dh, rows*hid)

	be.Gemm(true, false, hid, Vocab, rows, 1, p.h, p.out, 1, gW2)   // dW2 += hᵀ·dZ2
	be.Gemm(false, false, 1, Vocab, rows, 1, p.ones, p.out, 1, gB2) // db2 += 1ᵀ·dZ2
	be.Gemm(false, true, rows, hid, Vocab, 1, p.out, w2, 0, p.dh)   // dh = dZ2·W2ᵀ
	be.TanhBackward(p.h, p.dh)                                      // dZ1 = dh ⊙ (1−h²)
	be.Gemm(true, false, in, hid, rows, 1, p.x, p.dh, 1, gW1)       // dW1 += xᵀ·dZ1
	be.Gemm(false, false, 1, hid, rows, 1, p.ones, p.dh, 1, gB1)    // db1 += 1ᵀ·dZ1
	// dx = dZ1·W1ᵀ, only for the window columns: the prompt features are
	// constants. W1's first W·E rows are the window's, and x is spent, so
	// dx (rows×W·E, packed) goes into the front of it.
	be.Gemm(false, true, rows, we, hid, 1, p.dh, w1[:we*hid], 0, p.x[:rows*we])

	// Scatter the input gradient back onto the embedding rows it came from.
	e := c.Embed
	for i, b := range p.ctx[:rows*c.Window] {
		if b < 0 {
			continue
		}
		dst := gEmb[int(b)*e : int(b+1)*e]
		for k, v := range p.x[i*e : (i+1)*e] {
			dst[k] += v
		}
	}
	return nil
}
