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
	block := m.Config.BlockSize
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
	return strings.ToValidUTF8(tok.Decode(m.Sample(ids, o)), "")
}
