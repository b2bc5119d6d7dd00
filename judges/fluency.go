package judges

import (
	_ "embed"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"unicode"
)

// The fluency model asks "does this read like English?" without a model
// server. It is two small n-gram language models trained, when first used,
// on an English corpus the repository ships (judges/corpus, the Go
// standard library's doc comments, BSD-3-Clause; see its README):
//
//   - a character model of order 5 (4 characters of context), which
//     notices byte gibberish, Latin filler and invented words: their
//     letter sequences are improbable in English;
//   - a word-class model of order 3 over function words (the, of, is, to,
//     …) with every other word folded into one class, which notices word
//     salad and shuffled prompts: their letters are English, but the
//     grammar that function words trace is missing or scrambled.
//
// Both use interpolated Witten–Bell smoothing, which needs no tuned
// discounts, and report cross-entropy in bits per symbol. Training is a
// pure function of the embedded corpus, so every node builds the same
// model and scores the same text the same way; it takes well under a
// second and happens once per process.

//go:embed corpus/english.txt
var englishCorpus string

// Orders of the two models.
const (
	charOrder = 5
	wordOrder = 3
)

// Calibration of the two measurements (see TestFluencySeparatesProse
// FromFiller and the reference answers' values in the rationale): each
// maps to 0..1 through a logistic curve centred between what honest
// answers score and what filler scores. A curve, not a clamp, so the
// score never saturates: a more fluent answer always scores a little
// higher, and ties at the top stay rare.
//
//   - Character model: honest answers measure 2.0–3.0 bits/char (lists
//     of names and JSON up to 3.5); Latin filler 5, byte gibberish 6+.
//   - Grammar gain: honest prose saves 0.7–2.9 bits/word; word salad
//     and shuffled prompts save about 0.
//   - Function-word share (see functionShare).
const (
	charMid   = 3.9
	charScale = 0.25
	gainMid   = 0.45
	gainScale = 0.1
	// Function-word share: honest sentences 0.2–0.5, slogans about 0.2,
	// salads of content words under 0.05.
	functionMid   = 0.12
	functionScale = 0.03
)

// grammarMinWords is the shortest sentence the word-class model judges;
// noGrammarEvidence is its score for a text with none (a list of names).
const (
	grammarMinWords   = 5
	grammarFullWords  = 30
	noGrammarEvidence = 0.85
)

// minFluencyRunes: shorter texts (a 10-word slogan) are scored but with
// the model's verdict pulled towards neutral, since a handful of
// characters is weak evidence either way.
const minFluencyRunes = 60

// ngramModel is an interpolated Witten–Bell model over small integer
// symbols. Contexts are packed into uint64 keys, 6 bits per symbol plus
// the context length, so lookups hash integers, not strings.
type ngramModel struct {
	order   int
	symbols int // alphabet size, for the uniform base distribution
	ctx     map[uint64]ctxStats
	pair    map[uint64]uint32 // (context key, next symbol) → count
}

type ctxStats struct{ total, types uint32 }

func ctxKey(hist []uint16) uint64 {
	k := uint64(len(hist))
	for _, s := range hist {
		k = k<<10 | uint64(s)
	}
	return k
}

func newNgram(order, symbols int) *ngramModel {
	return &ngramModel{order: order, symbols: symbols, ctx: map[uint64]ctxStats{}, pair: map[uint64]uint32{}}
}

// train counts every symbol after every context of length 0..order-1.
func (m *ngramModel) train(seq []uint16) {
	for i, s := range seq {
		for n := 0; n < m.order && n <= i; n++ {
			k := ctxKey(seq[i-n : i])
			pk := k<<10 | uint64(s)
			c := m.pair[pk]
			st := m.ctx[k]
			if c == 0 {
				st.types++
			}
			st.total++
			m.ctx[k] = st
			m.pair[pk] = c + 1
		}
	}
}

// prob is P(s | hist) with Witten–Bell interpolation down to uniform.
func (m *ngramModel) prob(hist []uint16, s uint16) float64 {
	if len(hist) > m.order-1 {
		hist = hist[len(hist)-(m.order-1):]
	}
	p := 1 / float64(m.symbols)
	for n := 0; n <= len(hist); n++ {
		h := hist[len(hist)-n:]
		k := ctxKey(h)
		st, ok := m.ctx[k]
		if !ok {
			break // longer contexts were not seen either
		}
		c := float64(m.pair[k<<10|uint64(s)])
		t, tot := float64(st.types), float64(st.total)
		p = (c + t*p) / (tot + t)
	}
	return p
}

// crossEntropy is the mean of -log2 P over seq, each symbol predicted
// from up to context symbols before it (order-1 for the full model, 0 for
// its unigram).
func (m *ngramModel) crossEntropy(seq []uint16, context int) float64 {
	if len(seq) == 0 {
		return 0
	}
	var sum float64
	for i, s := range seq {
		sum -= math.Log2(m.prob(seq[max(0, i-context):i], s))
	}
	return sum / float64(len(seq))
}

// fluencyModel pairs the two models.
type fluencyModel struct {
	chars, words *ngramModel
	classes      map[string]uint16 // function word → symbol
}

