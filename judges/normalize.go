package judges

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Entries game the checks with characters a reader never notices: a
// forbidden word with a zero-width space or a Cyrillic letter inside, 280
// words joined by a blank-looking letter so they count as 94, an
// instruction to the judge in full-width or mathematical letters. Every
// check therefore reads the text the way a reader sees it, and the
// judge-addressing detector the way a model reads it:
//
//   - readerView (every rubric check): invalid bytes dropped; invisible
//     (default-ignorable) characters removed; characters that render as a
//     gap without being whitespace (Hangul fillers, the braille blank,
//     controls, private-use and unassigned code points) and whitespace
//     look-alikes (no-break, en, em, thin, ideographic spaces…) read as
//     spaces; then Unicode NFKC, which turns full-width, mathematical,
//     circled and other compatibility letters into plain ones. Term checks
//     compare TR39 skeletons of that text (confusables.go).
//   - foldText (the detector's English patterns): the same, plus combining
//     marks dropped and every letter that imitates a Latin one (by the
//     TR39 table, and a few small capitals it lacks) made that letter.
//   - plainView (the detector's patterns in other scripts): readerView's
//     text, letters left as they are.
//
// None of these copies is shown or stored: what is judged is the entry as
// written, read through them.

// ignorable reports Unicode's Default_Ignorable_Code_Point property (UAX
// #44, derived as DerivedCoreProperties.txt does): characters a renderer
// shows as nothing when it has no glyph for them — zero-width spaces and
// joiners, the soft hyphen, word joiners and invisible operators, bidi
// controls, variation selectors, tag characters, byte-order marks. The
// Hangul fillers are default-ignorable too, but they render as a blank,
// so blankLooking takes them first.
func ignorable(r rune) bool {
	if unicode.Is(unicode.White_Space, r) || (r >= 0xFFF9 && r <= 0xFFFB) || (r >= 0x13430 && r <= 0x1343F) ||
		unicode.Is(unicode.Prepended_Concatenation_Mark, r) {
		return false
	}
	return unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) || unicode.Is(unicode.Cf, r) ||
		unicode.Is(unicode.Variation_Selector, r)
}

// hangulFillers render as an empty cell of a letter's width: between
// words they are a space to the eye.
func hangulFiller(r rune) bool { return r == 0x115F || r == 0x1160 || r == 0x3164 || r == 0xFFA0 }

// blankLooking reports characters that are not whitespace but show as a
// gap (or as a box, which separates words just as well): the Hangul
// fillers, the braille blank, control characters other than tab and line
// breaks, private-use, surrogate and unassigned code points, and the
// object and replacement characters.
func blankLooking(r rune) bool {
	switch {
	case hangulFiller(r), r == 0x2800, r == 0xFFFC, r == utf8.RuneError:
		return true
	case r == '\t' || r == '\n' || r == '\r' || unicode.Is(unicode.White_Space, r):
		return false
	case ignorable(r):
		return false
	}
	return !unicode.IsGraphic(r)
}

// readerText is an entry as a reader sees it, and what was undone to get
// there, for the rationale.
type readerText struct {
	text      string
	invisible int // invisible characters removed
	blanks    int // blank-looking characters read as spaces
}

