package gpu

import (
	"strings"

	"github.com/agentarena/arena/gpu/gpt"
)

// minAnswerShare: an answer keeps at least 1/minAnswerShare of the
// window when a long prompt competes with it for room.
const minAnswerShare = 8

// Answer samples m's response to prompt: the prompt's tokens as context,
// then tokens until end-of-answer or o.MaxTokens. The result is valid
// UTF-8: a byte-level model may stop inside a character, and the games
// refuse invalid text.
//
// When prompt and answer budget do not both fit the window, the answer
// budget shrinks first, down to an eighth of the window, and only then
// does the prompt lose its start: training clips a long sequence the
// same way (the response before the prompt), so the model answers from
// the same view of the question it learned from. Clipping the prompt
// first would cut the very facts a short answer copies.
func Answer(m *gpt.Model, tok Tokenizer, prompt string, o gpt.SampleOptions) string {
	text, _ := AnswerWith(ModelSampler(m), tok, prompt, o)
	return text
}

// Sampler generates tokens after a prompt: the CPU model (ModelSampler)
// or a device's snapshot of it (the CUDA engine's).
type Sampler interface {
	BlockSize() int
	Sample(prompt []int32, o gpt.SampleOptions) ([]int32, error)
}

// ModelSampler samples from m on the CPU.
func ModelSampler(m *gpt.Model) Sampler { return modelSampler{m} }

type modelSampler struct{ m *gpt.Model }

func (s modelSampler) BlockSize() int { return s.m.Config.BlockSize }
func (s modelSampler) Sample(prompt []int32, o gpt.SampleOptions) ([]int32, error) {
	return s.m.Sample(prompt, o), nil
}

// AnswerWith is Answer from any Sampler; only a device sampler fails.
func AnswerWith(s Sampler, tok Tokenizer, prompt string, o gpt.SampleOptions) (string, error) {
	block := s.BlockSize()
	o.MaxTokens = max(1, min(o.MaxTokens, block-block/minPromptShare))
	o.Stop = tok.EOS()
	ids := tok.Encode(prompt)
	if len(ids)+o.MaxTokens > block {
		o.MaxTokens = max(min(o.MaxTokens, max(1, block/minAnswerShare)), block-len(ids))
		if keep := block - o.MaxTokens; len(ids) > keep {
			ids = ids[len(ids)-keep:]
		}
	}
	if len(ids) == 0 {
		ids = []int32{tok.EOS()}
	}
	out, err := s.Sample(ids, o)
	if err != nil {
		return "", err
	}
	return strings.ToValidUTF8(tok.Decode(out), ""), nil
}

// Snapshotter is an Engine that can answer too: Snapshot copies the
// policy's current weights into a sampler on the device, released by
// the returned function.
type Snapshotter interface {
	Snapshot() (Sampler, func(), error)
}
