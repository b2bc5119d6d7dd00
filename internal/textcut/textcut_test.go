package textcut

import (
	"testing"
	"unicode/utf8"
)

func TestCutKeepsWholeCharacters(t *testing.T) {
	tests := []struct {
		in        string
		max       int
		cut, ells string
	}{
		{"short", 64, "short", "short"},
		{"abcdef", 3, "abc", "abc…"},
		{"сбой", 3, "с", "с…"}, // 2-byte letters: the third byte starts a character half kept
		{"сбой", 4, "сб", "сб…"},
		{"a😀b", 4, "a", "a…"},
		{"bad\xffbyte", 64, "badbyte", "badbyte"},
		{"", 0, "", ""},
	}
	for _, tt := range tests {
		if got := Cut(tt.in, tt.max); got != tt.cut || !utf8.ValidString(got) || len(got) > tt.max {
			t.Errorf("Cut(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.cut)
		}
		if got := Ellipsis(tt.in, tt.max); got != tt.ells {
			t.Errorf("Ellipsis(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.ells)
		}
	}
}
