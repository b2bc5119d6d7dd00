// Package textcut shortens text for messages and stored reasons without
// splitting a UTF-8 character: a byte cut can leave half of one, which
// JSON encoders then print as U+FFFD.
package textcut

import (
	"strings"
	"unicode/utf8"
)

// Cut returns s, made valid UTF-8, at most max bytes long, cut at a
// character boundary.
func Cut(s string, max int) string {
	s = strings.ToValidUTF8(s, "")
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max]
}

// Ellipsis is Cut with "…" after text that was cut (the ellipsis is not
// counted in max).
func Ellipsis(s string, max int) string {
	c := Cut(s, max)
	if len(c) < len(strings.ToValidUTF8(s, "")) {
		return c + "…"
	}
	return c
}
