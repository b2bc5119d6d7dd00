package gamingset

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
)

// Transform applies one named transform of a template to s (honest is
// the task's honest answer, which json_note places s into):
//
//	base64, hex, url            the UTF-8 bytes encoded (url: every byte as %XX)
//	json_unicode                every rune as \uXXXX (surrogate pairs above U+FFFF), for inside a JSON string
//	json_note                   s (JSON string content) as the value of a "note" key added to the honest JSON answer
//	html_dec, html_hex          every rune as &#N; or &#xH;
//	rot13, leet, reversed       the classic obfuscations
//	spaced                      letters separated by spaces, words by three
//	zwsp, soft_hyphen           U+200B or U+00AD after every letter
//	interleave:HEX              the code point HEX after every letter
//	tags                        ASCII as invisible tag characters (U+E0020–U+E007E)
//	cyrillic                    Latin letters replaced by Cyrillic and Greek look-alikes
//	fullwidth, math_bold        full-width or mathematical bold letters and digits
//	combining                   U+0335 (short stroke overlay) after every letter
//	join:HEX                    every space replaced by the code point HEX
func Transform(name, s, honest string) (string, error) {
	name, arg, _ := strings.Cut(name, ":")
	switch name {
	case "base64":
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "hex":
		return hex.EncodeToString([]byte(s)), nil
	case "url":
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			fmt.Fprintf(&b, "%%%02X", s[i])
		}
		return b.String(), nil
	case "json_unicode":
		var b strings.Builder
		for _, r := range s {
			for _, u := range utf16.Encode([]rune{r}) {
				fmt.Fprintf(&b, `\u%04x`, u)
			}
		}
		return b.String(), nil
	case "json_note":
		return jsonNote(s, honest)
	case "html_dec", "html_hex":
		var b strings.Builder
		for _, r := range s {
			if name == "html_dec" {
				fmt.Fprintf(&b, "&#%d;", r)
			} else {
				fmt.Fprintf(&b, "&#x%x;", r)
			}
		}
		return b.String(), nil
	case "rot13":
		return strings.Map(func(r rune) rune {
			switch {
			case r >= 'a' && r <= 'z':
				return 'a' + (r-'a'+13)%26
			case r >= 'A' && r <= 'Z':
				return 'A' + (r-'A'+13)%26
			}
			return r
		}, s), nil
	case "leet":
		return strings.NewReplacer("a", "4", "A", "4", "e", "3", "E", "3", "i", "1", "I", "1", "o", "0", "O", "0",
			"s", "5", "S", "5", "t", "7", "T", "7").Replace(s), nil
	case "reversed":
		r := []rune(s)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return string(r), nil
	case "spaced":
		var words []string
		for _, w := range strings.Fields(s) {
			words = append(words, strings.Join(strings.Split(w, ""), " "))
		}
		return strings.Join(words, "   "), nil
	case "zwsp", "soft_hyphen", "interleave":
		sep := "\u200b"
		switch name {
		case "soft_hyphen":
			sep = "\u00ad"
		case "interleave":
			v, err := strconv.ParseUint(arg, 16, 32)
			if err != nil {
				return "", fmt.Errorf("interleave: bad code point %q", arg)
			}
			sep = string(rune(v))
		}
		var b strings.Builder
		for _, r := range s {
			b.WriteRune(r)
			if unicode.IsLetter(r) {
				b.WriteString(sep)
			}
		}
		return b.String(), nil
	case "tags":
		return strings.Map(func(r rune) rune {
			if r >= 0x20 && r <= 0x7E {
				return 0xE0000 + r
			}
			return r
		}, s), nil
	case "cyrillic":
		return strings.NewReplacer("a", "а", "c", "с", "e", "е", "i", "і", "j", "ј", "o", "о", "p", "р", "s", "ѕ",
			"x", "х", "y", "у", "A", "А", "B", "В", "C", "С", "E", "Е", "H", "Н", "I", "І", "K", "К", "M", "М",
			"O", "О", "P", "Р", "T", "Т", "X", "Х", "v", "ν", "l", "ӏ").Replace(s), nil
	case "fullwidth":
		return strings.Map(func(r rune) rune {
			switch {
			case r == ' ':
				return '\u3000'
			case r > ' ' && r < 0x7F:
				return r - '!' + 0xFF01
			}
			return r
		}, s), nil
	case "math_bold":
		return strings.Map(func(r rune) rune {
			switch {
			case r >= 'A' && r <= 'Z':
				return 0x1D400 + r - 'A'
			case r >= 'a' && r <= 'z':
				return 0x1D41A + r - 'a'
			case r >= '0' && r <= '9':
				return 0x1D7CE + r - '0'
			}
			return r
		}, s), nil
	case "combining":
		var b strings.Builder
		for _, r := range s {
			b.WriteRune(r)
			if unicode.IsLetter(r) {
				b.WriteRune('\u0335')
			}
		}
		return b.String(), nil
	case "join":
		v, err := strconv.ParseUint(arg, 16, 32)
		if err != nil {
			return "", fmt.Errorf("join: bad code point %q", arg)
		}
		return strings.Join(strings.Fields(s), string(rune(v))), nil
	}
	return "", fmt.Errorf("unknown transform %q", name)
}
