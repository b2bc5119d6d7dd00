package judges

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Entries that address the judge rarely do it in plain ASCII for long:
// the same words come back in Cyrillic look-alikes, with zero-width
// characters between the letters, in full-width or mathematical letters,
// behind a right-to-left override, or with combining marks stacked on
// every letter. A model reads all of these as the plain words. The
// detector therefore looks at a folded copy of the text in which each of
// those tricks is undone; the folded copy is never shown or scored.
//
// The folding is a small, explicit table rather than full Unicode NFKC
// and the Unicode confusables list (which would need golang.org/x/text
// and a large data file): it covers the characters that look like the
// Latin letters of English instructions, which is what matters here.
// Text in other scripts passes through unchanged, so the multilingual
// patterns still see it.

// invisible reports runes that render as nothing (or only change the
// direction of what follows) and so can hide inside a word: zero-width
// spaces and joiners, the soft hyphen, word joiners, invisible operators,
// byte-order marks, bidirectional controls, variation selectors and tag
// characters.
func invisible(r rune) bool {
	switch {
	case r == 0x00AD, r == 0x034F, r == 0x061C, r == 0x115F, r == 0x1160, r == 0x17B4, r == 0x17B5,
		r == 0x180E, r == 0x3164, r == 0xFEFF, r == 0xFFA0:
		return true
	case r >= 0x200B && r <= 0x200F, // zero-width space, (non-)joiner, LRM, RLM
		r >= 0x202A && r <= 0x202E,   // bidi embeddings and overrides
		r >= 0x2060 && r <= 0x2064,   // word joiner, invisible operators
		r >= 0x2066 && r <= 0x206F,   // bidi isolates, deprecated format characters
		r >= 0xFE00 && r <= 0xFE0F,   // variation selectors
		r >= 0xE0000 && r <= 0xE007F, // tag characters
		r >= 0xE0100 && r <= 0xE01EF: // variation selectors supplement
		return true
	}
	return false
}

// confusables maps letters of other scripts that look like Latin letters
// to those letters: Cyrillic and Greek capitals and lower case, and a few
// Latin variants (dotless i, long s, script l).
var confusables = map[rune]rune{
	// Cyrillic (and a few Armenian and IPA letters)
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'с': 'c',
	'т': 't', 'у': 'y', 'х': 'x', 'ѕ': 's', 'і': 'i', 'ї': 'i', 'ј': 'j', 'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w',
	'ӏ': 'l', 'һ': 'h', 'ү': 'y', 'ɡ': 'g', 'ո': 'n', 'ց': 'g', 'հ': 'h', 'ս': 'u', 'օ': 'o',
	'А': 'A', 'В': 'B', 'Е': 'E', 'Ё': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O', 'Р': 'P', 'С': 'C',
	'Т': 'T', 'У': 'Y', 'Х': 'X', 'Ѕ': 'S', 'І': 'I', 'Ї': 'I', 'Ј': 'J', 'Ԁ': 'D', 'Ԛ': 'Q', 'Ԝ': 'W',
	'Ӏ': 'I', 'Һ': 'H', 'Ү': 'Y',
	// Greek
	'α': 'a', 'β': 'b', 'γ': 'y', 'ε': 'e', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't',
	'υ': 'u', 'χ': 'x', 'ω': 'w', 'ϲ': 'c', 'ϳ': 'j',
	'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ζ': 'Z', 'Η': 'H', 'Ι': 'I', 'Κ': 'K', 'Μ': 'M', 'Ν': 'N', 'Ο': 'O',
	'Ρ': 'P', 'Τ': 'T', 'Υ': 'Y', 'Χ': 'X', 'Ϲ': 'C',
	// Latin look-alikes and letter-like symbols
	'ı': 'i', 'ſ': 's', 'ℓ': 'l', 'ℯ': 'e', 'ℊ': 'g', 'ℴ': 'o', 'ℎ': 'h', 'ⅰ': 'i', 'ⅼ': 'l',
	'ɑ': 'a', 'ɩ': 'i', 'ʀ': 'r', 'ɴ': 'n', 'ᴀ': 'a', 'ʙ': 'b', 'ᴄ': 'c', 'ᴅ': 'd', 'ᴇ': 'e',
	'ɢ': 'g', 'ʜ': 'h', 'ɪ': 'i', 'ᴊ': 'j', 'ᴋ': 'k', 'ʟ': 'l', 'ᴍ': 'm', 'ᴏ': 'o', 'ᴘ': 'p',
	'ꜱ': 's', 'ᴛ': 't', 'ᴜ': 'u', 'ᴠ': 'v', 'ᴡ': 'w', 'ʏ': 'y', 'ᴢ': 'z',
	// punctuation a model reads as ASCII
	'‘': '\'', '’': '\'', '“': '"', '”': '"', '‐': '-', '‑': '-', '‒': '-', '–': '-', '—': '-',
	'\u00A0': ' ', '\u2007': ' ', '\u202F': ' ', '\u3000': ' ',
}