// Symbols of the character alphabet: 1–26 letters, then these.
const (
	symDigit = 27 + iota
	symSpace
	symStop
	symComma
	symQuote
	symDash
	symPunct
	symOther
	charSymbols
)

func charSymbol(r rune) uint16 {
	r = unicode.ToLower(r)
	switch {
	case r >= 'a' && r <= 'z':
		return uint16(r-'a') + 1
	case unicode.IsDigit(r):
		return symDigit
	case unicode.IsSpace(r):
		return symSpace
	case r == '.' || r == '!' || r == '?':
		return symStop
	case r == ',':
		return symComma
	case r == '\'' || r == '"' || r == '’' || r == '‘' || r == '“' || r == '”':
		return symQuote
	case r == '-' || r == '–' || r == '—':
		return symDash
	case r == ';' || r == ':' || r == '(' || r == ')':
		return symPunct
	}
	return symOther
}

// charSeq maps text to symbols, collapsing runs of spaces.
func charSeq(text string) []uint16 {
	seq := make([]uint16, 0, len(text))
	for _, r := range text {
		s := charSymbol(r)
		if s == symSpace && len(seq) > 0 && seq[len(seq)-1] == symSpace {
			continue
		}
		seq = append(seq, s)
	}
	return seq
}

// functionWords are the closed-class words the word-class model keeps as
// themselves; every other word is one class. They carry English grammar:
// salad has too few of them, a shuffle has them in the wrong places.
var functionWords = strings.Fields(`the a an of to in on at by for with from into over under about as
and or but nor so yet if then than when while because since although though unless until
is are was were be been being am do does did done has have had having will would shall should can could may might must
it its it's this that these those there here which who whom whose what where why how
i me my we us our you your he him his she her they them their one ones
not no all any each every some more most many much few other such only own same very too also just
up out off down again once both either neither`)

// Word-class symbols besides the function words.
const (
	wcWord = iota + 1 // any other word
	wcNum
	wcStop  // . ! ?
	wcComma // , ; :
	wcFirstFunction
)

func newFluencyModel(corpus string) *fluencyModel {
	m := &fluencyModel{classes: map[string]uint16{}}
	for i, w := range functionWords {
		m.classes[w] = uint16(wcFirstFunction + i)
	}
	m.chars = newNgram(charOrder, charSymbols)
	m.words = newNgram(wordOrder, wcFirstFunction+len(functionWords))
	for _, line := range strings.Split(corpus, "\n") {
		if line == "" {
			continue
		}
		m.chars.train(charSeq(line + " "))
		m.words.train(m.wordSeq(line))
	}
	return m
}

// wordSeq maps text to word-class symbols.
func (m *fluencyModel) wordSeq(text string) []uint16 {
	var seq []uint16
	for _, f := range strings.Fields(text) {
		core := strings.ToLower(strings.TrimFunc(f, func(r rune) bool { return !isWordRune(r) && r != '\'' }))
		if core != "" {
			switch c, ok := m.classes[core]; {
			case ok:
				seq = append(seq, c)
			case strings.IndexFunc(core, unicode.IsLetter) < 0:
				seq = append(seq, wcNum)
			default:
				seq = append(seq, wcWord)
			}
		}
		switch last := f[len(f)-1]; last {
		case '.', '!', '?':
			seq = append(seq, wcStop)
		case ',', ';', ':':
			seq = append(seq, wcComma)
		}
	}
	return seq
}

// defaultFluency is built once per process from the embedded corpus; it is
// never written after construction, so sharing it is safe.
var defaultFluency = sync.OnceValue(func() *fluencyModel { return newFluencyModel(englishCorpus) })

// fluencyResult is one text's measurement.
type fluencyResult struct {
	charBits    float64 // character cross-entropy, bits per character
	grammarGain float64 // word-class bits per word saved by context
	// functionShare is the share of function words in the sentences the
	// grammar model read.
	functionShare float64
	// sentenceShare is the share of the text's words that stand in
	// sentences (units: sentences, list items, JSON strings) of
	// grammarMinWords or more, the ones the grammar model reads; 0 for a
	// text without words. Prose is almost all sentences, a run of
	// fragments ("Majority store. Overlap. Quorum leader.") none.
	sentenceShare float64
	// statementShare is the share of the text's words that stand in
	// units the grammar model reads or that hold a function word: a
	// terse item such as "Use the imperative mood" or "Explain why" is a
	// statement, a bare "Subject short." or "Evidence." is not.
	statementShare float64
	score          float64 // 0..1
	runes          int
}

