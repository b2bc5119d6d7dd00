package bots

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The topic is a short phrase for what a prompt asks about, used by the
// text bots to talk about the task without copying its instructions.
// Extraction is heuristic: take the first sentence, cut the clauses that
// instruct ("do not use …", "with the keys …"), drop the form constraints
// ("in 40 to 80 words", "as a bulleted list …") and the opening verb.

const (
	numWord  = `(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|single)`
	lengthRe = `(?:a\s+|an\s+|the\s+)?(?:between\s+|at least\s+|at most\s+|no more than\s+|no fewer than\s+|fewer than\s+|under\s+|about\s+|around\s+|roughly\s+|exactly\s+|up to\s+)?` +
		numWord + `(?:\s*(?:to|and|-|–)\s*\d+)?[\s-]+(?:words?|lines?|sentences?|bullet points|bullets?|paragraphs?)\b(?:\s+in\s+total)?`
)

var (
	parenthetical = regexp.MustCompile(`\s*\([^()]*\)`)
	sentenceEnd   = regexp.MustCompile(`[.!?]+(\s+|$)|\n+|:\s`)
	clauseCue     = regexp.MustCompile(`(?i)(?:[,;:—–]|\s-)\s*(?:and\s+|but\s+|then\s+)?(?:do not|don't|never|avoid|use|using|mention|include|including|without|end|ending|keep|make sure|be sure|in\s+\d|as\s+a|in\s+one|with\s+(?:the\s+)?(?:keys|fields))\b|\s+(?:and|but)\s+(?:do not|don't|never|avoid|mention|include|end|keep|return)\b|\s+with\s+(?:the\s+)?keys\b`)
	// formPhrase matches the parts of a task sentence that state form
	// rather than content.
	// A length after a preposition ("a story of 80 words about …") goes
	// alone; a bare one ("write 120 words about …") takes its "about"
	// with it.
	formPhrase = regexp.MustCompile(`(?i)[,;]?\s*\b(?:in|using|with|within|of|as|on|to)\s+` + lengthRe +
		`|[,;]?\s*\b` + lengthRe + `(?:\s+(?:about|on)\b)?` +
		`|[,;]?\s*\b(?:as|in|into)\s+(?:a\s+|an\s+)?[^,.;]*?\b(?:list|json|object|paragraph|table)\b.*$` +
		`|[,;]?\s*\b(?:of|in|as)\s+plain\s+(?:prose|text|english)\b|[,;]?\s*\bin\s+(?:json|prose)\b`)
	leadVerb = regexp.MustCompile(`(?i)^(?:please\s+)?(?:briefly\s+)?(?:explain|describe|write(?: about)?|rewrite|list|give(?: me)?|summari[sz]e|outline|name|compare|contrast|define|tell(?: me)?(?: about)?|provide|state|suggest|propose|draft|discuss|argue(?: for| against)?|present|recommend|identify|analy[sz]e|evaluate|share|offer|create|produce|answer|return(?: only)?|convert|classify)\b[\s:]*`)
	leadList = regexp.MustCompile(`(?i)^(?:(?:a|an)\s+)?(?:short\s+)?(?:numbered|bulleted|bullet|ordered)?\s*(?:list|instructions|points)\s+(?:of\s+)?`)
	leadJSON = regexp.MustCompile(`(?i)^(?:only\s+)?(?:a\s+|an\s+)?(?:valid\s+)?json\s+(?:object|array)\s*(?:describing|for|about|assessing|holding|configuring|with|that|of|on)?\s*`)
	// leadNum drops a count that states a bound ("exactly 5", "3 to 5");
	// a plain count ("three benefits") is part of the topic.
	leadNum  = regexp.MustCompile(`(?i)^(?:(?:exactly|at least|at most|up to)\s+` + numWord + `|` + numWord + `\s*(?:to|-|–)\s*` + numWord + `)\s+(?:(?:numbered|bulleted|bullet|ordered)\s+)?`)
	audience = regexp.MustCompile(`(?i)^to\s+(?:a|an|the|your)\s+(?:[\w-]+\s+){0,3}?(why|how|what|when|where|which|that)\b`)
)

// tailWords may not end a topic cut to length: "… to commit a" reads as
// broken, "… to commit" less so.
var tailWords = map[string]bool{"a": true, "an": true, "the": true, "of": true, "to": true, "and": true,
	"or": true, "for": true, "in": true, "with": true, "on": true, "at": true, "by": true, "from": true,
	"that": true, "which": true, "who": true, "is": true, "are": true, "its": true, "their": true}

// sentenceStarters are words capitalised only because they began the
// prompt; other capitals (names, acronyms) are kept.
var sentenceStarters = map[string]bool{"what": true, "how": true, "why": true, "when": true, "where": true,
	"which": true, "who": true, "the": true, "a": true, "an": true, "this": true, "these": true,
	"that": true, "those": true, "is": true, "are": true, "do": true, "does": true, "can": true}

// maxTopicWords keeps the restated topic a small part of any answer.
const maxTopicWords = 14

// taskTopic extracts what the prompt asks about. "Explain how Raft elects
// a leader in 40 to 80 words." gives "how Raft elects a leader". It is ""
// when nothing but instructions is left.
func taskTopic(prompt string) string {
	s := unquote(parenthetical.ReplaceAllString(strings.TrimSpace(prompt), ""))
	if loc := sentenceEnd.FindStringIndex(s); loc != nil {
		s = s[:loc[0]]
	}
	if loc := clauseCue.FindStringIndex(s); loc != nil {
		s = s[:loc[0]]
	}
	s = formPhrase.ReplaceAllString(s, "")
	s = leadVerb.ReplaceAllString(strings.TrimLeft(s, " \t,;:"), "")
	s = leadList.ReplaceAllString(s, "")
	s = leadJSON.ReplaceAllString(s, "")
	s = leadNum.ReplaceAllString(s, "")
	s = audience.ReplaceAllString(s, "$1")

	f := strings.Fields(s)
	if len(f) > maxTopicWords {
		f = f[:maxTopicWords]
		for len(f) > 1 && tailWords[strings.ToLower(f[len(f)-1])] {
			f = f[:len(f)-1]
		}
	}
	if len(f) == 0 {
		return ""
	}
	if first := strings.ToLower(f[0]); sentenceStarters[first] {
		f[0] = first
	}
	return strings.Trim(strings.Join(f, " "), " \t,;:.!?")
}

// unquote removes quotation marks, keeping quoted words ("define
// 'latency'" → "define latency") and dropping quoted punctuation
// ("('1.', '2.')"), which only describes format.
func unquote(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range quoted.FindAllStringSubmatchIndex(s, -1) {
		ts, te := m[0], m[1]
		for g := 1; g*2 < len(m); g++ {
			if m[2*g] >= 0 {
				ts, te = m[2*g], m[2*g+1]
			}
		}
		// The quote marks are the runes just outside the term (the match
		// may also hold one character before an opening single quote).
		_, size := utf8.DecodeLastRuneInString(s[:ts])
		open := ts - size
		b.WriteString(s[last:open])
		if inner := s[ts:te]; strings.IndexFunc(inner, unicode.IsLetter) >= 0 {
			b.WriteString(inner)
		}
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}
