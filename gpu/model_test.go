package gpu

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestDefaultModelSize(t *testing.T) {
	n := DefaultModelConfig().NumParams()
	if n < 100_000 || n > 1_000_000 {
		t.Fatalf("default model has %d parameters, want 0.1–1M", n)
	}
	m := mustModel(t, DefaultModelConfig())
	if len(m.Params) != n {
		t.Fatalf("params %d, config says %d", len(m.Params), n)
	}
}

// gradSeqs cover the edge cases of the window: an empty prompt, an empty
// response (only EOS is scored), and a prompt longer than the window.
var gradSeqs = []Sequence{
	{"ab", "cde"},
	{"", "x"},
	{"hello world", "ok"},
	{"q", ""},
}

// checkGrad compares an analytic gradient with numerical derivatives of f
// over the parameters idx. The five-point stencil (error O(h⁴)) with
// h = 1e-4 leaves rounding noise near 1e-11 for f of order ten; the
// relative error is taken against max(|analytic|, |numeric|, 1e-5), since
// below that floor a ratio measures rounding noise, not the gradient.
func checkGrad(t *testing.T, m *Model, f func() float64, grad []float64, idx []int) {
	t.Helper()
	const h, floor = 1e-4, 1e-5
	at := func(i int, x float64) float64 {
		m.Params[i] = x
		return f()
	}
	worst := 0.0
	var diff2, sum2 float64
	for _, i := range idx {
		orig := m.Params[i]
		num := (at(i, orig-2*h) - 8*at(i, orig-h) + 8*at(i, orig+h) - at(i, orig+2*h)) / (12 * h)
		m.Params[i] = orig
		rel := math.Abs(num-grad[i]) / max(math.Abs(num), math.Abs(grad[i]), floor)
		worst = max(worst, rel)
		diff2 += (num - grad[i]) * (num - grad[i])
		sum2 += (num + grad[i]) * (num + grad[i])
		if rel > 1e-5 {
			t.Errorf("param %d: analytic %.10g, numeric %.10g, relative error %.2g", i, grad[i], num, rel)
		}
	}
	t.Logf("worst relative error %.2g over %d parameters; ‖a−n‖/‖a+n‖ = %.2g", worst, len(idx), math.Sqrt(diff2/sum2))
}

func randomizeBiases(m *Model, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 3))
	_, _, b1, _, b2 := m.tensors(m.Params)
	for _, b := range [][]float64{b1, b2} {
		for i := range b {
			b[i] = rng.NormFloat64() * 0.3
		}
	}
}

func TestBackwardMatchesFiniteDifferences(t *testing.T) {
	t.Run("window only", func(t *testing.T) { testBackward(t, tinyConfig) })
	t.Run("with prompt features", func(t *testing.T) {
		// Three buckets for the words of gradSeqs' prompts: every feature
		// row of W1 gets a gradient, and "hello world" reaches past the
		// window, so the features carry what the bytes cannot.
		cfg := tinyConfig
		cfg.PromptFeatures = 3
		testBackward(t, cfg)
	})
}

func testBackward(t *testing.T, cfg ModelConfig) {
	cpu := NewCPU()
	m := mustModel(t, cfg)
	randomizeBiases(m, 1) // zero biases would hide a wrong bias gradient
	// L = Σ w_s·logπ_s with unequal weights of both signs, so a gradient
	// routed to the wrong sequence shows.
	w := []float64{0.3, -1.2, 0.7, 0.45}
	f := func() float64 {
		var l float64
		for s, lp := range m.LogProbs(cpu, gradSeqs) {
			l += w[s] * lp
		}
		return l
	}
	grad := make([]float64, len(m.Params))
	p := m.Forward(cpu, gradSeqs, nil)
	if err := m.Backward(cpu, p, w, grad); err != nil {
		t.Fatal(err)
	}
	all := make([]int, len(m.Params))
	for i := range all {
		all[i] = i
	}
	checkGrad(t, m, f, grad, all)
}

