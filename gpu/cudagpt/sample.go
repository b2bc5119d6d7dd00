//go:build cuda

package cudagpt

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/agentarena/arena/gpu/gpt"
)

// Sampler generates text on the device from a snapshot of the policy's
// weights, with a KV cache: each new token is one row through the
// network plus attention of one query over the cached keys and values
// (AttentionDecode). It has its own weights and buffers, so a learner
// may answer from it while the Model trains on (calls are serialised on
// the CUDA thread).
//
// The prompt goes through in one pass (prefill). Only the next-token
// choice runs on the host: the last position's
// logits (one vocabulary row) come back per token and gpt.Picker picks
// from them exactly as gpt.Model.Sample does, so the same weights and
// seed give the same tokens up to float rounding.
type Sampler struct {
	m      *Model
	params Ptr
	// k[l], v[l] are [BlockSize, C]: position t's keys (values), all heads.
	k, v []Ptr
	n    int // positions filled

	// Scratch for up to BlockSize rows (a prefill; a new token uses the
	// first): tokens (int32), the residual stream, LayerNorm output and
	// statistics, qkv, attention output and log-sum-exp, the MLP.
	tok, x, ln, mean, rstd  Ptr
	qkv, atty, lse, fc, fcg Ptr
	logits                  Ptr // [Vocab]: the last row's
	bufs                    []Ptr
	host                    []float32
}

