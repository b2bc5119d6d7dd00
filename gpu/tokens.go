package gpu

// Tokenizer turns text into the model's tokens and back (package
// gpu/tokenizer has the byte-level one and GPT-2's BPE). Name is stored
// in checkpoints, so a policy is never read with another tokenizer than
// the one it learned.
type Tokenizer interface {
	Name() string
	Encode(s string) []int32
	Decode(ids []int32) string
	Vocab() int
	EOS() int32
}
