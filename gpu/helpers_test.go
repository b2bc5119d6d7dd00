package gpu

import (
	"math/rand/v2"
	"testing"
)

// tinyConfig is small enough for finite differences and -race.
var tinyConfig = ModelConfig{Window: 3, Embed: 4, Hidden: 5, Seed: 7}

// smallConfig is small enough to train in a test, big enough to learn.
var smallConfig = ModelConfig{Window: 4, Embed: 8, Hidden: 32, Seed: 1}

func mustModel(t testing.TB, cfg ModelConfig) *Model {
	t.Helper()
	m, err := NewModel(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustTrainer(t testing.TB, m *Model, cfg TrainerConfig) *Trainer {
	t.Helper()
	tr, err := NewTrainer(NewCPU(), m, cfg)
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
// window model can tell them apart from the first byte on.
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

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
