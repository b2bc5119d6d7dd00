package tokenizer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func fixture(t *testing.T) *BPE {
	t.Helper()
	bpe, err := LoadBPE("testdata/vocab.json", "testdata/merges.txt")
	if err != nil {
		t.Fatal(err)
	}
	return bpe
}

func TestBytes(t *testing.T) {
	var tok Tokenizer = Bytes{}
	if got := tok.Encode("hé"); !slices.Equal(got, []int32{'h', 0xc3, 0xa9}) {
		t.Errorf("Encode = %v", got)
	}
	if got := tok.Decode([]int32{'h', 256, 'i', -1, 300, 0xc3, 0xa9}); got != "hié" {
		t.Errorf("Decode = %q", got)
	}
	if tok.Vocab() != 257 || tok.EOS() != 256 {
		t.Errorf("Vocab, EOS = %d, %d", tok.Vocab(), tok.EOS())
	}
}

func TestSplitWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Hello world", []string{"Hello", " world"}},
		{"I'm don't we'll they've", []string{"I", "'m", " don", "'t", " we", "'ll", " they", "'ve"}},
		{"'S 's", []string{"'", "S", " '", "s"}}, // case-sensitive, and a space blocks it
		{"a  b", []string{"a", " ", " b"}},
		// The run " \n\t" is followed by a letter, so its last character
		// splits off; a tab is not " ", so it does not lead the word.
		{"a \n\tb", []string{"a", " \n", "\t", "b"}},
		{"x   ", []string{"x", "   "}},
		{"abc123 45!? ..", []string{"abc", "123", " 45", "!?", " .."}},
		{"héllo 世界 🙂🙂", []string{"héllo", " 世界", " 🙂🙂"}},
		{"\n\nfoo", []string{"\n", "\n", "foo"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := splitWords(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("splitWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestBPEFixture(t *testing.T) {
	bpe := fixture(t)
	// Byte ids follow GPT-2: 0..93 are '!'..'~', byte 32 (Ġ) is 220,
	// merged tokens 256.. in merges.txt order, <|endoftext|> is 266.
	tests := []struct {
		in   string
		want []int32
	}{
		{"hello world", []int32{259, 264}},  // he, ll, hell, hello; Ġw, or, Ġwor, ld, Ġworld
		{"hell", []int32{258}},              //
		{"hellow", []int32{259, 'w' - '!'}}, // no merge joins hello and w
		{"hello's", []int32{259, 265}},      // contraction is its own word
		{"a  b", []int32{'a' - '!', 220, 220, 'b' - '!'}},
		{"\n", []int32{198}}, // byte 10 is the 11th unprintable byte: 188+10
		{"<|endoftext|>", []int32{'<' - '!', '|' - '!', 'e' - '!', 'n' - '!', 'd' - '!', 'o' - '!', 'f' - '!', 't' - '!', 'e' - '!', 'x' - '!', 't' - '!', '|' - '!', '>' - '!'}},
	}
	for _, tt := range tests {
		if got := bpe.Encode(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Encode(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if bpe.Vocab() != 267 || bpe.EOS() != 266 {
		t.Errorf("Vocab, EOS = %d, %d", bpe.Vocab(), bpe.EOS())
	}
	if got := bpe.Decode([]int32{259, 266, -5, 9999, 264}); got != "hello world" {
		t.Errorf("Decode = %q", got)
	}
}

func TestBPERoundTrip(t *testing.T) {
	bpe := fixture(t)
	for _, s := range []string{
		"hello world", "Hello, World! It's 2024.", "  leading and trailing  ",
		"tabs\tand\nnewlines\r\n\n", "don't I'll we've they're she'd I'm it's",
		"héllo wörld ñ 日本語のテキスト", "emoji 🙂👍🏽 👨‍👩‍👧 flags 🇫🇷", "numbers ١٢٣ ½ 3.14",
		"\x00\x01\x7f control", "invalid \xff\xfe utf8", "<|endoftext|>",
	} {
		ids := bpe.Encode(s)
		if got := bpe.Decode(ids); got != s {
			t.Errorf("Decode(Encode(%q)) = %q", s, got)
		}
		// The cache must give the same answer the second time.
		if again := bpe.Encode(s); !slices.Equal(again, ids) {
			t.Errorf("Encode(%q) not stable: %v then %v", s, ids, again)
		}
	}
}

func TestBPELoadErrors(t *testing.T) {
	vocab, _ := os.ReadFile("testdata/vocab.json")
	merges, _ := os.ReadFile("testdata/merges.txt")
	tests := []struct {
		name          string
		vocab, merges string
		want          string
	}{
		{"bad json", "{\n\"a\": 1,\n\"b\" 2}", string(merges), "vocab.json:3: invalid character"},
		{"id not int", "{\n\"a\": \"x\"}", string(merges), "vocab.json:2:"},
		{"no eos", strings.Replace(string(vocab), `"<|endoftext|>"`, `"<|other|>"`, 1), string(merges), "no <|endoftext|> token"},
		{"missing byte", strings.Replace(string(vocab), `"!": 0`, `"!!": 0`, 1), "", `no token for byte 0x21 ("!")`},
		{"shared id", strings.Replace(string(vocab), `"\"": 1`, `"\"": 0`, 1), "", "share id 0"},
		{"negative id", strings.Replace(string(vocab), `"!": 0`, `"!": -1`, 1), "", "negative id"},
		{"bad merge line", string(vocab), "#version: 0.2\nh e\nhe\n", `merges.txt:3: want "left right", got "he"`},
		{"three fields", string(vocab), "h e x\n", `merges.txt:1: want "left right"`},
		{"unknown token", string(vocab), "#version: 0.2\nq z\n", `merges.txt:2: token "qz" is not in the vocabulary`},
		{"duplicate merge", string(vocab), "h e\nh e\n", "merges.txt:2: duplicate merge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewBPE(strings.NewReader(tt.vocab), strings.NewReader(tt.merges))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if _, err := LoadBPE(filepath.Join(t.TempDir(), "nope.json"), "testdata/merges.txt"); err == nil || !strings.Contains(err.Error(), "nope.json") {
		t.Errorf("missing file: err = %v", err)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "my-merges.txt")
	os.WriteFile(bad, []byte("#version: 0.2\nbroken\n"), 0o644)
	if _, err := LoadBPE("testdata/vocab.json", bad); err == nil || !strings.Contains(err.Error(), bad+":2:") {
		t.Errorf("bad merges: err = %v", err)
	}
}

// TestGPT2Real checks known GPT-2 encodings against the real vocabulary
// when GPT2_VOCAB and GPT2_MERGES point at encoder.json/vocab.json and
// vocab.bpe/merges.txt (too large to commit).
func TestGPT2Real(t *testing.T) {
	vocab, merges := os.Getenv("GPT2_VOCAB"), os.Getenv("GPT2_MERGES")
	if vocab == "" || merges == "" {
		t.Skip("set GPT2_VOCAB and GPT2_MERGES to GPT-2's vocabulary files")
	}
	bpe, err := LoadBPE(vocab, merges)
	if err != nil {
		t.Fatal(err)
	}
	if bpe.Vocab() != 50257 || bpe.EOS() != 50256 {
		t.Errorf("Vocab, EOS = %d, %d", bpe.Vocab(), bpe.EOS())
	}
	tests := []struct {
		in   string
		want []int32
	}{
		{"Hello world", []int32{15496, 995}},
		{"hello world", []int32{31373, 995}},
		{"Hello, world!", []int32{15496, 11, 995, 0}},
		{" the", []int32{262}},
		// Checked against the npm gpt-3-encoder port of GPT-2's encoder.py.
		{"It's a test, isn't it? I'd've thought so.", []int32{1026, 338, 257, 1332, 11, 2125, 470, 340, 30, 314, 1549, 1053, 1807, 523, 13}},
		{"\n", []int32{198}},
	}
	for _, tt := range tests {
		if got := bpe.Encode(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Encode(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
