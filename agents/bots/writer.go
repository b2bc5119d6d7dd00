package bots

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// writer holds the answer as blocks (list items or JSON values) of
// sentences while it is fitted to the constraints.
type writer struct {
	c      constraints
	blocks [][]sentence
	seq    int
	used   []bool // fillers already in the answer: 2 per filler, plain and "Also, …"
}

func (w *writer) forbids(s string) bool {
	for _, f := range w.c.forbidden {
		if containsWord(s, f) {
			return true
		}
	}
	return false
}

// fits reports whether s obeys the bans and the sentence-length cap.
func (w *writer) fits(s string) bool {
	if w.forbids(s) {
		return false
	}
	return w.c.maxSentenceWords <= 0 || countWords(s) <= w.c.maxSentenceWords
}

// pick returns the first candidate that fits, or the last one as long as
// it avoids the bans; a sentence with no text is skipped by add.
func (w *writer) pick(kind int, term string, candidates ...string) sentence {
	for _, s := range candidates {
		if w.fits(s) {
			return sentence{text: s, kind: kind, term: term}
		}
	}
	if last := candidates[len(candidates)-1]; !w.forbids(last) {
		return sentence{text: last, kind: kind, term: term}
	}
	return sentence{}
}

func (w *writer) add(b int, s sentence) {
	if s.text == "" {
		return
	}
	w.seq++
	s.seq = w.seq
	w.blocks[b] = append(w.blocks[b], s)
}

// addFiller appends to block b the first unused filler that fits the
// constraints and has at most room words (room < 0: any length). With cut
// set and no filler short enough, it cuts the next one to room words.
// Once the pool is spent, fillers come back prefixed "Also,": that repeats
// trigrams, but only for word targets far beyond what prompts ask.
func (w *writer) addFiller(b, room int, cut bool) bool {
	if w.used == nil {
		w.used = make([]bool, 2*len(fillers))
	}
	variant := func(i int) string {
		s := fillers[i%len(fillers)]
		if i >= len(fillers) {
			s = "Also, " + strings.ToLower(s[:1]) + s[1:]
		}
		return s
	}
	first := -1
	for i := range w.used {
		if w.used[i] || !w.fits(variant(i)) {
			continue
		}
		if first < 0 {
			first = i
		}
		if room < 0 || countWords(variant(i)) <= room {
			w.used[i] = true
			w.add(b, sentence{text: variant(i), kind: kindFiller})
			return true
		}
	}
	if !cut || first < 0 || room < 1 {
		return false
	}
	w.used[first] = true
	words := strings.Fields(variant(first))
	w.add(b, sentence{text: endSentence(strings.Join(words[:min(room, len(words))], " ")), kind: kindFiller})
	return true
}

func (w *writer) emptyBlocks() int {
	n := 0
	for _, blk := range w.blocks {
		if len(blk) == 0 {
			n++
		}
	}
	return max(1, n)
}

func (w *writer) shortest() int {
	best, n := 0, -1
	for i, blk := range w.blocks {
		c := 0
		for _, s := range blk {
			c += countWords(s.text)
		}
		if n < 0 || c < n {
			best, n = i, c
		}
	}
	return best
}

// trim shortens the answer by up to excess words: it drops the newest
// filler whole when that is not too much, else cuts words off its end;
// then it does the same to the opener; last it shortens term sentences to
// their compact form. It never empties a block and never drops a required
// term; it reports false when nothing more can go.
func (w *writer) trim(excess int) bool {
	for _, kind := range []int{kindFiller, kindOpener} {
		bi, si := w.newest(kind)
		if bi < 0 {
			continue
		}
		blk := w.blocks[bi]
		words := strings.Fields(blk[si].text)
		if len(words) <= excess && len(blk) > 1 {
			w.blocks[bi] = append(blk[:si], blk[si+1:]...)
			return true
		}
		if len(words) > 1 {
			keep := max(1, len(words)-excess)
			blk[si].text = endSentence(strings.Join(words[:keep], " "))
			return true
		}
		if len(blk) > 1 {
			w.blocks[bi] = append(blk[:si], blk[si+1:]...)
			return true
		}
	}
	for bi, blk := range w.blocks {
		for si, s := range blk {
			if s.kind == kindTerm {
				if short := capFirst(s.term) + " matters."; countWords(short) < countWords(s.text) {
					w.blocks[bi][si].text = short
					return true
				}
			}
		}
	}
	return false
}