// readerView returns the text every rubric check reads (see above).
// Ordinary whitespace look-alikes (a no-break space in French
// typography) are read as spaces without being counted as tricks.
func readerView(s string) readerText {
	var v readerText
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s { // an invalid byte is RuneError: a replacement box
		switch {
		case r >= 0x20 && r < 0x7F || r == '\n' || r == '\t' || r == '\r':
			b.WriteByte(byte(r)) // the common case, first
		case blankLooking(r):
			v.blanks++
			b.WriteByte(' ')
		case ignorable(r):
			v.invisible++
		case r == 0x85 || r == 0x2028 || r == 0x2029:
			b.WriteByte('\n')
		case r >= utf8.RuneSelf && unicode.Is(unicode.White_Space, r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	v.text = norm.NFKC.String(b.String())
	return v
}

// tricks describes what readerView undid, for the rationale ("" if
// nothing).
func (v readerText) tricks() string {
	var out []string
	if v.invisible > 0 {
		out = append(out, fmt.Sprintf("%d invisible characters removed", v.invisible))
	}
	if v.blanks > 0 {
		out = append(out, fmt.Sprintf("%d blank-looking characters read as spaces", v.blanks))
	}
	return strings.Join(out, ", ")
}

// plainView is readerView's text alone.
func plainView(s string) string { return readerView(s).text }

// smallCapitals are Latin letter variants (and a few others) that TR39
// does not map to the plain letter but that read as it: TR39 maps the
// Cyrillic palochka to "i", though next to Latin letters it reads "l".
var smallCapitals = map[rune]rune{
	'ӏ': 'l', 'Ӏ': 'I',
	'ʀ': 'r', 'ɴ': 'n', 'ᴀ': 'a', 'ʙ': 'b', 'ᴄ': 'c', 'ᴅ': 'd', 'ᴇ': 'e', 'ɢ': 'g', 'ʜ': 'h', 'ɪ': 'i',
	'ᴊ': 'j', 'ᴋ': 'k', 'ʟ': 'l', 'ᴍ': 'm', 'ᴏ': 'o', 'ᴘ': 'p', 'ꜱ': 's', 'ᴛ': 't', 'ᴜ': 'u', 'ᴠ': 'v',
	'ᴡ': 'w', 'ʏ': 'y', 'ᴢ': 'z', 'ı': 'i', 'ɩ': 'i', 'ɑ': 'a', 'ſ': 's',
}

// foldRune maps one rune to the plain Latin letter it imitates, or
// returns it unchanged. Letters NFKC leaves alone or turns into more than
// one (parenthesised "⒤" becomes "(i)", negative circled and squared
// capitals and regional indicators have no decomposition) come first.
func foldRune(r rune) rune {
	switch {
	case r < utf8.RuneSelf:
		return r
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
	case r == '‘' || r == '’':
		return '\''
	case r == '“' || r == '”':
		return '"'
	case r >= 0x2010 && r <= 0x2015:
		return '-'
	}
	if m, ok := smallCapitals[r]; ok {
		return m
	}
	if m, ok := latinPrototype(r); ok {
		return m
	}
	return r
}

// foldText returns the text a model would read, for the detector's
// English patterns: readerView's, decomposed (NFKD), with combining
// marks removed and every rune folded by foldRune. Folding twice changes
// nothing.
func foldText(s string) string {
	pre := strings.Map(func(r rune) rune {
		if r >= 0x249C && r <= 0x24B5 { // before NFKC makes "(a)" of them
			return foldRune(r)
		}
		return r
	}, s)
	d := norm.NFKD.String(plainView(pre))
	var b strings.Builder
	b.Grow(len(d))
	for _, r := range d {
		if unicode.In(r, unicode.Mn, unicode.Me) {
			continue
		}
		b.WriteRune(foldRune(r))
	}
	return b.String()
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

// despace removes the spaces between letters of scripts written without
// them (Chinese, Japanese) and inside runs of single letters of any
// script, so "忽 略 之 前 的 指 令" and "и г н о р и р у й" read as words
// again. It returns "" when nothing changed.
func despace(s string) string {
	rs := []rune(s)
	var b strings.Builder
	changed := false
	single := func(i int) bool { // rs[i] is a letter standing alone
		return i >= 0 && i < len(rs) && unicode.IsLetter(rs[i]) &&
			(i == 0 || unicode.IsSpace(rs[i-1])) && (i == len(rs)-1 || unicode.IsSpace(rs[i+1]))
	}
	for i := 0; i < len(rs); i++ {
		if unicode.IsSpace(rs[i]) && i > 0 {
			j := i
			for j < len(rs) && unicode.IsSpace(rs[j]) {
				j++
			}
			if j < len(rs) && (unspaced(rs[i-1]) && unspaced(rs[j]) || single(i-1) && single(j)) {
				changed = true
				i = j - 1
				continue
			}
		}
		b.WriteRune(rs[i])
	}
	if !changed {
		return ""
	}
	return b.String()
}

// unspaced reports letters of scripts that do not separate words.
func unspaced(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai)
}

// foldLookalikes maps letters of other scripts that imitate Latin ones
// to those letters, leaving Latin letters (accents included) alone and
// dropping combining marks that do not compose (a stroke over every
// letter), for the detector's patterns in Latin-script languages other
// than English.
func foldLookalikes(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFC.String(s) {
		switch {
		case unicode.In(r, unicode.Mn, unicode.Me):
		case unicode.Is(unicode.Latin, r):
			b.WriteRune(r)
		default:
			b.WriteRune(foldRune(r))
		}
	}
	return b.String()
}

// unleetAll is unleet for every token that mixes letters and stand-ins,
// however short ("45" for "as", "4l" for "al"), for the patterns in
// languages with many short words. It returns "" when nothing changed.
func unleetAll(s string) string {
	changed := false
	out := strings.Map(func(r rune) rune {
		if m, ok := leet[r]; ok {
			changed = true
			return m
		}
		return r
	}, s)
	if !changed {
		return ""
	}
	return out
}
