package gpt

import "math"

// kvCache holds every layer's keys and values for the positions fed so far, so
// each new token costs one row through the network plus attention over the cache.
type kvCache struct {
	m *Model
	p paramViews
	// kv[l] is [BlockSize, 2C]: the keys then the values of position t, all heads.
	kv [][]float32
	n  int // positions filled

	x, ln, qkv, atty, fc, fcg, att, logits []float32
	mean, rstd                             []float32
}

func (m *Model) newCache() *kvCache {
	cfg := m.Config
	C := cfg.NEmbd
	f := func(n int) []float32 { return make([]float32, n) }
	c := &kvCache{
		m: m, p: m.params(), kv: make([][]float32, cfg.NLayer),
		x: f(C), ln: f(C), qkv: f(3 * C), atty: f(C), fc: f(4 * C), fcg: f(4 * C),
		att: f(cfg.BlockSize), logits: f(cfg.Vocab), mean: f(1), rstd: f(1),
	}
	for l := range c.kv {
		c.kv[l] = f(cfg.BlockSize * 2 * C)
	}
	return c
}

func (c *kvCache) full() bool { return c.n == c.m.Config.BlockSize }

// reset forgets every position.
func (c *kvCache) reset() { c.n = 0 }

// feed appends one token at the next position; with wantLogits it also returns
// the next-token logits (a view that the next feed overwrites).
func (c *kvCache) feed(tok int32, wantLogits bool) []float32 {
	cfg := c.m.Config
	C, H, pos := cfg.NEmbd, cfg.NHead, c.n
	if c.full() {
		panic("gpt: kv cache is full")
	}
	hs := C / H
	scale := float32(1 / math.Sqrt(float64(hs)))
	p := c.p
	encoderForward(c.x, []int32{tok}, p.wte, p.wpe[pos*C:], 1, 1, C)
	for l, lp := range p.layers {
		layerNormForward(c.ln, c.mean, c.rstd, c.x, lp.ln1w, lp.ln1b, 1, C)
		linearForward(c.qkv, c.ln, lp.attnW, lp.attnB, 1, C, 3*C, false)
		kv := c.kv[l]
		copy(kv[pos*2*C:(pos+1)*2*C], c.qkv[C:])
		for h := range H {
			attendRow(c.atty[h*hs:], c.att, c.qkv[h*hs:(h+1)*hs], kv, pos+1, 2*C, h*hs, C+h*hs, scale)
		}
		linearForward(c.x, c.atty, lp.projW, lp.projB, 1, C, C, true)
		layerNormForward(c.ln, c.mean, c.rstd, c.x, lp.ln2w, lp.ln2b, 1, C)
		linearForward(c.fc, c.ln, lp.fcW, lp.fcB, 1, C, 4*C, false)
		geluForward(c.fcg, c.fc)
		linearForward(c.x, c.fcg, lp.fcProjW, lp.fcProjB, 1, 4*C, C, true)
	}
	c.n++
	if !wantLogits {
		return nil
	}
	layerNormForward(c.ln, c.mean, c.rstd, c.x, p.lnfw, p.lnfb, 1, C)
	logitsForward(c.logits, c.ln, p.wte, 1, C, cfg.Vocab)
	return c.logits
}
