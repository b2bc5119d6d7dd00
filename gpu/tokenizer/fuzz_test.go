package tokenizer

import (
	"testing"
	"unicode/utf8"

	"github.com/agentarena/arena/internal/fuzzseed"
)

// FuzzBPERoundTrip checks Decode(Encode(s)) == s on the fixture vocabulary.
func FuzzBPERoundTrip(f *testing.F) {
	for _, s := range []string{"hello world", "It's  a\t\ttest \n\n", "日本語 🙂👍🏽 ١٢٣", "'s'S 've'll", "   ", "<|endoftext|>"} {
		fuzzseed.Add(f, s)
	}
	bpe, err := LoadBPE("testdata/vocab.json", "testdata/merges.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		ids := bpe.Encode(s)
		if got := bpe.Decode(ids); got != s {
			t.Fatalf("Decode(Encode(%q)) = %q via %v", s, got, ids)
		}
		for _, id := range ids {
			if id < 0 || int(id) >= bpe.Vocab() || id == bpe.EOS() {
				t.Fatalf("Encode(%q) gave id %d", s, id)
			}
		}
	})
}
