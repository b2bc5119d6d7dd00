// Package gpt is the GPT-2 decoder-only transformer in float32 on the CPU, with hand-written forward and backward passes and KV-cache sampling.
package gpt

import (
	"errors"
	"fmt"
	"sort"
)

// Config is the shape of a GPT-2 model.
type Config struct {
	NLayer    int `json:"n_layer"`
	NHead     int `json:"n_head"`
	NEmbd     int `json:"n_embd"`
	BlockSize int `json:"block_size"`
	Vocab     int `json:"vocab"`
}

// Validate reports the first thing that makes the config unusable.
func (c Config) Validate() error {
	fields := []struct {
		name string
		v    int
	}{{"n_layer", c.NLayer}, {"n_head", c.NHead}, {"n_embd", c.NEmbd}, {"block_size", c.BlockSize}, {"vocab", c.Vocab}}
	var errs []error
	for _, f := range fields {
		if f.v <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %d", f.name, f.v))
		}
	}
	if c.NHead > 0 && c.NEmbd > 0 && c.NEmbd%c.NHead != 0 {
		errs = append(errs, fmt.Errorf("n_embd %d is not divisible by n_head %d", c.NEmbd, c.NHead))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid gpt config: %w", err)
	}
	return nil
}

// NumParams is the number of float32 parameters (the tied lm_head is not counted twice).
func (c Config) NumParams() int {
	n := 0
	for _, s := range c.layout() {
		n += s.size()
	}
	return n
}

// headSize is the width of one attention head.
func (c Config) headSize() int { return c.NEmbd / c.NHead }

var presets = map[string]Config{
	// tiny keeps unit tests and gradient checks well under a second.
	"tiny": {NLayer: 2, NHead: 2, NEmbd: 32, BlockSize: 64, Vocab: 257},
	// cpu is a ~3.3M-parameter byte-level model that trains in minutes on a laptop.
	"cpu": {NLayer: 4, NHead: 4, NEmbd: 256, BlockSize: 256, Vocab: 257},
	// small is a 0.66M-parameter byte-level model, about five times
	// cheaper a step than cpu: the arena's learner loop on two cores.
	"small": {NLayer: 3, NHead: 4, NEmbd: 128, BlockSize: 256, Vocab: 257},
	// gpt2 is the 124M-parameter OpenAI GPT-2 small.
	"gpt2": {NLayer: 12, NHead: 12, NEmbd: 768, BlockSize: 1024, Vocab: 50257},
}

// Preset returns a named config: "tiny", "small", "cpu" or "gpt2".
func Preset(name string) (Config, error) {
	c, ok := presets[name]
	if !ok {
		return Config{}, fmt.Errorf("unknown gpt preset %q (have %v)", name, Presets())
	}
	return c, nil
}

// Presets lists the preset names in sorted order.
func Presets() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
