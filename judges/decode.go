package judges

import (
	"html"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// A judge reading an entry decodes escapes on sight: a JSON answer whose
// string holds "\u0049gnore all previous instructions" says exactly that
// to a model, and so does "&#73;gnore" in HTML or "Ignore%20all" in a URL.
// decodeEscapes undoes those notations everywhere in the text (not only
// inside JSON strings: prose carries them too), so the detector and the
// term checks see what the judge would.

// maxDecodeRounds bounds nested encodings ("&amp;#73;", "%255C"): each
// round peels one layer.
const maxDecodeRounds = 3

// decodeEscapes returns s with JSON and JavaScript string escapes
// (\uXXXX with surrogate pairs, \u{…}, \n, \t, \", \\, \/…), HTML
// character references (named, decimal, hex) and URL percent-encoding
// decoded, repeatedly until nothing changes.
func decodeEscapes(s string) string {
	for range maxDecodeRounds {
		next := percentDecode(html.UnescapeString(backslashDecode(s)))
		if next == s {
			break
		}
		s = next
	}
	return s
}

// backslashDecode decodes JSON/JavaScript escapes; a backslash that
// starts no escape is kept. A lone or malformed surrogate becomes U+FFFD,
// as encoding/json decodes it.
func backslashDecode(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			i++
			continue
		}
		switch c := s[i+1]; c {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b', 'f':
			b.WriteByte(' ')
		case '"', '\\', '/', '\'':
			b.WriteByte(c)
		case 'u':
			r, n := unicodeEscape(s[i:])
			if n == 0 {
				b.WriteString(`\u`)
				i += 2
				continue
			}
			b.WriteRune(r)
			i += n
			continue
		default:
			b.WriteByte('\\')
			i++
			continue
		}
		i += 2
	}
	return b.String()
}

// unicodeEscape decodes the \uXXXX (and a following low surrogate) or
// \u{X…} escape at the start of s, returning the rune and the bytes
// used; n is 0 if s does not start with one.
func unicodeEscape(s string) (r rune, n int) {
	if strings.HasPrefix(s, `\u{`) {
		end := strings.IndexByte(s, '}')
		if end < 4 || end > 10 {
			return 0, 0
		}
		v, err := strconv.ParseUint(s[3:end], 16, 32)
		if err != nil || !utf8.ValidRune(rune(v)) {
			return 0, 0
		}
		return rune(v), end + 1
	}
	if len(s) < 6 {
		return 0, 0
	}
	v, err := strconv.ParseUint(s[2:6], 16, 16)
	if err != nil {
		return 0, 0
	}
	r = rune(v)
	if !utf16.IsSurrogate(r) {
		return r, 6
	}
	if len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
		if lo, err := strconv.ParseUint(s[8:12], 16, 16); err == nil {
			if d := utf16.DecodeRune(r, rune(lo)); d != utf8.RuneError {
				return d, 12
			}
		}
	}
	return utf8.RuneError, 6
}

// percentDecode decodes %XX escapes when the result is valid UTF-8 (so
// "50% off" and binary noise are left alone).
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	b := make([]byte, 0, len(s))
	changed := false
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && ishex(s[i+1]) && ishex(s[i+2]) {
			v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b = append(b, byte(v))
			i += 2
			changed = true
			continue
		}
		b = append(b, s[i])
	}
	if !changed || !utf8.Valid(b) {
		return s
	}
	return string(b)
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
