package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// splitWords applies GPT-2's pre-tokenisation pattern
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// by hand, because Go's regexp has no lookahead. Alternatives are tried in
// order, as Python's regex engine does. The pieces concatenate to s, byte
// for byte, even when s is not valid UTF-8 (a bad byte counts as "other").
func splitWords(s string) []string {
	var words []string
	for i := 0; i < len(s); {
		n := matchAt(s[i:])
		words = append(words, s[i:i+n])
		i += n
	}
	return words
}

type class int

const (
	classOther class = iota
	classLetter
	classNumber
	classSpace
)

func classOf(r rune) class {
	switch {
	case unicode.IsLetter(r):
		return classLetter
	case unicode.IsNumber(r):
		return classNumber
	case unicode.IsSpace(r):
		return classSpace
	}
	return classOther // includes utf8.RuneError for invalid bytes
}

// matchAt returns the byte length of the pattern's match at the start of s
// (non-empty s); it is always at least one byte.
func matchAt(s string) int {
	if n := contraction(s); n > 0 {
		return n
	}
	// ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+': an optional space, then
	// a run of one class.
	start := 0
	if s[0] == ' ' {
		start = 1
	}
	if start < len(s) {
		r, w := utf8.DecodeRuneInString(s[start:])
		if c := classOf(r); c != classSpace {
			return start + w + runOf(s[start+w:], c)
		}
	}
	// '\s+(?!\S)|\s+': a whitespace run, minus its last character when a
	// non-space follows and the run is longer than one character, so that
	// the last space can lead the next word.
	r, w := utf8.DecodeRuneInString(s)
	if classOf(r) != classSpace {
		return w // unreachable: the branches above cover every other class
	}
	n, last := w, w
	for n < len(s) {
		r, w := utf8.DecodeRuneInString(s[n:])
		if classOf(r) != classSpace {
			if n > last {
				return n - last
			}
			return n
		}
		n += w
		last = w
	}
	return n
}

// runOf is the byte length of the leading run of class c in s.
func runOf(s string, c class) int {
	n := 0
	for n < len(s) {
		r, w := utf8.DecodeRuneInString(s[n:])
		if classOf(r) != c {
			break
		}
		n += w
	}
	return n
}

// contraction matches 's|'t|'re|'ve|'m|'ll|'d (case-sensitive, as GPT-2).
func contraction(s string) int {
	if len(s) < 2 || s[0] != '\'' {
		return 0
	}
	switch s[1] {
	case 's', 't', 'm', 'd':
		return 2
	}
	if len(s) >= 3 {
		switch s[1:3] {
		case "re", "ve", "ll":
			return 3
		}
	}
	return 0
}