// newest finds the most recently added sentence of a kind that can still
// shrink: more than one word, or not alone in its block.
func (w *writer) newest(kind int) (bi, si int) {
	bi, si = -1, -1
	best := -1
	for b, blk := range w.blocks {
		for i, s := range blk {
			if s.kind == kind && s.seq > best && (countWords(s.text) > 1 || len(blk) > 1) {
				bi, si, best = b, i, s.seq
			}
		}
	}
	return bi, si
}

func (w *writer) words() int { return countWords(w.render()) }

// render lays the blocks out in the requested format and appends the
// required ending (never inside JSON, which must stay valid).
func (w *writer) render() string {
	parts := make([]string, len(w.blocks))
	for i, blk := range w.blocks {
		texts := make([]string, len(blk))
		for j, s := range blk {
			texts[j] = s.text
		}
		parts[i] = strings.Join(texts, " ")
	}
	if w.c.oneSentence && len(w.blocks) == 1 {
		parts[0] = w.oneSentence(w.blocks[0])
	}
	if end := w.c.endsWith; end != "" && w.c.format != "json" && len(parts) > 0 {
		parts[len(parts)-1] = appendEnding(parts[len(parts)-1], end)
	}
	switch w.c.format {
	case "bullets":
		return "- " + strings.Join(parts, "\n- ")
	case "numbered":
		for i := range parts {
			parts[i] = fmt.Sprintf("%d. %s", i+1, parts[i])
		}
		return strings.Join(parts, "\n")
	case "json":
		var b strings.Builder
		b.WriteString("{")
		for i, k := range w.c.jsonKeys {
			kj, _ := json.Marshal(k)
			vj, _ := json.Marshal(parts[i])
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s: %s", kj, vj)
		}
		b.WriteString("}")
		return b.String()
	}
	return strings.Join(parts, " ")
}

// oneSentence joins sentences with semicolons into one, lower-casing each
// continuation unless it starts with a name, an acronym or a required term.
func (w *writer) oneSentence(blk []sentence) string {
	out := make([]string, len(blk))
	for i, s := range blk {
		t := strings.TrimRight(s.text, ".!? ")
		first, _, _ := strings.Cut(t, " ")
		if r, size := utf8.DecodeRuneInString(first); i > 0 && s.term == "" && !strings.ContainsFunc(first[size:], unicode.IsUpper) {
			t = string(unicode.ToLower(r)) + t[size:]
		}
		out[i] = t
	}
	return strings.Join(out, "; ") + "."
}

// appendEnding makes text end with end: a bare punctuation mark replaces
// the text's own, a phrase starting in lower case continues the last
// sentence after a comma, anything else follows as its own sentence.
func appendEnding(text, end string) string {
	switch {
	case strings.HasSuffix(text, end):
		return text
	case strings.Trim(end, ".!?") == "":
		return strings.TrimRight(text, ".!?") + end
	case unicode.IsLower([]rune(end)[0]):
		return strings.TrimRight(text, ".!?") + ", " + end
	}
	return strings.TrimSpace(text + " " + end)
}

var listMarker = regexp.MustCompile(`^\s*(?:[-*•]|\d+[.)])\s+`)

// countWords counts whitespace-separated tokens holding a letter or digit,
// ignoring list markers: the convention the rubric judge also uses.
func countWords(s string) int {
	n := 0
	for _, line := range strings.Split(s, "\n") {
		for _, f := range strings.Fields(listMarker.ReplaceAllString(line, "")) {
			if strings.IndexFunc(f, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
				n++
			}
		}
	}
	return n
}

// containsWord reports whether term occurs in s as whole words,
// case-insensitively.
func containsWord(s, term string) bool {
	re, err := regexp.Compile(`(?i)(?:^|[^\p{L}\p{N}])` + regexp.QuoteMeta(strings.TrimSpace(term)) + `(?:$|[^\p{L}\p{N}])`)
	return err == nil && re.MatchString(s)
}

func endSentence(s string) string {
	return strings.TrimRight(s, ",;:-– ") + "."
}

func capFirst(s string) string {
	for i, r := range s {
		return string(unicode.ToUpper(r)) + s[i+len(string(r)):]
	}
	return s
}
