package judges

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// An answer can spell a forbidden word with letters of another script
// that look like the Latin ones ("ѕimply" with a Cyrillic ѕ), or with
// mathematical or full-width letters. A reader sees the forbidden word,
// so the rubric must too. Unicode's answer is the confusables skeleton of
// Technical Standard #39: skeleton(x) is NFD(x) with every character
// replaced by its prototype from confusables.txt, and two strings that
// look alike have the same skeleton. The rubric compares skeletons of
// the answer and of each required or forbidden term.
//
// confusables.txt is Unicode's own data, generated into this package by
// judges/internal/confusablesgen from the copy Debian ships in
// python3-confusable-homoglyphs (see that command for how).

//go:embed confusables.txt
var confusablesData string

// confusableTable maps each confusable code point to its prototype
// sequence. It is built once from the embedded data and never written
// after, so sharing it is safe.
var confusableTable = mustParseConfusables(confusablesData)

// mustParseConfusables reads lines "SRC;TGT TGT…" of hex code points;
// '#' starts a comment line. The data is part of the binary, so an error
// is a build defect and panics at start-up (a test loads the package).
func mustParseConfusables(data string) map[rune]string {
	t, err := parseConfusables(data)
	if err != nil {
		panic(err)
	}
	return t
}

func parseConfusables(data string) (map[rune]string, error) {
	t := make(map[rune]string, 6400)
	for n, line := range strings.Split(data, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		src, tgt, ok := strings.Cut(line, ";")
		if !ok {
			return nil, fmt.Errorf("confusables line %d: no ';'", n+1)
		}
		s, err := strconv.ParseUint(src, 16, 32)
		if err != nil {
			return nil, fmt.Errorf("confusables line %d: %w", n+1, err)
		}
		var b strings.Builder
		for _, h := range strings.Fields(tgt) {
			c, err := strconv.ParseUint(h, 16, 32)
			if err != nil {
				return nil, fmt.Errorf("confusables line %d: %w", n+1, err)
			}
			b.WriteRune(rune(c))
		}
		t[rune(s)] = b.String()
	}
	return t, nil
}

// skeleton is the TR39 skeleton of s, made case-insensitive and blind to
// combining marks, as the rubric's term checks are: lower-case, NFD,
// combining marks dropped (a struck-through "s̵i̵m̵p̵l̵y̵" still reads
// "simply"), each code point replaced by its prototype, and lower-cased
// again (prototypes may be capitals: "0" looks like "O"). Equal skeletons
// mean "looks the same to a reader". The mapping is TR39's, so it also
// equates what TR39 does: "rn" with "m", "1" and "I" with "l".
func skeleton(s string) string {
	s = norm.NFD.String(strings.ToLower(s))
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.In(r, unicode.Mn, unicode.Me) || r == utf8.RuneError {
			continue
		}
		if p, ok := confusableTable[r]; ok {
			for _, c := range norm.NFD.String(p) {
				if !unicode.In(c, unicode.Mn, unicode.Me) {
					b.WriteRune(unicode.ToLower(c))
				}
			}
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// latinPrototype returns the ASCII letter or digit a non-ASCII code point
// imitates, for the judge-addressing detector, whose patterns are
// English words: Cyrillic "о" reads "o", Greek capital iota reads "I".
// TR39 maps capital I (and its look-alikes) to "l", so a capital whose
// prototype is "l" reads "I" here. ok is false for anything else.
func latinPrototype(r rune) (rune, bool) {
	if r < utf8.RuneSelf {
		return r, false
	}
	p, found := confusableTable[r]
	if !found || len(p) != 1 || p[0] >= utf8.RuneSelf {
		return r, false
	}
	c := rune(p[0])
	switch {
	case c == 'l' && unicode.IsUpper(r):
		return 'I', true
	case unicode.IsLetter(c) || unicode.IsDigit(c):
		if unicode.IsLower(r) {
			return unicode.ToLower(c), true
		}
		return c, true
	}
	return r, false
}
