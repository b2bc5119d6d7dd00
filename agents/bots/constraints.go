package bots

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// constraints are what the careful bot reads out of a prompt's own words.
// They mirror the judge's criteria, but the bot never sees criteria: it
// must recover them from the text, as any agent would.
type constraints struct {
	minWords, maxWords int // 0 = unbounded
	required           []string
	forbidden          []string
	format             string // "", "plain", "bullets", "numbered", "json", "one_line"
	minItems, maxItems int
	jsonKeys           []string
	maxSentenceWords   int
	endsWith           string
	oneSentence        bool
}

// num matches a count written in digits or as a small number word.
const num = `(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)`

var numberWords = map[string]int{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}

func atoi(s string) int {
	s = strings.ToLower(s)
	if n, ok := numberWords[s]; ok {
		return n
	}
	n, _ := strconv.Atoi(s)
	return n
}

// A wordRule turns a match into bounds. lo and hi name the submatch that
// holds each bound (0: none); adj shifts strict bounds ("fewer than 50"
// is at most 49). Rules run in order and each consumes its match, so "no
// more than 50 words" is read as a maximum before the rule for "more than
// 50 words" could misread it as a minimum.
type wordRule struct {
	re           *regexp.Regexp
	lo, hi       int
	loAdj, hiAdj int
	approx       bool // "about N": a band of ±20% around N
}

const (
	wordsRe = `\s*-?\s*words?\b`
	atLeast = `(?:at least|no fewer than|no less than|a minimum of|minimum of|min\.?)`
	atMost  = `(?:at most|no more than|not more than|up to|a maximum of|maximum of|max\.?|not exceeding|within)`
	under   = `(?:under|fewer than|less than|below|shorter than)`
)

var wordRules = []wordRule{
	{re: regexp.MustCompile(`(?i)\b` + num + `\s*(?:to|and|-|–|—)\s*` + num + wordsRe), lo: 1, hi: 2},
	{re: regexp.MustCompile(`(?i)\b` + atLeast + `\s+` + num + `(?:` + wordsRe + `)?[\s,]*(?:and|but)\s+(?:` + atMost + `|` + under + `)\s+` + num + wordsRe), lo: 1, hi: 2},
	{re: regexp.MustCompile(`(?i)\bexactly\s+` + num + wordsRe), lo: 1, hi: 1},
	{re: regexp.MustCompile(`(?i)\b` + atLeast + `\s+` + num + wordsRe), lo: 1},
	{re: regexp.MustCompile(`(?i)\b` + atMost + `\s+` + num + wordsRe), hi: 1},
	{re: regexp.MustCompile(`(?i)\b` + under + `\s+` + num + wordsRe), hi: 1, hiAdj: -1},
	{re: regexp.MustCompile(`(?i)\bmore than\s+` + num + wordsRe), lo: 1, loAdj: 1},
	{re: regexp.MustCompile(`(?i)\b` + num + wordsRe + `\s+or\s+more\b`), lo: 1},
	{re: regexp.MustCompile(`(?i)\b` + num + wordsRe + `\s+or\s+(?:fewer|less)\b`), hi: 1},
	{re: regexp.MustCompile(`(?i)\b(?:about|around|roughly|approximately|some)\s+` + num + wordsRe), lo: 1, approx: true},
	// A bare count ("in 50 words", "a 100-word summary") is a target;
	// it needs a preposition or article so "use the two words" is not one.
	{re: regexp.MustCompile(`(?i)\b(?:in|of|with|using|a|an)\s+` + num + wordsRe), lo: 1, hi: 1},
}

// parseWords reads the answer's word bounds (0 = unbounded).
func parseWords(text string) (lo, hi int) {
	for _, r := range wordRules {
		for _, m := range r.re.FindAllStringSubmatchIndex(text, -1) {
			get := func(g int) int { return atoi(text[m[2*g]:m[2*g+1]]) }
			switch {
			case r.approx && lo == 0 && hi == 0:
				lo, hi = get(1)*8/10, get(1)*12/10
			case r.approx:
			default:
				if r.lo > 0 && lo == 0 {
					lo = get(r.lo) + r.loAdj
				}
				if r.hi > 0 && hi == 0 {
					hi = get(r.hi) + r.hiAdj
				}
			}
			// Blanking keeps offsets valid for the remaining matches.
			text = text[:m[0]] + strings.Repeat(" ", m[1]-m[0]) + text[m[1]:]
		}
	}
	return lo, hi
}

