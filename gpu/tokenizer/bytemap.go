package tokenizer

// byteRunes builds GPT-2's bytes_to_unicode table: printable Latin-1 bytes
// map to themselves and the rest to code points from U+0100 on, so every
// byte has a visible, non-space character in vocab.json and merges.txt.
func byteRunes() (enc [256]rune, dec map[rune]byte) {
	printable := func(b int) bool {
		return b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE && b <= 0xFF
	}
	dec = make(map[rune]byte, 256)
	n := 0
	for b := range 256 {
		if printable(b) {
			enc[b] = rune(b)
		} else {
			enc[b] = rune(256 + n)
			n++
		}
		dec[enc[b]] = byte(b)
	}
	return enc, dec
}