// NewSampler snapshots the policy's current weights into a sampler.
func (m *Model) NewSampler() (*Sampler, error) {
	cfg := m.Config
	C, T, V := cfg.NEmbd, cfg.BlockSize, cfg.Vocab
	s := &Sampler{m: m, k: make([]Ptr, cfg.NLayer), v: make([]Ptr, cfg.NLayer), host: make([]float32, V)}
	err := m.dev.Do(func() error {
		alloc := func(p *Ptr, words int) error {
			q, err := m.dev.Alloc(4 * int64(words))
			if err != nil {
				return fmt.Errorf("cudagpt: sampler: %w", err)
			}
			*p = q
			s.bufs = append(s.bufs, q)
			return nil
		}
		words := []struct {
			p *Ptr
			n int
		}{{&s.params, m.n}, {&s.tok, T}, {&s.x, T * C}, {&s.ln, T * C}, {&s.mean, T}, {&s.rstd, T},
			{&s.qkv, 3 * T * C}, {&s.atty, T * C}, {&s.lse, T * cfg.NHead}, {&s.fc, 4 * T * C}, {&s.fcg, 4 * T * C},
			{&s.logits, V}}
		for l := range s.k {
			words = append(words, struct {
				p *Ptr
				n int
			}{&s.k[l], T * C}, struct {
				p *Ptr
				n int
			}{&s.v[l], T * C})
		}
		for _, w := range words {
			if err := alloc(w.p, w.n); err != nil {
				return err
			}
		}
		return m.dev.CopyDD(s.params, m.params, int64(m.n)*4)
	})
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close frees the sampler's device memory.
func (s *Sampler) Close() {
	_ = s.m.dev.Do(func() error {
		for _, p := range s.bufs {
			s.m.dev.Free(p)
		}
		s.bufs = nil
		return nil
	})
}

// feed appends tok at the next position; with wantLogits it also copies
// the next-token logits to s.host. gpt's kvCache.feed, on the device.
// CUDA thread.
func (s *Sampler) feed(tok int32, wantLogits bool) error {
	m := s.m
	cfg := m.Config
	C, H, V, pos := cfg.NEmbd, cfg.NHead, cfg.Vocab, s.n
	if pos >= cfg.BlockSize {
		return errors.New("cudagpt: sampler: the kv cache is full")
	}
	p := m.views(s.params)
	var l launches
	l.do(m.dev.CopyIn(s.tok, unsafe.Pointer(&tok), 4))
	l.do(m.k.EncoderFwd(s.x, s.tok, p.wte, at(p.wpe, pos*C), 1, 1, C))
	for i, lp := range p.layers {
		l.do(m.k.LayerNormFwd(s.ln, s.mean, s.rstd, s.x, lp.ln1w, lp.ln1b, 1, C))
		m.linear(&l, s.qkv, s.ln, lp.attnW, lp.attnB, 1, C, 3*C, false)
		l.do(m.dev.CopyDD(at(s.k[i], pos*C), at(s.qkv, C), int64(C)*4))
		l.do(m.dev.CopyDD(at(s.v[i], pos*C), at(s.qkv, 2*C), int64(C)*4))
		l.do(m.k.AttentionDecode(s.atty, s.k[i], s.v[i], s.qkv, pos+1, H, C/H, cfg.BlockSize))
		m.linear(&l, s.x, s.atty, lp.projW, lp.projB, 1, C, C, true)
		l.do(m.k.LayerNormFwd(s.ln, s.mean, s.rstd, s.x, lp.ln2w, lp.ln2b, 1, C))
		m.linear(&l, s.fc, s.ln, lp.fcW, lp.fcB, 1, C, 4*C, false)
		l.do(m.k.GeluFwd(s.fcg, s.fc, 4*C))
		m.linear(&l, s.x, s.fcg, lp.fcProjW, lp.fcProjB, 1, 4*C, C, true)
	}
	s.n++
	if l.err != nil {
		return fmt.Errorf("cudagpt: sampling at position %d: %w", pos, l.err)
	}
	if !wantLogits {
		return nil
	}
	l.do(m.k.LayerNormFwd(s.ln, s.mean, s.rstd, s.x, p.lnfw, p.lnfb, 1, C))
	l.do(m.k.Gemm(false, true, 1, V, C, 1, s.ln, C, p.wte, C, 0, s.logits, V))
	l.do(m.dev.CopyOut(unsafe.Pointer(&s.host[0]), s.logits, int64(V)*4))
	if l.err != nil {
		return fmt.Errorf("cudagpt: sampling at position %d: %w", pos, l.err)
	}
	return nil
}

// prefill restarts the cache with ctx, leaving the logits after its last
// token in s.host. Like gpt's prefill it is one pass over all of ctx's
// positions (GEMMs over T rows and the fused causal attention, not T
// single-row passes), whose keys and values go to the cache row by row.
// CUDA thread.
func (s *Sampler) prefill(ctx []int32) error {
	s.n = 0
	if len(ctx) == 1 {
		return s.feed(ctx[0], true)
	}
	m := s.m
	cfg := m.Config
	T, C, H, V := len(ctx), cfg.NEmbd, cfg.NHead, cfg.Vocab
	p := m.views(s.params)
	var l launches
	l.do(m.dev.CopyIn(s.tok, unsafe.Pointer(&ctx[0]), int64(T)*4))
	l.do(m.k.EncoderFwd(s.x, s.tok, p.wte, p.wpe, 1, T, C))
	for i, lp := range p.layers {
		l.do(m.k.LayerNormFwd(s.ln, s.mean, s.rstd, s.x, lp.ln1w, lp.ln1b, T, C))
		m.linear(&l, s.qkv, s.ln, lp.attnW, lp.attnB, T, C, 3*C, false)
		for t := range T {
			l.do(m.dev.CopyDD(at(s.k[i], t*C), at(s.qkv, t*3*C+C), int64(C)*4))
			l.do(m.dev.CopyDD(at(s.v[i], t*C), at(s.qkv, t*3*C+2*C), int64(C)*4))
		}
		l.do(m.k.AttentionFwd(s.atty, s.lse, s.qkv, 1, T, C, H))
		m.linear(&l, s.x, s.atty, lp.projW, lp.projB, T, C, C, true)
		l.do(m.k.LayerNormFwd(s.ln, s.mean, s.rstd, s.x, lp.ln2w, lp.ln2b, T, C))
		m.linear(&l, s.fc, s.ln, lp.fcW, lp.fcB, T, C, 4*C, false)
		l.do(m.k.GeluFwd(s.fcg, s.fc, T*4*C))
		m.linear(&l, s.x, s.fcg, lp.fcProjW, lp.fcProjB, T, 4*C, C, true)
	}
	// Only the last position's logits are needed.
	last := at(s.x, (T-1)*C)
	l.do(m.k.LayerNormFwd(s.ln, s.mean, s.rstd, last, p.lnfw, p.lnfb, 1, C))
	l.do(m.k.Gemm(false, true, 1, V, C, 1, s.ln, C, p.wte, C, 0, s.logits, V))
	l.do(m.dev.CopyOut(unsafe.Pointer(&s.host[0]), s.logits, int64(V)*4))
	if l.err != nil {
		return fmt.Errorf("cudagpt: sampling, prefill of %d tokens: %w", T, l.err)
	}
	s.n = T
	return nil
}

// Sample generates up to opt.MaxTokens tokens after prompt and returns the
// generated ones, with gpt.Model.Sample's rules: a prompt longer than
// the block keeps its end, an empty prompt generates nothing, opt.Stop
// ends generation (and is not returned), and a full context slides to
// its last half block.
func (s *Sampler) Sample(prompt []int32, opt gpt.SampleOptions) ([]int32, error) {
	if len(prompt) == 0 || opt.MaxTokens <= 0 {
		return nil, nil
	}
	cfg := s.m.Config
	for i, t := range prompt {
		if t < 0 || int(t) >= cfg.Vocab {
			return nil, fmt.Errorf("cudagpt: sample: prompt token %d is %d, outside vocab %d", i, t, cfg.Vocab)
		}
	}
	bs := cfg.BlockSize
	ctx := append([]int32(nil), prompt[max(0, len(prompt)-bs):]...)
	pick := gpt.NewPicker(opt, cfg.Vocab)
	// Each token is its own call on the CUDA thread, so a model training
	// on the same device interleaves with a sampler answering.
	if err := s.m.dev.Do(func() error { return s.prefill(ctx) }); err != nil {
		return nil, err
	}
	var out []int32
	for range opt.MaxTokens {
		next := pick.Next(s.host)
		if next == opt.Stop {
			break
		}
		out = append(out, next)
		ctx = append(ctx, next)
		err := s.m.dev.Do(func() error {
			if s.n == bs {
				ctx = ctx[len(ctx)-max(1, bs/2):]
				return s.prefill(ctx)
			}
			return s.feed(next, true)
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// BlockSize is the model's context window.
func (s *Sampler) BlockSize() int { return s.m.Config.BlockSize }
