// Package tokenizer turns text into model token ids and back: byte-level and GPT-2 byte-level BPE.
package tokenizer

// Tokenizer maps text to token ids and back.
type Tokenizer interface {
	// Encode tokenises s; it never emits EOS.
	Encode(s string) []int32
	// Decode turns ids back into text, skipping EOS and unknown ids.
	Decode(ids []int32) string
	// Vocab is the number of token ids (the model's vocabulary size).
	Vocab() int
	// EOS is the end-of-text id.
	EOS() int32
}

// Bytes is the byte-level tokenizer: each byte is its own token and 256
// marks the end of an answer, for a vocabulary of 257.
type Bytes struct{}

// BytesEOS is Bytes' end-of-answer id.
const BytesEOS = 256

var _ Tokenizer = Bytes{}

// Encode returns the bytes of s as ids.
func (Bytes) Encode(s string) []int32 {
	ids := make([]int32, len(s))
	for i := range len(s) {
		ids[i] = int32(s[i])
	}
	return ids
}

// Decode turns byte ids into text, skipping EOS and ids outside 0..255.
func (Bytes) Decode(ids []int32) string {
	b := make([]byte, 0, len(ids))
	for _, id := range ids {
		if id >= 0 && id < 256 {
			b = append(b, byte(id))
		}
	}
	return string(b)
}

// Vocab is 257: 256 bytes and EOS.
func (Bytes) Vocab() int { return BytesEOS + 1 }

// EOS is 256.
func (Bytes) EOS() int32 { return BytesEOS }
