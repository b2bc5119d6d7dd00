package gpu

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
	"unicode"
)

const (
	// Vocab is the number of symbols: the model reads and writes bytes.
	Vocab = 256
	// EOS ends every response. It is appended to each response when a
	// sequence is scored or trained on, so the model learns where answers
	// stop, and Sample stops when it draws it. Arena answers are text and
	// never contain a NUL byte, so it cannot collide with content.
	EOS byte = 0
)

// ModelConfig sizes the byte model. It is stored in checkpoints, so the
// JSON names are part of the file format.
type ModelConfig struct {
	// Window is how many previous bytes the model sees.
	Window int `json:"window"`
	// Embed is the width of each byte's embedding.
	Embed int `json:"embed"`
	// Hidden is the width of the tanh layer.
	Hidden int `json:"hidden"`
	// Seed drives the weight initialisation (PCG), so equal configs give
	// equal models.
	Seed uint64 `json:"seed"`
	// PromptFeatures, when positive, feeds the hidden layer a fixed
	// (untrained) description of the whole prompt next to the byte window:
	// a hashed bag of its lower-cased words in this many buckets (see
	// PromptVector). W1 gains this many input rows. Zero, the default,
	// is the plain window model, and its checkpoints are unchanged.
	PromptFeatures int `json:"prompt_features,omitempty"`
}

// DefaultModelConfig is about 103k parameters: big enough to pick up
// word-level patterns in arena answers, small enough to train on a CPU in
// minutes.
func DefaultModelConfig() ModelConfig {
	return ModelConfig{Window: 8, Embed: 16, Hidden: 256, Seed: 1}
}

// Validate rejects sizes that are empty or absurdly large; the bounds also
// protect Load from allocating whatever a corrupt header asks for.
func (c ModelConfig) Validate() error {
	switch {
	case c.Window < 1 || c.Window > 1024:
		return fmt.Errorf("model window %d outside 1..1024", c.Window)
	case c.Embed < 1 || c.Embed > 1024:
		return fmt.Errorf("model embed %d outside 1..1024", c.Embed)
	case c.Hidden < 1 || c.Hidden > 16384:
		return fmt.Errorf("model hidden %d outside 1..16384", c.Hidden)
	case c.PromptFeatures < 0 || c.PromptFeatures > 65536:
		return fmt.Errorf("model prompt features %d outside 0..65536", c.PromptFeatures)
	case c.NumParams() > 1<<26:
		return fmt.Errorf("model has %d parameters, more than %d", c.NumParams(), 1<<26)
	}
	return nil
}

// layout gives each tensor's offset inside Model.Params.
type layout struct{ emb, w1, b1, w2, b2, n int }

func (c ModelConfig) layout() layout {
	var l layout
	l.w1 = Vocab * c.Embed
	l.b1 = l.w1 + c.inputs()*c.Hidden
	l.w2 = l.b1 + c.Hidden
	l.b2 = l.w2 + c.Hidden*Vocab
	l.n = l.b2 + Vocab
	return l
}

// NumParams is the length of Model.Params for this config.
func (c ModelConfig) NumParams() int { return c.layout().n }

// window is the width of the gathered byte embeddings; inputs the width of
// the hidden layer's input, which adds the prompt features.
func (c ModelConfig) window() int { return c.Window * c.Embed }
func (c ModelConfig) inputs() int { return c.Window*c.Embed + c.PromptFeatures }

// PromptVector is the fixed prompt description a model with
// PromptFeatures = n reads: the prompt is split into words (maximal runs
// of letters and digits), each lower-cased word adds one to bucket
// FNV-1a-32(word) mod n, and the counts are scaled to unit L2 norm. A
// prompt without words gives the zero vector. It is not trained, so equal
// prompts always give equal vectors. n ≤ 0 gives nil.
func PromptVector(prompt string, n int) []float64 {
	if n <= 0 {
		return nil
	}
	v := make([]float64, n)
	h := fnv.New32a()
	for _, w := range strings.FieldsFunc(prompt, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		h.Reset()
		h.Write([]byte(strings.ToLower(w)))
		v[h.Sum32()%uint32(n)]++
	}
	var ss float64
	for _, x := range v {
		ss += x * x
	}
	if ss > 0 {
		inv := 1 / math.Sqrt(ss)
		for i := range v {
			v[i] *= inv
		}
	}
	return v
}

// Model is a causal language model over bytes: the embeddings of the
// previous Window bytes (a zero vector where the window runs off the start
// of the sequence) are concatenated, with the prompt's feature vector f
// when PromptFeatures P > 0 (the same for every position of a sequence),
// pass through one tanh layer, and a linear layer gives the logits of the
// next byte.
//
//	x = [emb(z[t−W]) … emb(z[t−1]) f]  (W·E + P)
//	h = tanh(x·W1 + b1)                (H)
//	log p(z[t] | ·) = logsoftmax(h·W2 + b2)
//
// A Model is plain data; the Backend that computes with it is passed to
// each call, so a reference copy can share the policy's backend.
type Model struct {
	Config ModelConfig
	// Params holds every weight in one slice — embedding (256×E), W1
	// ((W·E+P)×H, the prompt-feature rows last), b1, W2 (H×256), b2 — so the optimiser, clipping, copies and
	// checkpoints treat the model as one vector.
	Params []float64
}

