package gpu

import (
	"strings"

	"github.com/agentarena/arena/gpu/gpt"
)

// Answer samples m's response to prompt: the prompt's tokens as context
// (its end, when it does not fit beside the answer), then tokens until
// end-of-answer or o.MaxTokens. The result is valid UTF-8: a byte-level
// model may stop inside a character, and the games refuse invalid text.
func Answer(m *gpt.Model, tok Tokenizer, prompt string, o gpt.SampleOptions) string {
	block := m.Config.BlockSize
	o.MaxTokens = max(1, min(o.MaxTokens, block-block/minPromptShare))
	o.Stop = tok.EOS()
	ids := tok.Encode(prompt)
	if keep := block - o.MaxTokens; len(ids) > keep {
		ids = ids[len(ids)-keep:]
	}
	if len(ids) == 0 {
		ids = []int32{tok.EOS()}
	}
	return strings.ToValidUTF8(tok.Decode(m.Sample(ids, o)), "")
}
