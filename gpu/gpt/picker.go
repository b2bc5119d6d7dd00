package gpt

import "math/rand/v2"

// Picker chooses next tokens from logits exactly as Model.Sample does
// (temperature, top-p, the same random stream for the same seed), for
// engines that compute the logits elsewhere: the CUDA sampler copies the
// last position's logits back and picks here, so the same weights and
// seed give the same tokens on both.
type Picker struct {
	opt   SampleOptions
	rng   *rand.Rand
	probs []float64
}

// NewPicker starts a picker for one generation.
func NewPicker(opt SampleOptions, vocab int) *Picker {
	return &Picker{opt: opt, rng: sampleRNG(opt.Seed), probs: make([]float64, vocab)}
}

// Next picks a token from one row of logits.
func (p *Picker) Next(logits []float32) int32 { return pick(logits, p.probs, p.opt, p.rng) }

// sampleRNG is Sample's random stream for a seed.
func sampleRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0xda942042e4dd58b5)) }