// foldRune maps one rune to its plain Latin form: full-width ASCII,
// mathematical alphanumerics, circled and parenthesised letters, and the
// confusables above. Other runes are returned unchanged.
func foldRune(r rune) rune {
	switch {
	case r < utf8.RuneSelf:
		return r
	case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
		return r - 0xFF01 + '!'
	case r >= 0x1D400 && r <= 0x1D6A3: // mathematical letters: 13 styles of A-Z a-z
		k := (r - 0x1D400) % 52
		if k < 26 {
			return 'A' + k
		}
		return 'a' + k - 26
	case r >= 0x1D7CE && r <= 0x1D7FF: // mathematical digits: 5 styles of 0-9
		return '0' + (r-0x1D7CE)%10
	case r >= 0x24B6 && r <= 0x24CF: // circled capitals
		return 'A' + r - 0x24B6
	case r >= 0x24D0 && r <= 0x24E9: // circled small letters
		return 'a' + r - 0x24D0
	case r >= 0x249C && r <= 0x24B5: // parenthesised small letters
		return 'a' + r - 0x249C
	case r >= 0x1F130 && r <= 0x1F149: // squared capitals
		return 'A' + r - 0x1F130
	case r >= 0x1F150 && r <= 0x1F169: // negative circled capitals
		return 'A' + r - 0x1F150
	case r >= 0x1F170 && r <= 0x1F189: // negative squared capitals
		return 'A' + r - 0x1F170
	case r >= 0x1F1E6 && r <= 0x1F1FF: // regional indicators
		return 'A' + r - 0x1F1E6
	}
	if m, ok := confusables[r]; ok {
		return m
	}
	return r
}

// foldText returns the text a model would read: invisible characters and
// combining marks removed, and every rune folded by foldRune. Folding
// twice changes nothing.
func foldText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if invisible(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) {
			continue
		}
		if r == utf8.RuneError {
			continue
		}
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// stripInvisible removes only the invisible characters and turns
// full-width ASCII and wide spaces into ASCII, leaving every other letter
// (and combining mark) alone, for the patterns written in scripts the
// confusables table would otherwise mangle (Cyrillic, Greek).
func stripInvisible(s string) string {
	return strings.Map(func(r rune) rune {
		if invisible(r) || r == utf8.RuneError {
			return -1
		}
		if r == 0x3000 || r == 0x00A0 {
			return ' '
		}
		if r >= 0xFF01 && r <= 0xFF5E {
			return r - 0xFF01 + '!'
		}
		return r
	}, s)
}

// leet maps the digits and symbols that stand in for letters.
var leet = map[rune]rune{'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g', '@': 'a', '$': 's', '!': 'i', '|': 'l'}

// unleet rewrites the words of s that mix letters with leet stand-ins
// ("1gn0r3"), leaving plain numbers ("40 words", "2nd") and plain words
// alone.
func unleet(s string) string {
	fields := strings.FieldsFunc(s, unicode.IsSpace)
	changed := false
	for i, f := range fields {
		letters, subs := 0, 0
		for _, r := range f {
			if unicode.IsLetter(r) {
				letters++
			} else if _, ok := leet[r]; ok {
				subs++
			}
		}
		if subs == 0 || letters == 0 || subs+letters < 3 {
			continue
		}
		fields[i] = strings.Map(func(r rune) rune {
			if m, ok := leet[r]; ok {
				return m
			}
			return r
		}, f)
		changed = true
	}
	if !changed {
		return ""
	}
	return strings.Join(fields, " ")
}

// spelledOut returns the words spelled out letter by letter in s ("i g n
// o r e", "i.g.n.o.r.e", "i-g-n-o-r-e"): each run of at least four
// one-letter tokens, joined and lower-cased. The spaces between the
// spelled words are usually as wide as those between the letters, so a
// run is a whole phrase without word breaks ("ignorepreviousinstructions");
// squashedPhrases are matched against it.
func spelledOut(s string) []string {
	var runs []string
	var run strings.Builder
	n := 0
	flush := func() {
		if n >= 4 {
			runs = append(runs, strings.ToLower(run.String()))
		}
		run.Reset()
		n = 0
	}
	sep := func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(".-_*·•,", r) }
	for _, tok := range strings.FieldsFunc(s, sep) {
		if utf8.RuneCountInString(tok) == 1 && unicode.IsLetter([]rune(tok)[0]) {
			run.WriteString(tok)
			n++
			continue
		}
		flush()
	}
	flush()
	return runs
}

// rot13 rotates ASCII letters by 13.
func rot13(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return 'a' + (r-'a'+13)%26
		case r >= 'A' && r <= 'Z':
			return 'A' + (r-'A'+13)%26
		}
		return r
	}, s)
}

// reverse reverses s rune by rune (text stored backwards to be shown
// forwards by a right-to-left override, or simply written backwards).
func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}