// fluency measures how much text reads like English prose. Layout is
// removed first (list markers; a JSON answer is read as its string values
// and keys), so a well-formed list or JSON object is judged on its words.
func (m *fluencyModel) fluency(text string) fluencyResult {
	// The text a reader sees: invisible characters gone, look-alike
	// letters read as the letters they imitate.
	cs := charSeq(proseOf(foldText(text)))
	r := fluencyResult{runes: len(cs)}
	if len(cs) == 0 {
		// Nothing to read as prose (a JSON object of numbers and
		// identifiers): no evidence either way. An empty answer is
		// scored 0 before fluency is asked.
		r.score = noGrammarEvidence
		return r
	}
	r.charBits = m.chars.crossEntropy(cs, charOrder-1)
	fc := logistic((charMid - r.charBits) / charScale)
	// The grammar gain: how many bits per word the word-class trigram
	// saves over the same classes drawn independently. English saves
	// about a bit; salad and shuffles save nothing or lose, because their
	// function words (if any) sit where grammar would not put them. Only
	// sentences of grammarMinWords or more count: a list item "Paper map
	// and compass" has no grammar to judge.
	var seq []uint16
	var all, inSentences, inStatements int
	for _, u := range answerUnits(text) {
		n := len(words(u))
		all += n
		ws := m.wordSeq(u)
		if len(ws) >= grammarMinWords {
			seq = append(seq, ws...)
			seq = append(seq, wcStop)
			inSentences += n
			inStatements += n
		} else if functionShare(ws) > 0 {
			inStatements += n
		}
	}
	if all > 0 {
		r.sentenceShare = float64(inSentences) / float64(all)
		r.statementShare = float64(inStatements) / float64(all)
	}
	fw := noGrammarEvidence
	if len(seq) > 0 {
		r.grammarGain = m.grammarGain(seq)
		// A dozen words are weak evidence of word order either way: below
		// grammarFullWords the verdict is pulled towards neutral.
		w := min(1, float64(len(seq))/grammarFullWords)
		fw = w*logistic((r.grammarGain-gainMid)/gainScale) + (1-w)*noGrammarEvidence
		// The share of function words is evidence even in a short text:
		// English sentences are a third to a half function words, a slogan
		// a fifth, a salad of content words almost none.
		r.functionShare = functionShare(seq)
		fw = min(fw, logistic((r.functionShare-functionMid)/functionScale))
	}
	// Either failure is disqualifying: salad passes the character model,
	// gibberish with spaces in English-like places can pass the word model.
	s := min(fc, fw)
	if r.runes < minFluencyRunes {
		w := float64(r.runes) / minFluencyRunes
		s = w*s + (1-w)*0.75
	}
	r.score = s
	return r
}

// functionShare is the share of word tokens in seq that are function
// words.
func functionShare(seq []uint16) float64 {
	words, fn := 0, 0
	for _, s := range seq {
		switch {
		case s >= wcFirstFunction:
			fn++
			words++
		case s == wcWord || s == wcNum:
			words++
		}
	}
	if words == 0 {
		return 0
	}
	return float64(fn) / float64(words)
}

// grammarShuffles is how many fixed permutations grammarGain averages.
const grammarShuffles = 4

// grammarGain is how many bits per word the word-class model saves on the
// text in its own order over the same words shuffled. Comparing a text
// with its own permutations cancels out which classes it uses, leaving
// only whether their order is English: about a bit per word for prose,
// nothing for salad (whose order carries no grammar) or for a shuffled
// prompt. The permutations come from a fixed seed, so the gain is a pure
// function of the text.
func (m *fluencyModel) grammarGain(seq []uint16) float64 {
	own := m.words.crossEntropy(seq, wordOrder-1)
	rng := rand.New(rand.NewPCG(uint64(len(seq)), 0x5eed))
	shuf := slices.Clone(seq)
	var sum float64
	for range grammarShuffles {
		rng.Shuffle(len(shuf), func(i, j int) { shuf[i], shuf[j] = shuf[j], shuf[i] })
		sum += m.words.crossEntropy(shuf, wordOrder-1)
	}
	return sum/grammarShuffles - own
}

// proseOf strips layout so the models read words: list markers go, and a
// JSON value becomes its strings, each ended as a sentence.
func proseOf(text string) string {
	body := StripFence(strings.TrimSpace(text))
	var v any
	if json.Unmarshal([]byte(body), &v) == nil {
		var parts []string
		collectStrings(v, &parts)
		return strings.Join(parts, " ")
	}
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(listMarker.ReplaceAllString(l, ""))
		if l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, " ")
}

// collectStrings appends every string in a JSON value in a fixed order:
// arrays in order, objects by sorted key (Go maps have no order).
func collectStrings(v any, out *[]string) {
	switch x := v.(type) {
	case string:
		s := strings.TrimSpace(x)
		if identifier(s) {
			return
		}
		if !strings.ContainsAny(s[len(s)-1:], ".!?") {
			s += "."
		}
		if s != "" {
			*out = append(*out, s)
		}
	case []any:
		for _, e := range x {
			collectStrings(e, out)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			collectStrings(x[k], out)
		}
	}
}

// identifier reports whether a JSON string is a name or a code rather
// than words ("llama-3.1-8b", "board_analyser", "3.2.0"): one token with
// digits or joining punctuation. The character model would read it as
// gibberish, and a JSON answer is entitled to such values.
func identifier(s string) bool {
	if s == "" {
		return true
	}
	return !strings.ContainsFunc(s, unicode.IsSpace) && strings.ContainsAny(s, "-_./:0123456789")
}

func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
