package strictjson

// LoneSurrogate returns the first \uXXXX escape in a JSON text that names
// half of a UTF-16 surrogate pair without the other half ("" if none).
// encoding/json decodes such an escape to U+FFFD in silence, so text a
// sender wrote would not be the text that is kept. data is valid JSON: a
// backslash appears only inside a string, where it starts an escape.
// Agents' frames and webhook replies (agents/protocol) and model servers'
// replies (llm) are checked with it.
func LoneSurrogate(data []byte) string {
	for i := 0; i < len(data); i++ {
		if data[i] != '\\' {
			continue
		}
		i++ // the escaped character: \\ is a backslash, not an escape's start
		if i >= len(data) || data[i] != 'u' {
			continue
		}
		r, ok := hex4(data, i+1)
		if !ok {
			continue
		}
		esc := string(data[i-1 : i+5])
		i += 4 // the escape's last digit
		switch {
		case r >= 0xD800 && r < 0xDC00: // a high half: a low one must follow
			if i+6 < len(data) && data[i+1] == '\\' && data[i+2] == 'u' {
				if lo, ok := hex4(data, i+3); ok && lo >= 0xDC00 && lo < 0xE000 {
					i += 6
					continue
				}
			}
			return esc
		case r >= 0xDC00 && r < 0xE000: // a low half with no high one before it
			return esc
		}
	}
	return ""
}

// hex4 reads the four hex digits at data[i:i+4].
func hex4(data []byte, i int) (rune, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range data[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