func TestDPOGradientMatchesFiniteDifferences(t *testing.T) {
	// End to end: the DPO loss of the model's own log-probs against a
	// perturbed reference, differentiated through DPOLoss and Backward.
	cpu := NewCPU()
	m := mustModel(t, tinyConfig)
	randomizeBiases(m, 2)
	pairs := []Pair{{Prompt: "ab", Chosen: "cd", Rejected: "xyz"}, {Prompt: "", Chosen: "a", Rejected: "b"}}
	seqs := pairSequences(pairs, nil)
	refC, refR := []float64{-7, -3}, []float64{-8, -6}
	for _, tc := range []struct {
		name string
		cfg  DPOConfig
	}{
		{"sigmoid", DPOConfig{Beta: 0.3}},
		{"cDPO", DPOConfig{Beta: 0.3, LabelSmoothing: 0.2}},
		{"IPO", DPOConfig{Beta: 0.3, Loss: LossIPO}},
		// β small enough that 1 − βΔ stays positive: the hinge's kink is
		// not differentiable.
		{"hinge", DPOConfig{Beta: 0.01, Loss: LossHinge}},
	} {
		cfg := tc.cfg
		t.Run(tc.name, func(t *testing.T) {
			f := func() float64 {
				lp := m.LogProbs(cpu, seqs)
				res, err := DPOLoss(cfg, lp[:2], lp[2:], refC, refR)
				if err != nil {
					t.Fatal(err)
				}
				return res.Loss
			}
			p := m.Forward(cpu, seqs, nil)
			res, err := DPOLoss(cfg, p.LogP[:2], p.LogP[2:], refC, refR)
			if err != nil {
				t.Fatal(err)
			}
			grad := make([]float64, len(m.Params))
			if err := m.Backward(cpu, p, append(res.DChosen, res.DRejected...), grad); err != nil {
				t.Fatal(err)
			}
			var idx []int
			for i := 0; i < len(m.Params); i += 3 {
				idx = append(idx, i)
			}
			checkGrad(t, m, f, grad, idx)
		})
	}
}

func TestForwardIsAPerSequenceSum(t *testing.T) {
	// Scoring sequences together or one by one must agree: batching is an
	// optimisation, not a change of model.
	withFeatures := tinyConfig
	withFeatures.PromptFeatures = 5
	for _, cfg := range []ModelConfig{tinyConfig, withFeatures} {
		testPerSequenceSum(t, cfg)
	}
}

func testPerSequenceSum(t *testing.T, cfg ModelConfig) {
	cpu := NewCPU()
	m := mustModel(t, cfg)
	together := m.LogProbs(cpu, gradSeqs)
	for i, s := range gradSeqs {
		alone := m.LogProbs(cpu, []Sequence{s})[0]
		if math.Abs(alone-together[i]) > 1e-12 {
			t.Errorf("sequence %d: %v alone, %v in a batch", i, alone, together[i])
		}
	}
	if together[3] > 0 || together[3] < math.Log(1.0/Vocab)*3 {
		t.Errorf("EOS-only response scored %v", together[3])
	}
}

func TestSample(t *testing.T) {
	m := mustModel(t, smallConfig)
	t.Run("same seed gives the same text", func(t *testing.T) {
		a := m.Sample("Q: ", 40, 1, rand.New(rand.NewPCG(5, 5)))
		b := m.Sample("Q: ", 40, 1, rand.New(rand.NewPCG(5, 5)))
		if a != b {
			t.Fatalf("%q != %q", a, b)
		}
	})
	t.Run("maxBytes bounds the answer", func(t *testing.T) {
		if s := m.Sample("Q: ", 7, 1, rand.New(rand.NewPCG(1, 1))); len(s) > 7 {
			t.Fatalf("%d bytes", len(s))
		}
	})
	t.Run("a trained model stops at EOS", func(t *testing.T) {
		tr := mustTrainer(t, m.Clone(), TrainerConfig{LR: 0.02, DPO: DPOConfig{Beta: 0.1}})
		batch := []Sequence{{"Q: ", "yes"}}
		for range 150 {
			if _, err := tr.SFT(batch); err != nil {
				t.Fatal(err)
			}
		}
		if s := tr.Policy().Sample("Q: ", 50, 0, nil); s != "yes" {
			t.Fatalf("greedy answer %q, want %q", s, "yes")
		}
		if s := tr.Policy().Sample("Q: ", 50, 0.5, rand.New(rand.NewPCG(2, 2))); !strings.HasPrefix(s, "y") {
			t.Fatalf("sampled %q", s)
		}
	})
}

func TestPromptVector(t *testing.T) {
	if PromptVector("anything", 0) != nil {
		t.Fatal("zero features gave a vector")
	}
	v := PromptVector("Explain DNS, in 40 words: explain it!", 64)
	if len(v) != 64 {
		t.Fatalf("length %d", len(v))
	}
	var ss float64
	nonzero := 0
	for _, x := range v {
		ss += x * x
		if x != 0 {
			nonzero++
		}
	}
	if math.Abs(ss-1) > 1e-12 || nonzero < 2 {
		t.Fatalf("norm² %v, %d nonzero buckets", ss, nonzero)
	}
	// Words are case-folded and split on anything but letters and digits.
	if !equalFloats(v, PromptVector("explain dns in 40 words explain IT", 64)) {
		t.Fatal("case or punctuation changed the vector")
	}
	if equalFloats(v, PromptVector("Explain TCP, in 40 words: explain it!", 64)) {
		t.Fatal("a different word left the vector unchanged")
	}
	// Bucket of a single word is FNV-1a-32 mod n: "a" hashes to 0xe40c292c.
	if w := PromptVector("A", 7); w[0xe40c292c%7] != 1 {
		t.Fatalf("single word vector %v", w)
	}
	for _, x := range PromptVector(" ,.! ", 8) {
		if x != 0 {
			t.Fatal("a prompt without words gave a nonzero vector")
		}
	}
}

func TestPromptFeaturesLayout(t *testing.T) {
	// Off by default and sized exactly: P extra rows of W1, nothing else.
	if DefaultModelConfig().PromptFeatures != 0 {
		t.Fatal("prompt features are on by default")
	}
	cfg := DefaultModelConfig()
	cfg.PromptFeatures = 64
	if got, want := cfg.NumParams()-DefaultModelConfig().NumParams(), 64*cfg.Hidden; got != want {
		t.Fatalf("features add %d parameters, want %d", got, want)
	}
	cfg.PromptFeatures = -1
	if cfg.Validate() == nil {
		t.Fatal("accepted negative prompt features")
	}
}

func TestPromptFeaturesReadThePrompt(t *testing.T) {
	// The two prompts end in the same Window bytes, so only the features
	// can tell them apart: a window model must give both the same answer,
	// a model with features learns each its own.
	batch := []Sequence{{"red please: ", "rrr"}, {"blue please: ", "bbb"}}
	for _, nf := range []int{0, 16} {
		cfg := smallConfig
		cfg.PromptFeatures = nf
		tr := mustTrainer(t, mustModel(t, cfg), TrainerConfig{LR: 0.02, DPO: DPOConfig{Beta: 0.1}})
		for range 200 {
			if _, err := tr.SFT(batch); err != nil {
				t.Fatal(err)
			}
		}
		a, b := tr.Policy().Sample(batch[0].Prompt, 10, 0, nil), tr.Policy().Sample(batch[1].Prompt, 10, 0, nil)
		switch {
		case nf == 0 && a != b:
			t.Fatalf("window model told the prompts apart: %q, %q", a, b)
		case nf > 0 && (a != "rrr" || b != "bbb"):
			t.Fatalf("with %d features: answers %q and %q, want \"rrr\" and \"bbb\"", nf, a, b)
		}
	}
}

func TestNewModelIsSeeded(t *testing.T) {
	a, b := mustModel(t, smallConfig), mustModel(t, smallConfig)
	if !equalFloats(a.Params, b.Params) {
		t.Fatal("same seed, different weights")
	}
	other := smallConfig
	other.Seed++
	if equalFloats(a.Params, mustModel(t, other).Params) {
		t.Fatal("different seeds, same weights")
	}
	if _, err := NewModel(ModelConfig{Window: 0, Embed: 4, Hidden: 4}); err == nil {
		t.Fatal("accepted a zero window")
	}
}