// NewModel returns a model with seeded random weights: embeddings N(0,1),
// W1 scaled by 1/√fan-in so tanh starts unsaturated, W2 smaller still so
// the first predictions are close to uniform, biases zero.
func NewModel(cfg ModelConfig) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	l := cfg.layout()
	m := &Model{Config: cfg, Params: make([]float64, l.n)}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15))
	fill := func(xs []float64, std float64) {
		for i := range xs {
			xs[i] = rng.NormFloat64() * std
		}
	}
	fill(m.Params[l.emb:l.w1], 1)
	fill(m.Params[l.w1:l.b1], 1/math.Sqrt(float64(cfg.inputs())))
	fill(m.Params[l.w2:l.b2], 0.5/math.Sqrt(float64(cfg.Hidden)))
	return m, nil
}

// Clone returns a deep copy: the frozen reference must not move when the
// policy trains.
func (m *Model) Clone() *Model {
	return &Model{Config: m.Config, Params: append([]float64(nil), m.Params...)}
}

// tensors returns views of the parameter (or gradient) vector p.
func (m *Model) tensors(p []float64) (emb, w1, b1, w2, b2 []float64) {
	l := m.Config.layout()
	return p[l.emb:l.w1], p[l.w1:l.b1], p[l.b1:l.w2], p[l.w2:l.b2], p[l.b2:l.n]
}

// head runs the dense part on rows already gathered into x (rows×(W·E+P)):
// h = tanh(x·W1+b1) and out = logsoftmax(h·W2+b2). Forward and Sample
// share it, so generation sees exactly the distribution that was trained.
func (m *Model) head(be Backend, rows int, x, h, out []float64) {
	c := m.Config
	_, w1, b1, w2, b2 := m.tensors(m.Params)
	be.Gemm(false, false, rows, c.Hidden, c.inputs(), 1, x, w1, 0, h)
	be.AddBias(rows, c.Hidden, h, b1)
	be.Tanh(h)
	be.Gemm(false, false, rows, Vocab, c.Hidden, 1, h, w2, 0, out)
	be.AddBias(rows, Vocab, out, b2)
	be.LogSoftmax(rows, Vocab, out)
}

// gather writes the embeddings of the windows ctx (rows of Window byte
// values, −1 for padding) into the first W·E columns of the rows of x,
// which are W·E+P wide; the prompt-feature columns are left alone.
func (m *Model) gather(ctx []int32, x []float64) {
	c := m.Config
	e, w, in := c.Embed, c.Window, c.inputs()
	emb, _, _, _, _ := m.tensors(m.Params)
	for i, b := range ctx {
		at := (i/w)*in + (i%w)*e
		dst := x[at : at+e]
		if b < 0 {
			clear(dst)
			continue
		}
		copy(dst, emb[int(b)*e:int(b+1)*e])
	}
}

// Sample generates a response to prompt, one byte at a time, and returns
// it without the terminator. It stops at EOS or after maxBytes bytes.
// temperature ≤ 0 picks the most likely byte (greedy, and rng may be nil);
// otherwise bytes are drawn from rng, from the distribution sharpened or
// flattened by 1/temperature.
// The result may be invalid UTF-8 if the model is undertrained; callers
// that need text should clean it (strings.ToValidUTF8).
//
// Generation runs on the CPU backend whatever the training backend was:
// one row per step is latency-bound, and a device round trip per byte
// would only slow it down.
func (m *Model) Sample(prompt string, maxBytes int, temperature float64, rng *rand.Rand) string {
	c := m.Config
	be := NewCPU()
	ctx := make([]int32, c.Window)
	for i := range ctx {
		ctx[i] = -1
	}
	push := func(b byte) {
		copy(ctx, ctx[1:])
		ctx[len(ctx)-1] = int32(b)
	}
	for i := range len(prompt) {
		push(prompt[i])
	}
	x := make([]float64, c.inputs())
	copy(x[c.window():], PromptVector(prompt, c.PromptFeatures)) // once: gather leaves it
	h := make([]float64, c.Hidden)
	out := make([]float64, Vocab)
	var resp []byte
	for len(resp) < maxBytes {
		m.gather(ctx, x)
		m.head(be, 1, x, h, out)
		b := pick(out, temperature, rng)
		if b == EOS {
			break
		}
		resp = append(resp, b)
		push(b)
	}
	return string(resp)
}

// pick draws a byte from log-probabilities logp at the given temperature.
func pick(logp []float64, temperature float64, rng *rand.Rand) byte {
	best := 0
	for j, v := range logp {
		if v > logp[best] {
			best = j
		}
	}
	if temperature <= 0 {
		return byte(best)
	}
	// Rescale relative to the best byte so exp cannot overflow however
	// small the temperature.
	var sum float64
	w := make([]float64, len(logp))
	for j, v := range logp {
		w[j] = math.Exp((v - logp[best]) / temperature)
		sum += w[j]
	}
	u := rng.Float64() * sum
	for j, v := range w {
		if u < v {
			return byte(j)
		}
		u -= v
	}
	return byte(best) // rounding left u just above the total
}