var (
	// sentenceCap finds a per-sentence length limit: "keep sentences under
	// 15 words", "no sentence longer than 20 words".
	sentenceCap = regexp.MustCompile(`(?i)\bsentences?\b(?:\s+length)?[\s(,]+(?:[a-z]+\s+){0,3}?(?:under|below|at most|no more than|fewer than|less than|shorter than|longer than|of|up to|max(?:imum)?(?: of)?|within)\s+` + num + `\s+words?\b`)
	// perSentence is the same limit stated the other way round: "at most
	// 15 words per sentence".
	perSentence = regexp.MustCompile(`(?i)\b(?:(?:at most|no more than|not more than|under|fewer than|less than|up to|max(?:imum)?(?: of)?)\s+)?` + num + `\s+words?\s+(?:per|a|each|in each|in a|for each)\s+sentence\b`)
	oneSentence = regexp.MustCompile(`(?i)\b(one|a single)\s+sentence\b`)
	oneLine     = regexp.MustCompile(`(?i)\b(one|a single)\s+line\b|\bone-liner\b`)
	plainFmt    = regexp.MustCompile(`(?i)\b(no|without|not as a|not in a|avoid)\s+(bullets?|bullet points|lists?|markdown|formatting|headings)\b|\bplain (text|prose)\b|\bas prose\b|\bsingle paragraph\b`)
	numberedFmt = regexp.MustCompile(`(?i)\bnumbered\b|\bordered list\b`)
	bulletFmt   = regexp.MustCompile(`(?i)\bbullet(ed|s)?\b|\bbullet points?\b`)
	listFmt     = regexp.MustCompile(`(?i)\blist\b`)
	jsonFmt     = regexp.MustCompile(`(?i)\b(?:as|in|return|output|respond with|reply with|valid|a|an)\s+(?:a\s+)?(?:valid\s+|single\s+)?json\b|\bjson\s+(?:object|with|format|only|array)\b`)
	// itemNouns is what a list counts: up to two modifiers and a plural
	// noun ("5 practical tips", "3 to 5 warning signs"). Nouns that count
	// something else are rejected in code (see countNouns).
	itemNouns = `(?:[a-z-]+\s+){0,2}?([a-z-]+s)\b`
	itemRange = regexp.MustCompile(`(?i)\b` + num + `\s*(?:to|-|–|or)\s*` + num + `\s+` + itemNouns)
	itemMin   = regexp.MustCompile(`(?i)\b(?:at least|no fewer than)\s+` + num + `\s+` + itemNouns)
	itemMax   = regexp.MustCompile(`(?i)\b(?:at most|no more than|up to)\s+` + num + `\s+` + itemNouns)
	itemExact = regexp.MustCompile(`(?i)\b(?:exactly\s+)?` + num + `\s+` + itemNouns)
	// quoted finds quoted terms in straight, curly or back quotes. A single
	// quote opens only after a non-letter, so apostrophes ("don't") are
	// not mistaken for quotes.
	quoted = regexp.MustCompile("\"([^\"]+)\"|“([^”]+)”|‘([^’]+)’|`([^`]+)`|(?:^|[^\\p{L}\\p{N}])'([^']+)'")
	// trigger classifies a quoted term by the nearest cue before it in its
	// sentence: group 1 asks for the term, 2 bans it, 3 makes it the
	// ending, 4 names JSON keys.
	trigger = regexp.MustCompile(`(?i)\b(?:(mention(?:s|ing)?|includ(?:e|es|ing)|us(?:e|es|ing)|contain(?:s|ing)?|refer(?:s|ring)? to|cite|feature|say|saying|write|writing)|(avoid(?:ing)?|without|never|forbidden|banned|exclud(?:e|ing))|(end(?:s|ing)?(?:\s+\w+){0,3}?\s+with|finish(?:es|ing)?\s+with|clos(?:e|es|ing)\s+with|conclud(?:e|es|ing)\s+with|final words?|last words?)|(keys?|fields|properties))\b`)
	// negation turns an asking cue into a ban: "do not use".
	negation = regexp.MustCompile(`(?i)\b(not|never|no|without|don't|doesn't|mustn't|shouldn't|avoid)\s+(?:\w+\s+){0,2}$`)
	// unquotedTerm catches "do not use the word simply" without quotes.
	unquotedTerm = regexp.MustCompile(`(?i)\b(?:(not|never|avoid)\s+(?:\w+\s+){0,2}?)?(?:use|using|mention|mentioning|include|including|say|saying)?\s*the\s+(?:word|term)\s+([a-z][a-z'-]*)`)
	// bareKeys reads unquoted JSON keys: "with keys name, age and role".
	bareKeys = regexp.MustCompile(`(?i)\b(?:keys|fields|properties)\s*:?\s*([a-z_][\w]*(?:\s*(?:,\s*and|,|and)\s*[a-z_][\w]*)*)`)
	keySplit = regexp.MustCompile(`\s*(?:,\s*and|,|\band\b)\s*`)
)

