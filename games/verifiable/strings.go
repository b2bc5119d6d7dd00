package verifiable

import (
	"fmt"
	"slices"
	"strings"
)

// stringsInput applies one or two named transformations to a text.
type stringsInput struct {
	Text  string   `json:"text"`
	Ops   []string `json:"ops"`
	Shift int      `json:"shift,omitempty"` // caesar
}

// stringOps describes each transformation as the task text states it.
var stringOps = map[string]string{
	"reverse":       "reverse the order of its characters",
	"upper":         "convert it to upper case",
	"caesar":        "shift every letter forward in the alphabet by the shift given (z wraps to a), leaving other characters alone",
	"snake":         "join its words with underscores",
	"reverse_words": "reverse the order of its words (words are separated by single spaces)",
	"title":         "capitalise the first letter of every word",
	"vowels":        "replace every vowel (a, e, i, o, u) with *",
}

func genStrings(r *rng, level int) instance {
	switch level {
	case 1:
		return stringsInput{Text: pick(r, nouns), Ops: []string{pick(r, []string{"reverse", "upper"})}}
	case 2:
		if r.intn(2) == 0 {
			return stringsInput{Text: pick(r, nouns) + " " + pick(r, nouns), Ops: []string{"caesar"}, Shift: r.between(1, 25)}
		}
		return stringsInput{Text: strings.Join(sample(r, nouns, 3), " "), Ops: []string{"snake"}}
	}
	ops := sample(r, []string{"reverse_words", "title", "vowels", "upper", "reverse"}, 2)
	return stringsInput{Text: pick(r, phrases), Ops: ops}
}

func (in stringsInput) prompt() string {
	steps := make([]string, len(in.Ops))
	for i, op := range in.Ops {
		steps[i] = fmt.Sprintf("%d. %s", i+1, stringOps[op])
	}
	shift := ""
	if slices.Contains(in.Ops, "caesar") {
		shift = fmt.Sprintf("The shift is %d. ", in.Shift)
	}
	return fmt.Sprintf("Transform the text %q by applying these steps in order:\n%s\n%sGive the resulting text.",
		in.Text, strings.Join(steps, "\n"), shift)
}

func (in stringsInput) want() Want {
	s := in.Text
	for _, op := range in.Ops {
		s = applyOp(op, s, in.Shift)
	}
	return Want{Kind: KindString, Value: s}
}

func applyOp(op, s string, shift int) string {
	switch op {
	case "reverse":
		r := []rune(s)
		slices.Reverse(r)
		return string(r)
	case "upper":
		return strings.ToUpper(s)
	case "caesar":
		k := ((shift % 26) + 26) % 26
		return strings.Map(func(c rune) rune {
			if c >= 'a' && c <= 'z' {
				return 'a' + (c-'a'+rune(k))%26
			}
			return c
		}, s)
	case "snake":
		return strings.Join(strings.Fields(s), "_")
	case "reverse_words":
		w := strings.Split(s, " ")
		slices.Reverse(w)
		return strings.Join(w, " ")
	case "title":
		w := strings.Split(s, " ")
		for i, x := range w {
			if x != "" {
				w[i] = strings.ToUpper(x[:1]) + x[1:]
			}
		}
		return strings.Join(w, " ")
	case "vowels":
		return strings.Map(func(c rune) rune {
			if strings.ContainsRune("aeiou", c) {
				return '*'
			}
			return c
		}, s)
	}
	return s
}
