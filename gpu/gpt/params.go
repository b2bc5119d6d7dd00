package gpt

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Model is a GPT-2 whose parameters live in one flat slice, laid out in the order Tensors lists them.
type Model struct {
	Config Config
	Params []float32
}

// Tensor is a named view into a flat parameter (or gradient) slice.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// tensorSpec places one named parameter in the flat slice.
type tensorSpec struct {
	name   string
	shape  []int
	offset int
}

func (s tensorSpec) size() int {
	n := 1
	for _, d := range s.shape {
		n *= d
	}
	return n
}

// layout lists every parameter with Hugging Face GPT-2 names; each layer is contiguous.
func (c Config) layout() []tensorSpec {
	C, V, T := c.NEmbd, c.Vocab, c.BlockSize
	var specs []tensorSpec
	off := 0
	add := func(name string, shape ...int) {
		s := tensorSpec{name: name, shape: shape, offset: off}
		off += s.size()
		specs = append(specs, s)
	}
	add("wte.weight", V, C)
	add("wpe.weight", T, C)
	for i := range c.NLayer {
		p := fmt.Sprintf("h.%d.", i)
		add(p+"ln_1.weight", C)
		add(p+"ln_1.bias", C)
		add(p+"attn.c_attn.weight", C, 3*C)
		add(p+"attn.c_attn.bias", 3*C)
		add(p+"attn.c_proj.weight", C, C)
		add(p+"attn.c_proj.bias", C)
		add(p+"ln_2.weight", C)
		add(p+"ln_2.bias", C)
		add(p+"mlp.c_fc.weight", C, 4*C)
		add(p+"mlp.c_fc.bias", 4*C)
		add(p+"mlp.c_proj.weight", 4*C, C)
		add(p+"mlp.c_proj.bias", C)
	}
	add("ln_f.weight", C)
	add("ln_f.bias", C)
	return specs
}

// New builds a model with GPT-2's initialisation: weights N(0, 0.02), residual projections
// N(0, 0.02/sqrt(2·NLayer)) so the residual stream's variance does not grow with depth,
// biases 0 and LayerNorm gains 1.
func New(cfg Config, seed uint64) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Model{Config: cfg, Params: make([]float32, cfg.NumParams())}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	projStd := 0.02 / math.Sqrt(2*float64(cfg.NLayer))
	for _, t := range m.Tensors() {
		switch {
		case hasSuffix(t.Name, "ln_1.weight", "ln_2.weight", "ln_f.weight"):
			fill(t.Data, 1)
		case hasSuffix(t.Name, ".bias"):
			fill(t.Data, 0)
		case hasSuffix(t.Name, "c_proj.weight"):
			normal(rng, t.Data, projStd)
		default:
			normal(rng, t.Data, 0.02)
		}
	}
	return m, nil
}

// Clone returns a deep copy.
func (m *Model) Clone() *Model {
	return &Model{Config: m.Config, Params: append([]float32(nil), m.Params...)}
}

// Tensors lists every parameter as a view into m.Params, in layout order.
func (m *Model) Tensors() []Tensor { return m.TensorsOf(m.Params) }

// TensorsOf names a slice laid out like Params (a gradient or optimiser moment) the same way.
// It panics when flat has the wrong length.
func (m *Model) TensorsOf(flat []float32) []Tensor {
	return m.Config.TensorsOf(flat)
}

// TensorsOf names a slice laid out like a model of this config's Params.
func (c Config) TensorsOf(flat []float32) []Tensor {
	specs := c.layout()
	if n := c.NumParams(); len(flat) != n {
		panic(fmt.Sprintf("gpt: TensorsOf got %d floats, config has %d parameters", len(flat), n))
	}
	out := make([]Tensor, len(specs))
	for i, s := range specs {
		out[i] = Tensor{Name: s.name, Shape: append([]int(nil), s.shape...), Data: flat[s.offset : s.offset+s.size() : s.offset+s.size()]}
	}
	return out
}

func hasSuffix(s string, suffixes ...string) bool {
	for _, x := range suffixes {
		if len(s) >= len(x) && s[len(s)-len(x):] == x {
			return true
		}
	}
	return false
}

func fill(d []float32, v float32) {
	for i := range d {
		d[i] = v
	}
}

func normal(rng *rand.Rand, d []float32, std float64) {
	for i := range d {
		d[i] = float32(rng.NormFloat64() * std)
	}
}
