package gpt

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	good := Config{NLayer: 1, NHead: 2, NEmbd: 8, BlockSize: 4, Vocab: 5}
	cases := []struct {
		name string
		mod  func(*Config)
		want string // substring of the error; empty means valid
	}{
		{"valid", func(*Config) {}, ""},
		{"zero layers", func(c *Config) { c.NLayer = 0 }, "n_layer must be positive"},
		{"negative heads", func(c *Config) { c.NHead = -1 }, "n_head must be positive"},
		{"zero width", func(c *Config) { c.NEmbd = 0 }, "n_embd must be positive"},
		{"zero block", func(c *Config) { c.BlockSize = 0 }, "block_size must be positive"},
		{"zero vocab", func(c *Config) { c.Vocab = 0 }, "vocab must be positive"},
		{"indivisible heads", func(c *Config) { c.NHead = 3 }, "n_embd 8 is not divisible by n_head 3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			tc.mod(&c)
			err := c.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to mention %q", err, tc.want)
			}
			if _, err := New(c, 1); err == nil {
				t.Fatal("New accepted an invalid config")
			}
		})
	}
}

func TestPresets(t *testing.T) {
	cases := []struct {
		name   string
		params int
	}{
		{"cpu", 3290880},
		{"small", 660736},
		{"gpt2", 124439808}, // Hugging Face's count for GPT-2 small
		{"tiny", 0},
	}
	if got := strings.Join(Presets(), ","); got != "cpu,gpt2,small,tiny" {
		t.Fatalf("Presets() = %s", got)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Preset(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
			if tc.params != 0 && c.NumParams() != tc.params {
				t.Fatalf("NumParams = %d, want %d", c.NumParams(), tc.params)
			}
		})
	}
	if _, err := Preset("huge"); err == nil {
		t.Fatal("unknown preset accepted")
	}
}

func TestTensors(t *testing.T) {
	m, err := New(Config{NLayer: 2, NHead: 2, NEmbd: 8, BlockSize: 4, Vocab: 11}, 1)
	if err != nil {
		t.Fatal(err)
	}
	ts := m.Tensors()
	if len(ts) != 2+12*2+2 {
		t.Fatalf("%d tensors", len(ts))
	}
	want := map[string][]int{
		"wte.weight": {11, 8}, "wpe.weight": {4, 8},
		"h.1.ln_1.weight": {8}, "h.1.ln_1.bias": {8},
		"h.1.attn.c_attn.weight": {8, 24}, "h.1.attn.c_attn.bias": {24},
		"h.1.attn.c_proj.weight": {8, 8}, "h.1.attn.c_proj.bias": {8},
		"h.1.ln_2.weight": {8}, "h.1.ln_2.bias": {8},
		"h.1.mlp.c_fc.weight": {8, 32}, "h.1.mlp.c_fc.bias": {32},
		"h.1.mlp.c_proj.weight": {32, 8}, "h.1.mlp.c_proj.bias": {8},
		"ln_f.weight": {8}, "ln_f.bias": {8},
	}
	total := 0
	seen := map[string]bool{}
	for i, x := range ts {
		if seen[x.Name] {
			t.Fatalf("duplicate %s", x.Name)
		}
		seen[x.Name] = true
		n := 1
		for _, d := range x.Shape {
			n *= d
		}
		if n != len(x.Data) {
			t.Fatalf("%s: shape %v but %d floats", x.Name, x.Shape, len(x.Data))
		}
		// Views must tile Params in order.
		if &x.Data[0] != &m.Params[total] {
			t.Fatalf("tensor %d %s does not start at offset %d", i, x.Name, total)
		}
		total += n
		if s, ok := want[x.Name]; ok && !slices.Equal(s, x.Shape) {
			t.Fatalf("%s shape %v, want %v", x.Name, x.Shape, s)
		}
	}
	for name := range want {
		if !seen[name] {
			t.Fatalf("missing %s", name)
		}
	}
	if total != m.Config.NumParams() || total != len(m.Params) {
		t.Fatalf("tensors cover %d floats, NumParams %d, Params %d", total, m.Config.NumParams(), len(m.Params))
	}
	g := make([]float32, len(m.Params))
	if gs := m.TensorsOf(g); gs[5].Name != ts[5].Name || &gs[5].Data[0] == &ts[5].Data[0] {
		t.Fatal("TensorsOf must name a gradient slice like Params and view it, not Params")
	}
}

func TestInit(t *testing.T) {
	m, err := New(Config{NLayer: 4, NHead: 2, NEmbd: 64, BlockSize: 32, Vocab: 257}, 7)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range m.Tensors() {
		mean, std := stats(x.Data)
		var wantMean, wantStd float64
		switch {
		case strings.HasSuffix(x.Name, "ln_1.weight"), strings.HasSuffix(x.Name, "ln_2.weight"), strings.HasSuffix(x.Name, "ln_f.weight"):
			wantMean = 1
		case strings.HasSuffix(x.Name, ".bias"):
		case strings.HasSuffix(x.Name, "c_proj.weight"):
			wantStd = 0.02 / math.Sqrt(8)
		default:
			wantStd = 0.02
		}
		if math.Abs(mean-wantMean) > 3*wantStd/math.Sqrt(float64(len(x.Data)))+1e-9 || math.Abs(std-wantStd) > 0.1*wantStd+1e-9 {
			t.Errorf("%s: mean %.4g std %.4g, want %.4g and %.4g", x.Name, mean, std, wantMean, wantStd)
		}
	}
	a, _ := New(m.Config, 7)
	b := a.Clone()
	b.Params[0]++
	if a.Params[0] != m.Params[0] || b.Params[0] == a.Params[0] {
		t.Fatal("New is not deterministic per seed or Clone shares memory")
	}
}

func stats(d []float32) (mean, std float64) {
	for _, x := range d {
		mean += float64(x)
	}
	mean /= float64(len(d))
	for _, x := range d {
		std += (float64(x) - mean) * (float64(x) - mean)
	}
	return mean, math.Sqrt(std / float64(len(d)))
}
