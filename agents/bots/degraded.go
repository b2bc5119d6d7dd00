package bots

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
)

// txt-terse and txt-verbose know the same subjects as txt-careful (they
// start from its written answers on the built-in set) and fail the way
// real answerers do: one says too little, the other says too much and
// forgets the format. Their scores under the rubric should fall between
// txt-careful's and filler's, each for its own, named reasons.

// TextTerse gives the first sentence (or list item, or JSON field) of a
// good answer and stops: right as far as it goes, short of the length,
// the item count and most of what the prompt asked to cover.
type TextTerse struct{}

// NewTextTerse returns the terse text bot.
func NewTextTerse() *TextTerse { return &TextTerse{} }

func (*TextTerse) Name() string { return "txt-terse" }
func (*TextTerse) Game() string { return GamePrompt }
func (*TextTerse) Description() string {
	return "Prompt: the first sentence, item or field of a good answer, and nothing more."
}

func (*TextTerse) Move(ctx context.Context, view json.RawMessage) (json.RawMessage, error) {
	return answerOnce(ctx, view, func(id, prompt string) string {
		a, ok := lookupAnswer(id, prompt)
		if !ok {
			return "In short, this is about " + topicOr(prompt, "the question") + "."
		}
		return terse(a)
	})
}

// firstSentence ends at the first . ! or ? followed by a space, a line
// break or the end.
var firstSentence = regexp.MustCompile(`^.*?[.!?](?:\s|$)`)

// terse cuts a written answer to its first unit.
func terse(a string) string {
	if isJSON(a) {
		if f, ok := firstJSONField(a); ok {
			return f
		}
		return a
	}
	for _, line := range strings.Split(a, "\n") {
		line = strings.TrimSpace(line)
		if len(strings.Fields(line)) < 3 {
			continue // a greeting ("Dear Sam,") or a one-word item
		}
		if listMarker.MatchString(line) {
			return line
		}
		if s := strings.TrimSpace(firstSentence.FindString(line)); s != "" && s != strings.TrimSpace(a) {
			return s
		}
		return firstClause(line)
	}
	return firstClause(strings.TrimSpace(a))
}

// firstClause cuts a one-sentence answer at its first comma, semicolon or
// colon (or, with none, after half its words): the terse bot stops before
// the sentence is done.
func firstClause(s string) string {
	if i := strings.IndexAny(s, ",;:"); i > 0 {
		return s[:i] + "."
	}
	ws := strings.Fields(s)
	return strings.Join(ws[:max(1, len(ws)/2)], " ") + "."
}

// TextVerbose wraps a good answer in chat: an eager preamble (with the
// filler words prompts tend to ban), a JSON answer fenced and explained
// rather than returned bare, and a paragraph of hedging and offers of
// help that pushes it past any word limit.
type TextVerbose struct{}

// NewTextVerbose returns the verbose text bot.
func NewTextVerbose() *TextVerbose { return &TextVerbose{} }

func (*TextVerbose) Name() string { return "txt-verbose" }
func (*TextVerbose) Game() string { return GamePrompt }
func (*TextVerbose) Description() string {
	return "Prompt: a good answer buried in preamble and hedging, past the word limit and out of format."
}

func (*TextVerbose) Move(ctx context.Context, view json.RawMessage) (json.RawMessage, error) {
	return answerOnce(ctx, view, func(id, prompt string) string {
		a, ok := lookupAnswer(id, prompt)
		if !ok {
			return ramble(topicOr(prompt, "this question"))
		}
		return verbose(a)
	})
}

const (
	verbosePreamble = "Great question! Basically, there is more to this than first appears, so let me " +
		"walk through it step by step and simply lay out the main points."
	verboseJSONIntro = "Here is the JSON you asked for, with a few notes afterwards:"
	verboseHedge     = "That said, it is worth remembering that every situation is a little different, and " +
		"the right approach always depends on context. There are many factors to weigh, and reasonable " +
		"people can disagree about which of them matter most in practice. If you want to go deeper, there " +
		"is a great deal of further reading available on the subject, from introductory guides to detailed " +
		"references. I hope this helps! Please feel free to ask if anything is unclear, or if you would like " +
		"me to expand on any part of the answer, add examples, or adjust the tone for a particular audience. " +
		"In summary, the points above cover the essentials, but there is obviously always more to learn."
)

// verbose pads a written answer.
func verbose(a string) string {
	if isJSON(a) {
		a = verboseJSONIntro + "\n\n```json\n" + a + "\n```"
	}
	return verbosePreamble + "\n\n" + a + "\n\n" + verboseHedge
}

// ramble is the verbose bot's answer to a prompt it has no written answer
// for: four paragraphs that circle the topic.
func ramble(t string) string {
	para := "Well, there is a great deal to say about " + t + ", and it is worth " +
		"taking the time to say all of it. When we think about " + t + ", we have to " +
		"remember that there are many different aspects to consider, and each of them " +
		"matters in its own way. It is important to note that " + t + " is a big topic. " +
		"Generally speaking, people have many opinions about " + t + ", and many of those " +
		"opinions are interesting in various ways. As I mentioned before, there are many " +
		"aspects to consider, and it is important to consider all of them carefully. " +
		"In conclusion, " + t + " is important, and there is a great deal to say about it."
	return strings.Repeat(para+"\n\n", 3) + para
}
