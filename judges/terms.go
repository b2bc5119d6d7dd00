package judges

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// A forbidden term is used if a reader would see it anywhere in the
// answer, however it was spelled: with look-alike letters, with an
// invisible or blank-looking character inside, with a combining mark on
// each letter, or as escapes a renderer or parser turns back into it. A
// required term counts the same way, since the reader sees it too.

// termReader holds the readings of one answer that term checks search.
type termReader struct {
	plain string   // readerView's text, matched as written (case-insensitive)
	skels []string // TR39 skeletons of that text, of it with blank-looking characters removed, folded (foldText), and with escapes decoded
}

// newTermReader prepares the readings of raw once for all its terms.
func newTermReader(raw string) termReader {
	v := readerView(raw).text
	joined := norm.NFKC.String(strings.Map(func(r rune) rune {
		if blankLooking(r) || ignorable(r) {
			return -1
		}
		return r
	}, raw))
	// foldText also reads letters TR39 maps elsewhere (the Cyrillic
	// palochka in "ѕіmрӏу") as the Latin letter they stand for.
	tr := termReader{plain: v, skels: []string{skeleton(v), skeleton(joined), skeleton(foldText(raw))}}
	if dec := decodeEscapes(raw); dec != raw {
		tr.skels = append(tr.skels, skeleton(readerView(dec).text))
	}
	return tr
}

// find reports whether the term is in the answer, and whether it was only
// found disguised (not as plain text). The term's plural counts as the
// term (termPatternPlural).
func (tr termReader) find(term string) (found, disguised bool) {
	if hasTermPlural(tr.plain, term, true) {
		return true, false
	}
	if strings.TrimSpace(term) == "" {
		return true, false
	}
	re, err := termPatternPlural(skeleton(term), true)
	for _, s := range tr.skels {
		if err != nil && strings.Contains(s, skeleton(term)) || err == nil && re.MatchString(s) {
			return true, true
		}
	}
	return false, false
}

// disguisedNote is the rationale's remark on a term found only disguised.
func disguisedNote(disguised bool) string {
	if disguised {
		return " (found spelled with look-alike, hidden or escaped characters)"
	}
	return ""
}
