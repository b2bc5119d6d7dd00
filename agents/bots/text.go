package bots

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// defaultMaxAnswerBytes applies when a view omits its limit; it matches
// the prompt game's default.
const defaultMaxAnswerBytes = 4096

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
		m.Text = truncateBytes(compose(v.Prompt), limit)
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

var (
	// sentenceEnd splits prompt text into sentences.
	sentenceEnd = regexp.MustCompile(`[.!?]+(\s+|$)|\n+`)
	// leadVerb is the imperative a task usually opens with; the topic is
	// what follows it.
	leadVerb = regexp.MustCompile(`(?i)^(please\s+)?(briefly\s+)?(explain|describe|write( about)?|list|give|summari[sz]e|outline|name|compare|contrast|define|tell me( about)?|provide|state|suggest|propose|draft|discuss|argue( for| against)?|present|recommend|identify|analy[sz]e|evaluate|share|offer|create|produce|answer)\b[\s:]*`)
	// clauseCue starts a trailing clause that instructs rather than names
	// the topic: ", and do not use ...", "; mention ...".
	clauseCue = regexp.MustCompile(`(?i)(?:[,;:—–]|\s-)\s*(?:and\s+|but\s+|then\s+)?(?:do not|don't|never|avoid|use|using|mention|include|including|without|end|ending|keep|make sure|be sure|in\s+\d|as\s+a|in\s+one)\b|\s+(?:and|but)\s+(?:do not|don't|never|avoid|mention|include|end|keep)\b`)
	// constraintPhrase are the parts of a task sentence that state form
	// rather than content; the topic drops them.
	constraintPhrase = regexp.MustCompile(`(?i)[,;]?\s*\b(in|using|with|within|of|as|on|to)\s+(a\s+|an\s+|the\s+)?(between\s+|at least\s+|at most\s+|no more than\s+|no fewer than\s+|fewer than\s+|under\s+|about\s+|around\s+|roughly\s+|exactly\s+|up to\s+)?(\d+|one|two|three|four|five|six|seven|eight|nine|ten|single)(\s*(to|and|-|–)\s*\d+)?[\s-]+(words?|lines?|sentences?|bullets?|bullet points|items|points|paragraphs?)\b|[,;]?\s*\bas\s+(a\s+|an\s+)?[^,.;]*?\b(list|json|object|paragraph|table)\b.*$|[,;]?\s*\bin\s+(json|plain text|prose)\b`)
)

// taskTopic extracts a short noun phrase for what the prompt asks about:
// its first sentence without the opening verb and without form
// constraints. "Explain how Raft elects a leader in 40 to 80 words." gives
// "how Raft elects a leader".
func taskTopic(prompt string) string {
	first := strings.TrimSpace(prompt)
	if loc := sentenceEnd.FindStringIndex(first); loc != nil {
		first = first[:loc[0]]
	}
	if loc := clauseCue.FindStringIndex(first); loc != nil {
		first = first[:loc[0]]
	}
	first = constraintPhrase.ReplaceAllString(first, "")
	first = leadVerb.ReplaceAllString(strings.TrimSpace(first), "")
	first = strings.Trim(first, " \t,;:.!?\"'“”")
	if first == "" {
		return "the question"
	}
	// Lower-case the first letter unless the word looks like a name or an
	// acronym (a capital after the first letter).
	w, _, _ := strings.Cut(first, " ")
	if r, size := utf8.DecodeRuneInString(first); unicode.IsUpper(r) && !strings.ContainsFunc(w[size:], unicode.IsUpper) && len(w) > 1 {
		first = string(unicode.ToLower(r)) + first[size:]
	}
	return first
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
		return "In short, this is about " + taskTopic(p) + "."
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
		t := taskTopic(p)
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