// parseConstraints reads every constraint it recognises out of a prompt.
// It errs towards obeying: an unclassified short quoted term is taken as
// required, because mentioning a quoted term rarely hurts.
func parseConstraints(text string) constraints {
	var c constraints
	// Quoted terms first, and blank them out, so the later regexes never
	// read numbers or cue words inside a quotation.
	plain := c.readQuoted(text)

	m := sentenceCap.FindStringSubmatchIndex(plain)
	if m == nil {
		m = perSentence.FindStringSubmatchIndex(plain)
	}
	if m != nil {
		c.maxSentenceWords = atoi(plain[m[2]:m[3]])
		if !oneSentence.MatchString(plain) {
			// The span describes sentences, not the answer (unless the
			// answer is one sentence): hide it from the word-range rules.
			plain = plain[:m[0]] + strings.Repeat(" ", m[1]-m[0]) + plain[m[1]:]
		}
	}
	c.minWords, c.maxWords = parseWords(plain)

	switch {
	case jsonFmt.MatchString(plain):
		c.format = "json"
	case plainFmt.MatchString(plain):
		c.format = "plain"
	case numberedFmt.MatchString(plain):
		c.format = "numbered"
	case bulletFmt.MatchString(plain):
		c.format = "bullets"
	case oneLine.MatchString(plain), oneSentence.MatchString(plain):
		c.format = "one_line"
	case listFmt.MatchString(plain):
		c.format = "bullets"
	}
	c.oneSentence = oneSentence.MatchString(plain)
	if c.format == "bullets" || c.format == "numbered" {
		c.readItems(plain)
	}
	if c.format == "json" && len(c.jsonKeys) == 0 {
		if m := bareKeys.FindStringSubmatch(plain); m != nil {
			for _, k := range keySplit.Split(m[1], -1) {
				if k = strings.TrimSpace(k); k != "" {
					c.jsonKeys = append(c.jsonKeys, k)
				}
			}
		}
	}
	for _, m := range unquotedTerm.FindAllStringSubmatch(plain, -1) {
		if m[1] != "" {
			c.forbidden = appendNew(c.forbidden, m[2])
		} else {
			c.required = appendNew(c.required, m[2])
		}
	}
	return c
}

// readQuoted classifies each quoted term by the nearest cue before it in
// the same sentence, and returns the text with quotations blanked.
func (c *constraints) readQuoted(text string) string {
	var out strings.Builder
	last := 0
	for _, m := range quoted.FindAllStringSubmatchIndex(text, -1) {
		// The term is whichever alternative matched; its quote marks are
		// the bytes around it.
		var ts, te int
		for g := 1; g*2 < len(m); g++ {
			if m[2*g] >= 0 {
				ts, te = m[2*g], m[2*g+1]
			}
		}
		term := strings.TrimSpace(text[ts:te])
		ctxText := sentenceBefore(out.String() + text[last:ts])
		c.classify(term, ctxText)
		out.WriteString(text[last:ts])
		out.WriteString("Q")
		last = te
	}
	out.WriteString(text[last:])
	return out.String()
}

// sentenceBefore is the tail of s after its last sentence break.
func sentenceBefore(s string) string {
	if i := strings.LastIndexAny(s, ".!?\n"); i >= 0 {
		return s[i+1:]
	}
	return s
}

func (c *constraints) classify(term, before string) {
	// Quoted punctuation and numbers ("'- '", "'1.'") describe format, not
	// words to use; only an ending may be bare punctuation.
	hasWord := strings.IndexFunc(term, unicode.IsLetter) >= 0
	if term == "" {
		return
	}
	kind, at := 0, -1
	for _, m := range trigger.FindAllStringSubmatchIndex(before, -1) {
		for g := 1; g <= 4; g++ {
			if m[2*g] >= 0 {
				kind, at = g, m[0]
			}
		}
	}
	if kind == 1 && negation.MatchString(before[:at]) {
		kind = 2
	}
	switch {
	case kind == 3:
		c.endsWith = term
	case !hasWord:
	case kind == 1:
		c.required = appendNew(c.required, term)
	case kind == 2:
		c.forbidden = appendNew(c.forbidden, term)
	case kind == 4:
		c.jsonKeys = appendNew(c.jsonKeys, term)
	case len(strings.Fields(term)) <= 6:
		c.required = appendNew(c.required, term)
	}
}

// notItems are plural nouns that follow a number without counting list
// items: "in 60 words", "3 sentences each", "5 minutes".
var notItems = map[string]bool{
	"words": true, "word": true, "sentences": true, "sentence": true, "characters": true,
	"paragraphs": true, "minutes": true, "hours": true, "days": true, "weeks": true,
	"years": true, "seconds": true, "times": true, "percent": true,
}

// countNouns returns the first match of re whose counted noun (the last
// submatch, a plural) is a plausible list item: not in notItems.
func countNouns(re *regexp.Regexp, text string) []string {
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		noun := strings.ToLower(m[len(m)-1])
		if !notItems[noun] {
			return m
		}
	}
	return nil
}

// readItems reads list-length bounds.
func (c *constraints) readItems(plain string) {
	if m := countNouns(itemRange, plain); m != nil {
		c.minItems, c.maxItems = atoi(m[1]), atoi(m[2])
		return
	}
	if m := countNouns(itemMin, plain); m != nil {
		c.minItems = atoi(m[1])
	}
	if m := countNouns(itemMax, plain); m != nil {
		c.maxItems = atoi(m[1])
	}
	if c.minItems == 0 && c.maxItems == 0 {
		if m := countNouns(itemExact, plain); m != nil {
			c.minItems, c.maxItems = atoi(m[1]), atoi(m[1])
		}
	}
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return list
		}
	}
	return append(list, s)
}
