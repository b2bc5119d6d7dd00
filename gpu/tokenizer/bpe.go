package tokenizer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// EndOfText is GPT-2's end-of-text token (id 50256 in its vocabulary).
const EndOfText = "<|endoftext|>"

// maxCache bounds the per-word cache; when full it is simply emptied.
const maxCache = 1 << 16

// BPE is GPT-2's byte-level byte-pair-encoding tokenizer. It is safe for
// concurrent use.
type BPE struct {
	encoder  map[string]int32 // token string (byte-mapped) → id
	decoder  []string         // id → token string; "" for unused ids
	ranks    map[[2]string]int
	byteRune [256]rune
	runeByte map[rune]byte
	eos      int32

	mu    sync.Mutex
	cache map[string][]int32
}

var _ Tokenizer = (*BPE)(nil)

// LoadBPE reads GPT-2's vocab.json (token → id) and merges.txt (one
// "left right" merge per line, by rank, after a "#version" line).
func LoadBPE(vocabPath, mergesPath string) (*BPE, error) {
	vf, err := os.Open(vocabPath)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	defer vf.Close()
	mf, err := os.Open(mergesPath)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	defer mf.Close()
	return newBPE(vf, vocabPath, mf, mergesPath)
}

// NewBPE is LoadBPE from readers; errors call them "vocab.json" and
// "merges.txt".
func NewBPE(vocab, merges io.Reader) (*BPE, error) {
	return newBPE(vocab, "vocab.json", merges, "merges.txt")
}

func newBPE(vocab io.Reader, vocabName string, merges io.Reader, mergesName string) (*BPE, error) {
	t := &BPE{cache: map[string][]int32{}}
	t.byteRune, t.runeByte = byteRunes()
	if err := t.readVocab(vocab, vocabName); err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	if err := t.readMerges(merges, mergesName); err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	return t, nil
}

func (t *BPE) readVocab(r io.Reader, name string) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := json.Unmarshal(raw, &t.encoder); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return fmt.Errorf("%s:%d: %w", name, lineAt(raw, syn.Offset), err)
		case errors.As(err, &typ):
			return fmt.Errorf("%s:%d: %w", name, lineAt(raw, typ.Offset), err)
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	if len(t.encoder) == 0 {
		return fmt.Errorf("%s: empty vocabulary", name)
	}
	maxID := int32(-1)
	for tok, id := range t.encoder {
		if tok == "" {
			return fmt.Errorf("%s: empty token (id %d)", name, id)
		}
		if id < 0 {
			return fmt.Errorf("%s: token %q has negative id %d", name, tok, id)
		}
		maxID = max(maxID, id)
	}
	if int(maxID) >= 4*len(t.encoder)+1024 {
		return fmt.Errorf("%s: id %d is far beyond the %d tokens", name, maxID, len(t.encoder))
	}
	t.decoder = make([]string, maxID+1)
	for tok, id := range t.encoder {
		if prev := t.decoder[id]; prev != "" {
			return fmt.Errorf("%s: tokens %q and %q share id %d", name, min(prev, tok), max(prev, tok), id)
		}
		t.decoder[id] = tok
	}
	// Every byte must be a token, so that Encode can always fall back to bytes.
	for b, r := range t.byteRune {
		if _, ok := t.encoder[string(r)]; !ok {
			return fmt.Errorf("%s: no token for byte %#02x (%q)", name, b, string(r))
		}
	}
	eos, ok := t.encoder[EndOfText]
	if !ok {
		return fmt.Errorf("%s: no %s token", name, EndOfText)
	}
	t.eos = eos
	return nil
}

// lineAt is the 1-based line of byte offset off in b.
func lineAt(b []byte, off int64) int {
	off = min(max(off, 0), int64(len(b)))
	return bytes.Count(b[:off], []byte("\n")) + 1
}

func (t *BPE) readMerges(r io.Reader, name string) error {
	t.ranks = map[[2]string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimRight(sc.Text(), "\r")
		if line == 1 && strings.HasPrefix(text, "#version") || text == "" {
			continue
		}
		left, right, ok := strings.Cut(text, " ")
		if !ok || left == "" || right == "" || strings.Contains(right, " ") {
			return fmt.Errorf("%s:%d: want \"left right\", got %q", name, line, text)
		}
		for _, tok := range []string{left, right, left + right} {
			if _, ok := t.encoder[tok]; !ok {
				return fmt.Errorf("%s:%d: token %q is not in the vocabulary", name, line, tok)
			}
		}
		pair := [2]string{left, right}
		if _, dup := t.ranks[pair]; dup {
			return fmt.Errorf("%s:%d: duplicate merge %q", name, line, text)
		}
		t.ranks[pair] = len(t.ranks)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// Vocab is one more than the largest id (50257 for GPT-2).
func (t *BPE) Vocab() int { return len(t.decoder) }

// EOS is the id of <|endoftext|>.
func (t *BPE) EOS() int32 { return t.eos }

// Encode splits s into GPT-2's pre-tokens and merges each by rank. Like
// GPT-2's encoder, "<|endoftext|>" in s is plain text, never EOS.
func (t *BPE) Encode(s string) []int32 {
	var ids []int32
	for _, w := range splitWords(s) {
		ids = append(ids, t.encodeWord(w)...)
	}
	return ids
}

func (t *BPE) encodeWord(w string) []int32 {
	t.mu.Lock()
	ids, ok := t.cache[w]
	t.mu.Unlock()
	if ok {
		return ids
	}
	syms := make([]string, len(w))
	for i := range len(w) {
		syms[i] = string(t.byteRune[w[i]])
	}
	syms = t.merge(syms)
	ids = make([]int32, len(syms))
	for i, s := range syms {
		ids[i] = t.encoder[s] // merges and bytes are all checked to be in vocab
	}
	t.mu.Lock()
	if len(t.cache) >= maxCache {
		clear(t.cache)
	}
	t.cache[w] = ids
	t.mu.Unlock()
	return ids
}

// merge repeatedly joins the lowest-ranked adjacent pair, every
// non-overlapping occurrence left to right, as GPT-2's bpe() does.
func (t *BPE) merge(syms []string) []string {
	for len(syms) > 1 {
		best, bestRank := [2]string{}, -1
		for i := 0; i+1 < len(syms); i++ {
			if r, ok := t.ranks[[2]string{syms[i], syms[i+1]}]; ok && (bestRank < 0 || r < bestRank) {
				best, bestRank = [2]string{syms[i], syms[i+1]}, r
			}
		}
		if bestRank < 0 {
			break
		}
		out := syms[:0:0]
		for i := 0; i < len(syms); i++ {
			if i+1 < len(syms) && syms[i] == best[0] && syms[i+1] == best[1] {
				out = append(out, best[0]+best[1])
				i++
			} else {
				out = append(out, syms[i])
			}
		}
		syms = out
	}
	return syms
}

// Decode joins the ids' tokens and maps their characters back to bytes,
// skipping EOS and ids that are out of range or unused.
func (t *BPE) Decode(ids []int32) string {
	var b []byte
	for _, id := range ids {
		if id == t.eos || id < 0 || int(id) >= len(t.decoder) {
			continue
		}
		for _, r := range t.decoder[id] {
			if c, ok := t.runeByte[r]; ok {
				b = append(b, c)
			}
		}
	}
	return string(b)
}
