package gpu

import (
	"math/rand/v2"
	"testing"

	"github.com/agentarena/arena/gpu/gpt"
	"github.com/agentarena/arena/gpu/tokenizer"
)

// tinyConfig is small enough for -race; smallConfig trains in a test.
var (
	tinyConfig  = gpt.Config{NLayer: 1, NHead: 2, NEmbd: 16, BlockSize: 48, Vocab: 257}
	smallConfig = gpt.Config{NLayer: 2, NHead: 2, NEmbd: 32, BlockSize: 48, Vocab: 257}
)

// byteTok is the byte-level tokenizer under the name checkpoints record.
type byteTok struct{ tokenizer.Bytes }

func (byteTok) Name() string { return "bytes" }

func mustModel(t testing.TB, cfg gpt.Config) *gpt.Model {
	t.Helper()
	m, err := gpt.New(cfg, 7)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustTrainer(t testing.TB, m *gpt.Model, cfg TrainerConfig) *Trainer {
	t.Helper()
	tr, err := NewTrainer(m, byteTok{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func randString(rng *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

// vowelPairs makes synthetic preferences: the chosen answer is a run of
// vowels, the rejected one a run of consonants of the same length, so a
// model can tell them apart from the first byte on.
func vowelPairs(seed uint64, n int, idPrefix string) []Pair {
	rng := rand.New(rand.NewPCG(seed, 1))
	pairs := make([]Pair, n)
	for i := range pairs {
		k := 4 + rng.IntN(5)
		pairs[i] = Pair{
			ID:       idPrefix + string(rune('A'+i%26)) + string(rune('a'+i/26)),
			Prompt:   "Q " + randString(rng, "0123456789", 3) + ": ",
			Chosen:   randString(rng, "aeiou", k),
			Rejected: randString(rng, "bcdfg", k),
		}
	}
	return pairs
}

// sftExamples turns pairs into fine-tuning examples on both answers, so
// the reference has no preference between the two kinds.
func sftExamples(pairs []Pair) []Sequence {
	var out []Sequence
	for _, p := range pairs {
		out = append(out, Sequence{p.Prompt, p.Chosen}, Sequence{p.Prompt, p.Rejected})
	}
	return out
}

// logProbs scores seqs with m: log π(response+EOS | prompt) each.
func logProbs(m *gpt.Model, seqs []Sequence) []float64 {
	e := encode(byteTok{}, seqs, m.Config.BlockSize)
	act := m.Forward(e.batch, nil)
	return e.seqLogP(act.TargetLogP)
}
