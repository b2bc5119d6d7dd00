package bots

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
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

// composeFunc writes a whole answer for a prompt text. It must be a pure
// function of the prompt so text bots are deterministic.
type composeFunc func(prompt string) string

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
		m.Text = truncateBytes(compose(truncateBytes(v.Prompt, maxPromptBytes)), limit)
	}
	return json.Marshal(m)
}

// truncateBytes cuts s to at most n bytes on a rune boundary, preferring
// the last whitespace in the final tenth so words are not split.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if sp := strings.LastIndexFunc(s[:cut], unicode.IsSpace); sp > cut-cut/10 && sp > 0 {
		cut = sp
	}
	return strings.TrimRightFunc(s[:cut], unicode.IsSpace)
}

// TextTerse answers with one short sentence restating the task and
// ignores every stated constraint: a baseline that is rarely wrong and
// rarely good.
type TextTerse struct{}

// NewTextTerse returns the terse text bot.
func NewTextTerse() *TextTerse { return &TextTerse{} }

func (*TextTerse) Name() string { return "txt-terse" }
func (*TextTerse) Game() string { return GamePrompt }
func (*TextTerse) Description() string {
	return "Prompt: one short sentence that restates the task, ignoring its constraints."
}

func (*TextTerse) Move(ctx context.Context, view json.RawMessage) (json.RawMessage, error) {
	return answerOnce(ctx, view, func(p string) string {
		return "In short, this is about " + topicOr(p, "the question") + "."
	})
}

// TextVerbose rambles: several hundred words that circle the topic and
// repeat themselves. It shows what length without substance earns.
type TextVerbose struct{}

// NewTextVerbose returns the verbose text bot.
func NewTextVerbose() *TextVerbose { return &TextVerbose{} }

func (*TextVerbose) Name() string { return "txt-verbose" }
func (*TextVerbose) Game() string { return GamePrompt }
func (*TextVerbose) Description() string {
	return "Prompt: a long, rambling answer of several hundred words that repeats itself."
}

func (*TextVerbose) Move(ctx context.Context, view json.RawMessage) (json.RawMessage, error) {
	return answerOnce(ctx, view, func(p string) string {
		t := topicOr(p, "this question")
		para := "Well, there is a great deal to say about " + t + ", and it is worth " +
			"taking the time to say all of it. When we think about " + t + ", we have to " +
			"remember that there are many different aspects to consider, and each of them " +
			"matters in its own way. It is important to note that " + t + " is a big topic. " +
			"Generally speaking, people have many opinions about " + t + ", and many of those " +
			"opinions are interesting in various ways. As I mentioned before, there are many " +
			"aspects to consider, and it is important to consider all of them carefully. " +
			"In conclusion, " + t + " is important, and there is a great deal to say about it."
		var b strings.Builder
		for i := 0; i < 4; i++ {
			if i > 0 {
				b.WriteString("\n\n")
			}
			b.WriteString(para)
		}
		return b.String()
	})
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
	return answerOnce(ctx, view, func(p string) string { return p })
}

// topicOr is the prompt's topic, or def when none can be extracted.
func topicOr(prompt, def string) string {
	if t := taskTopic(prompt); t != "" {
		return t
	}
	return def
}
