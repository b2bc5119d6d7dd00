package bots

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/agentarena/arena/internal/textcut"
)

// defaultMaxAnswerBytes applies when a view omits its limit; it matches
// the prompt game's default.
const defaultMaxAnswerBytes = 4096

// maxPromptBytes bounds how much prompt text a bot reads, which bounds
// its time per move.
const maxPromptBytes = 16 << 10

// promptView is the part of the prompt game's turn view the bots read.
type promptView struct {
	Game           string `json:"game"`
	PromptID       string `json:"prompt_id"`
	Prompt         string `json:"prompt"`
	MaxAnswerBytes int    `json:"max_answer_bytes"`
	Final          bool   `json:"final"`
	Answer         string `json:"answer"`
}

// textMove is the prompt game's move: a chunk, final when the answer is
// complete.
type textMove struct {
	Text  string `json:"text"`
	Final bool   `json:"final"`
}

// composeFunc writes a whole answer for a prompt (its id and text). It
// must be a pure function of them so text bots are deterministic.
type composeFunc func(id, prompt string) string

// answerOnce is the move logic every text bot shares: the whole answer in
// one final chunk, cut to the view's byte limit. If some answer was already
// sent (a retried turn after a partial stream), it only closes the answer,
// because resending would duplicate text.
func answerOnce(ctx context.Context, raw json.RawMessage, compose composeFunc) (json.RawMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var v promptView
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("decode prompt view: %w", err)
	}
	if v.Game != "" && v.Game != GamePrompt {
		return nil, fmt.Errorf("view is for game %q, not prompt", v.Game)
	}
	if v.Final {
		return nil, errors.New("answer is already final")
	}
	limit := v.MaxAnswerBytes
	if limit <= 0 {
		limit = defaultMaxAnswerBytes
	}
	m := textMove{Final: true}
	if v.Answer == "" {
		// Reading past maxPromptBytes would only slow the bot: no prompt
		// states its constraints that far in.
		m.Text = truncateBytes(compose(v.PromptID, truncateBytes(v.Prompt, maxPromptBytes)), limit)
	}
	return json.Marshal(m)
}

// truncateBytes cuts s to at most n bytes on a character boundary
// (textcut.Cut), preferring the last whitespace in the final tenth so
// words are not split.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := textcut.Cut(s, n)
	if sp := strings.LastIndexFunc(cut, unicode.IsSpace); sp > len(cut)-len(cut)/10 && sp > 0 {
		cut = cut[:sp]
	}
	return strings.TrimRightFunc(cut, unicode.IsSpace)
}

// TextEcho repeats the prompt back: it contains every quoted term, and
// every forbidden one too.
type TextEcho struct{}

// NewTextEcho returns the echo text bot.
func NewTextEcho() *TextEcho { return &TextEcho{} }

func (*TextEcho) Name() string        { return "txt-echo" }
func (*TextEcho) Game() string        { return GamePrompt }
func (*TextEcho) Description() string { return "Prompt: repeats the prompt text back." }

func (*TextEcho) Move(ctx context.Context, view json.RawMessage) (json.RawMessage, error) {
	return answerOnce(ctx, view, func(_, p string) string { return p })
}

// topicOr is the prompt's topic, or def when none can be extracted.
func topicOr(prompt, def string) string {
	if t := taskTopic(prompt); t != "" {
		return t
	}
	return def
}
