package gpt

import (
	"math"
	"math/rand/v2"
	"sort"
)

// SampleOptions control generation.
type SampleOptions struct {
	// Temperature divides the logits; 0 (or less) means greedy argmax.
	Temperature float64
	// TopP keeps the smallest set of tokens whose probability reaches TopP; 0 or ≥1 keeps all.
	TopP float64
	// MaxTokens bounds the number of generated tokens.
	MaxTokens int
	// Stop ends generation when sampled (it is not returned); −1 for none.
	Stop int32
	// Seed makes sampling reproducible.
	Seed uint64
}

// Sample generates up to opt.MaxTokens tokens after prompt and returns only the
// generated ones. A prompt longer than BlockSize keeps its last BlockSize tokens;
// an empty prompt generates nothing. When the context fills the block, the cache
// is rebuilt from the last half block, so sliding costs one prefill per BlockSize/2 tokens.
func (m *Model) Sample(prompt []int32, opt SampleOptions) []int32 {
	if len(prompt) == 0 || opt.MaxTokens <= 0 {
		return nil
	}
	bs := m.Config.BlockSize
	ctx := append([]int32(nil), prompt[max(0, len(prompt)-bs):]...)
	rng := sampleRNG(opt.Seed)
	c := m.newCache()
	logits := prefill(c, ctx)
	var out []int32
	probs := make([]float64, m.Config.Vocab)
	for range opt.MaxTokens {
		next := pick(logits, probs, opt, rng)
		if next == opt.Stop {
			break
		}
		out = append(out, next)
		ctx = append(ctx, next)
		if c.full() {
			ctx = ctx[len(ctx)-max(1, bs/2):]
			logits = prefill(c, ctx)
			continue
		}
		logits = c.feed(next, true)
	}
	return out
}

// prefill resets the cache and fills it with ctx, returning the logits
// after its last token. A prompt is one Forward over all its positions
// (GEMMs over T rows, not T matrix-vector passes: an order of magnitude
// faster for a prompt of a few hundred tokens), whose keys and values are
// exactly what feeding the tokens one by one would have cached.
func prefill(c *kvCache, ctx []int32) []float32 {
	c.reset()
	if len(ctx) == 1 {
		return c.feed(ctx[0], true)
	}
	T, C, V := len(ctx), c.m.Config.NEmbd, c.m.Config.Vocab
	targets := make([]int32, T)
	for i := range targets {
		targets[i] = -1
	}
	act := c.m.Forward(Batch{B: 1, T: T, Inputs: ctx, Targets: targets}, nil)
	for l := range c.kv {
		qkv := act.layers[l].qkv
		for t := range T {
			copy(c.kv[l][t*2*C:(t+1)*2*C], qkv[t*3*C+C:(t+1)*3*C])
		}
	}
	c.n = T
	copy(c.logits, act.Logits[(T-1)*V:T*V])
	return c.logits
}

// pick chooses the next token from logits; probs is scratch of the vocab's length.
func pick(logits []float32, probs []float64, opt SampleOptions, rng *rand.Rand) int32 {
	best := 0
	for i, x := range logits {
		if x > logits[best] {
			best = i
		}
	}
	if opt.Temperature <= 0 {
		return int32(best)
	}
	maxv := float64(logits[best])
	var sum float64
	for i, x := range logits {
		probs[i] = math.Exp((float64(x) - maxv) / opt.Temperature)
		sum += probs[i]
	}
	if opt.TopP > 0 && opt.TopP < 1 {
		order := make([]int, len(probs))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return probs[order[a]] > probs[order[b]] })
		var kept float64
		cut := len(order)
		for i, idx := range order {
			kept += probs[idx]
			if kept >= opt.TopP*sum {
				cut = i + 1
				break
			}
		}
		for _, idx := range order[cut:] {
			probs[idx] = 0
		}
		sum = kept
	}
	r := rng.Float64() * sum
	last := best
	for i, p := range probs {
		if p == 0 {
			continue
		}
		last = i
		if r < p {
			return int32(i)
		}
		r -= p
	}
	return int32(last) // rounding left r just above the total
}
