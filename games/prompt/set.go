package prompt

import (
	_ "embed"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// defaultSetJSON is the built-in prompt set, so a fresh node can run
// prompt contests (and judge them offline) with nothing configured.
//
//go:embed prompts.json
var defaultSetJSON []byte

// DefaultSet returns a fresh copy of the built-in prompts, decoded from
// the embedded prompts.json. It panics if that file is broken: it is
// compiled in, and the package tests check every prompt in it.
func DefaultSet() []Prompt {
	var set []Prompt
	if err := strictUnmarshal(defaultSetJSON, &set); err != nil {
		panic(fmt.Sprintf("prompt: embedded prompts.json: %v", err))
	}
	return set
}

// Formats are the answer shapes the rubric judge can check.
var formats = map[string]bool{"": true, "plain": true, "bullets": true, "numbered": true, "json": true, "one_line": true}

// ValidateSet checks every prompt and that ids are unique. Operators who
// load their own set should call it before New.
func ValidateSet(set []Prompt) error {
	if len(set) == 0 {
		return errors.New("prompt set is empty")
	}
	seen := make(map[string]bool, len(set))
	var errs []error
	for i, p := range set {
		if seen[p.ID] {
			errs = append(errs, fmt.Errorf("prompt %d: duplicate id %q", i, p.ID))
		}
		seen[p.ID] = true
		if err := p.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("prompt %d: %w", i, err))
		}
	}
	return errors.Join(errs...)
}

// Validate checks that the criteria are consistent and that the text
// states them, since agents see the text but never the criteria: every
// required and forbidden term, JSON key and ends-with text appears in the
// text in quotes ('term' or "term"), and every numeric limit appears as a
// number. A prompt that fails would score agents on rules they could not
// know.
func (p Prompt) Validate() error {
	c := p.Criteria
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if p.ID == "" || strings.ContainsAny(p.ID, " \t\r\n") {
		bad("id %q is empty or has spaces", p.ID)
	}
	if strings.TrimSpace(p.Text) == "" {
		bad("%s: empty text", p.ID)
	}
	if !formats[c.Format] {
		bad("%s: unknown format %q", p.ID, c.Format)
	}
	for _, r := range [][2]int{{c.MinWords, c.MaxWords}, {c.MinItems, c.MaxItems}} {
		if r[0] < 0 || r[1] < 0 || (r[1] > 0 && r[0] > r[1]) {
			bad("%s: range %d..%d is inverted or negative", p.ID, r[0], r[1])
		}
	}
	if c.MaxSentenceWords < 0 {
		bad("%s: negative max_sentence_words", p.ID)
	}
	if (c.MinItems > 0 || c.MaxItems > 0) && c.Format != "bullets" && c.Format != "numbered" {
		bad("%s: items need a bullets or numbered format, not %q", p.ID, c.Format)
	}
	if len(c.JSONKeys) > 0 && c.Format != "json" {
		bad("%s: json_keys need the json format, not %q", p.ID, c.Format)
	}
	for _, n := range []int{c.MinWords, c.MaxWords, c.MinItems, c.MaxItems, c.MaxSentenceWords} {
		if n > 0 && !containsNumber(p.Text, n) {
			bad("%s: limit %d is not stated in the text", p.ID, n)
		}
	}
	quoted := func(kind string, terms []string) {
		for _, t := range terms {
			if strings.TrimSpace(t) == "" {
				bad("%s: empty %s", p.ID, kind)
			} else if !strings.Contains(p.Text, "'"+t+"'") && !strings.Contains(p.Text, `"`+t+`"`) {
				bad("%s: %s %q is not quoted in the text", p.ID, kind, t)
			}
		}
	}
	quoted("required term", c.Required)
	quoted("forbidden term", c.Forbidden)
	quoted("json key", c.JSONKeys)
	if c.EndsWith != "" {
		quoted("ends_with", []string{c.EndsWith})
	}
	// A required phrase that contains a forbidden word cannot be met.
	for _, r := range c.Required {
		for _, f := range c.Forbidden {
			if strings.Contains(" "+strings.ToLower(r)+" ", " "+strings.ToLower(f)+" ") {
				bad("%s: required %q contains forbidden %q", p.ID, r, f)
			}
		}
	}
	return errors.Join(errs...)
}

// containsNumber reports whether n appears in text as a whole number (so
// 5 is not found inside 50).
func containsNumber(text string, n int) bool {
	s := strconv.Itoa(n)
	for i := 0; ; {
		j := strings.Index(text[i:], s)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(s)
		if (start == 0 || !isDigit(text[start-1])) && (end == len(text) || !isDigit(text[end])) {
			return true
		}
		i = start + 1
	}
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }
