package gpu

import (
	"strings"
	"testing"

	"github.com/agentarena/arena/gpu/gpt"
)

// TestAnswerKeepsThePromptBeforeTheBudget checks the window rule: a
// prompt that fits beside a shortened answer is kept whole, and only a
// longer one loses its start.
func TestAnswerKeepsThePromptBeforeTheBudget(t *testing.T) {
	m := mustModel(t, tinyConfig) // window 48
	tok := byteTok{}
	tests := []struct {
		name         string
		prompt       string
		maxTokens    int
		keep, budget int // prompt bytes kept (from the end), tokens sampled at most
	}{
		{"fits with the whole budget", strings.Repeat("a", 10), 20, 10, 20},
		{"fits once the budget shrinks", strings.Repeat("b", 40), 30, 40, 8},
		{"longer than the window allows", strings.Repeat("c", 30) + strings.Repeat("d", 30), 30, 42, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Answer(m, tok, tt.prompt, gpt.SampleOptions{MaxTokens: tt.maxTokens})
			ids := tok.Encode(tt.prompt)
			want := strings.ToValidUTF8(tok.Decode(m.Sample(ids[len(ids)-tt.keep:],
				gpt.SampleOptions{MaxTokens: tt.budget, Stop: tok.EOS()})), "")
			if got != want {
				t.Errorf("Answer = %q, want the greedy answer from the last %d prompt bytes with %d tokens: %q", got, tt.keep, tt.budget, want)
			}
		})
	}
}
