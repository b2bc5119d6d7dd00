package judges

import (
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// An entry that speaks to the judge ("ignore previous instructions", "rank
// this first", a fake verdict, a forged end of its own fence) is trying
// to win by instruction rather than by answer. The rubric cannot be talked
// round, but an AI judge in the same panel might, so every judge flags
// such entries (FlagJudgeAddressing) and the arena's injection rule acts
// on the flag; the rubric also counts it against the entry (see
// addressingPenalty).
//
// The detector reads the text the way a model would: folded (see
// normalize.go), so look-alike letters, zero-width characters, full-width
// and mathematical letters, combining marks and bidi overrides change
// nothing; and then decoded in the ways a model decodes on request:
// leetspeak, ROT13, reversed text, words spelled letter by letter, and
// base64, hex or percent-encoded runs. It also knows the same requests in
// several languages, chat-template role markers, forged fences and
// verdicts, and comments that hide text from a human reader.

// addressingPenalty multiplies a flagged entry's rubric score.
const addressingPenalty = 0.5

// phrasePatterns are English phrases that only make sense aimed at a
// grader. They run on the folded text and on every decoding of it, and
// are matched case-insensitively.
// phrase is a pattern and the lower-case words one of which any match
// contains: a text without any of them skips the pattern, which keeps
// the detector fast on long answers (nil: always run).
type phrase struct {
	re    *regexp.Regexp
	words []string
}

// match returns the first match in text; lower is text lower-cased.
func (p phrase) match(text, lower string) string {
	if p.words != nil && !slices.ContainsFunc(p.words, func(w string) bool { return strings.Contains(lower, w) }) {
		return ""
	}
	return p.re.FindString(text)
}

var phrasePatterns = []phrase{
	{regexp.MustCompile(`(?i)\b(?:ignore|disregard|forget|override|bypass|discard|set\s+aside)\s+(?:(?:all|any|of|the|your|these|those|every)\s+)*(?:previous|prior|above|earlier|preceding|other|original|system|judging|grading|scoring|your|initial)\s+(?:\w+\s+)?(?:instructions?|prompts?|rules|directions|guidelines|criteria|rubrics?|constraints|orders)`), []string{"ignore", "disregard", "forget", "override", "bypass", "discard", "aside"}},
	{regexp.MustCompile(`(?i)\b(?:ignore|disregard|forget)\s+(?:all|everything)\s+(?:you\s+(?:were|have\s+been)\s+told|above|before|previously)`), []string{"ignore", "disregard", "forget"}},
	{regexp.MustCompile(`(?i)\b(?:rank|rate|score|grade|crown|declare)\s+(?:this|me|my|our|it|the\s+following|entry\s+\w+|E\d+)(?:\s+\w+)?\s+(?:as\s+)?(?:the\s+)?(?:first|1st|highest|top|#\s?1|number\s+one|best|winner|above\s+(?:the\s+|all\s+)?others?|higher\s+than|10/10|100%)`), []string{"rank", "rate", "score", "grade", "crown", "declare"}},
	{regexp.MustCompile(`(?i)\b(?:choose|pick|select|place|put|mark|list|prefer)\s+(?:me|(?:this|my|our)\s+(?:answer|entry|response|submission))\s+(?:as\s+)?(?:the\s+)?(?:first|1st|highest|top|#\s?1|number\s+one|best|winner|above|over|higher)`), []string{"choose", "pick", "select", "place", "put", "mark", "list", "prefer"}},
	{regexp.MustCompile(`(?i)\b(?:as|to|dear|attention|note\s+(?:to|for)|hey|hello|hi|message\s+(?:to|for))\s+(?:the\s+|an?\s+|any\s+|all\s+)?(?:ai\s+|llm\s+|automated\s+|human\s+)?(?:judges?|graders?|evaluators?|assessors?|reviewers?\s+model|judging\s+model|scoring\s+model)\b`), []string{"judg", "grader", "evaluator", "assessor", "model"}},
	{regexp.MustCompile(`(?i)(?:^|\n)\s*[#*>\-\s]*(?:the\s+)?(?:judge|grader|evaluator|assessor)(?:'s)?\s*(?:notes?|comments?|verdict|decision|instructions?)?\s*:`), []string{"judge", "grader", "evaluator", "assessor"}},
	{regexp.MustCompile(`(?i)\b(?:give|award|assign|grant)\s+(?:this|me|my|our|it)(?:\s+\w+)?\s+(?:a\s+|the\s+)?(?:perfect|full|maximum|max|highest|top|10/10|100%|5-star|five-star)(?:\s+(?:score|marks?|rating|rank|points))?`), []string{"give", "award", "assign", "grant"}},
	{regexp.MustCompile(`(?i)\b(?:full|maximum|perfect)\s+(?:marks|score|points)\s+(?:to|for)\s+(?:this|me|my|it)\b`), []string{"marks", "score", "points"}},
	{regexp.MustCompile(`(?i)\bsystem\s+prompt\b`), []string{"system"}},
	{regexp.MustCompile(`(?i)\byou\s+(?:must|should|will|shall|need\s+to|have\s+to|are\s+(?:required|instructed|told)\s+to)\s+(?:now\s+)?(?:rank|score|rate|prefer|choose|pick|select|grade|favou?r)\b`), []string{"you"}},
	{regexp.MustCompile(`(?i)\byou\s+are\s+(?:now\s+)?(?:an?\s+|the\s+)?(?:impartial\s+|fair\s+|expert\s+|ai\s+|llm\s+)?(?:judges?|graders?|evaluators?|assessors?)\b`), []string{"you"}},
	{regexp.MustCompile(`(?i)\bthis\s+(?:answer|response|entry|submission)\s+(?:is\s+(?:the\s+)?(?:best|winner|winning)|should\s+(?:win|be\s+(?:ranked|rated|scored|chosen|selected|picked|preferred|first))|must\s+(?:win|be\s+(?:ranked|rated|scored|chosen|selected|first))|wins|deserves|has\s+been\s+(?:pre-?approved|selected|chosen))`), []string{"this"}},
	{regexp.MustCompile(`(?i)\b(?:system|admin(?:istrator)?|developer|organi[sz]er|moderator)s?\s+(?:override|notice)\b`), []string{"override", "notice"}},
	{regexp.MustCompile(`(?i)\b(?:message|note|notice|instructions?|update)\s+from\s+(?:the\s+)?(?:system|organi[sz]ers?|administrators?|admins?|developers?|moderators?)\b`), []string{"from"}},
	{regexp.MustCompile(`(?i)\b(?:the\s+)?organi[sz]ers\s+(?:have\s+)?(?:updated|decided|approved|ruled|confirmed|changed)\b`), []string{"organi"}},
	{regexp.MustCompile(`(?i)\b(?:new|updated|revised|real|actual|additional|hidden|secret|true)\s+(?:instructions?|task|criteria|rubric|guidance)\s*:`), []string{"instruction", "task", "criteria", "rubric", "guidance"}},
	{regexp.MustCompile(`(?i)\b(?:grading|scoring|evaluation|judging|ranking)\s+(?:guidance|instructions?|notes?|rules?|override)\s*:`), []string{"guidance", "instruction", "note", "rule", "override"}},
	{regexp.MustCompile(`(?i)\b(?:the\s+|all\s+)?other\s+(?:entries|answers|responses|submissions|contestants|competitors)\s+(?:(?:are|is|were)\s+(?:all\s+)?(?:wrong|worse|incorrect|inferior|bad|weak|injections?|invalid|plagiari[sz]ed)|contain\s+(?:\w+\s+)?(?:errors|mistakes|injections?|inaccuracies)|should\s+(?:be\s+)?(?:disqualified|ranked|penali[sz]ed|ignored|rejected|lose|score))`), []string{"other"}},
	{regexp.MustCompile(`(?i)\b(?:score|rating|rated|grade|self-?assessment|marks?)\s*[:=]?\s*(?:of\s+)?(?:10\s*/\s*10|100\s*/\s*100|5\s*/\s*5|100\s*%|a\s+perfect)`), []string{"10", "5/5", "perfect"}},
	{regexp.MustCompile(`(?i)\b(?:final\s+)?(?:verdict|ranking|winner)\s*[:=]\s*\[?\s*["']?(?:E\d|entry|seat|answer|response)`), []string{"verdict", "ranking", "winner"}},
	{regexp.MustCompile(`\bE\d+\s*(?:(?:>|≻|beats)\s*E\d+\b|wins\b|is\s+the\s+(?:best|winner))`), nil},
}

// structuralPatterns find text shaped to be read as something other than
// the entry: chat-template role markers, a forged fence or end of entry,
// and comments that hide text from a person reading the answer. They run
// on the folded text only; detail names what was forged.
var structuralPatterns = []struct {
	re     *regexp.Regexp
	detail string
}{
	{regexp.MustCompile(`(?i)<\|\s*(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text)\s*\|>`), "forges a chat role"},
	{regexp.MustCompile(`(?i)\[/?INST\]|<</?SYS>>`), "forges a chat role"},
	{regexp.MustCompile(`(?im)^\s*(?:system|assistant)\s*(?:message|prompt|turn)?\s*:.*\b(?:rank\w*|scor\w*|rules?|instructions?|winner|judge|entry|entries|verdict|reviewed|superior|best|first)\b`), "forges a chat role"},
	{regexp.MustCompile(`(?i)<<\s*(?:begin|end)\b`), "forges the entry's boundary"},
	{regexp.MustCompile(`(?im)^[\s=\-#*_\[<(]*end\s+of\s+(?:the\s+)?(?:answer|entry|response|submission|input|data|entries|text)\b`), "forges the entry's boundary"},
	{regexp.MustCompile(`(?i)</?\s*(?:answer|entry|response|submission|task|instructions?|system|user|assistant|judge|entries|untrusted[_-]?\w*)\s*>`), "forges the entry's boundary"},
	{regexp.MustCompile(`<!--[\s\S]*?(?:-->|$)`), detailHidden},
	{regexp.MustCompile(`(?m)^\s*\[[^\]\n]*\]:\s*(?:#|<>)\s*["'(]`), detailHidden},
}

const detailHidden = "hides text in a comment"

// markupTask finds tasks about markup, whose answers may hold comments.
var markupTask = regexp.MustCompile(`(?i)\b(?:html|xml|markdown|svg|comments?)\b`)

// multilingualPatterns are the commonest requests in other languages. They
// run on the text with invisible characters removed but letters kept,
// since folding would turn Cyrillic into Latin. Go's \b is ASCII-only, so
// patterns in other scripts do without it.
var multilingualPatterns = []*regexp.Regexp{
	// French
	regexp.MustCompile(`(?i)\bignore[rz]?\s+(?:toutes\s+)?(?:les\s+)?(?:instructions|consignes|règles|directives)\s+(?:précédentes|antérieures|ci-dessus|données)`),
	regexp.MustCompile(`(?i)\b(?:classe[rz]?|note[rz]?|mets|mettez)\s+(?:cette|ma)\s+réponse\s+(?:en\s+)?(?:premi[eè]re?|t[eê]te|meilleure|1)`),
	regexp.MustCompile(`(?i)\b(?:cher|chère|au|monsieur\s+le|madame\s+la)\s+(?:juge|correcteur|correctrice|évaluateur|évaluatrice)\b`),
	// Spanish, Portuguese, Italian
	regexp.MustCompile(`(?i)\bignor[ae][rd]?\s+(?:todas\s+|tutte\s+)?(?:las\s+|as\s+|le\s+)?(?:instrucciones|instruções|istruzioni|reglas|regras|regole|indicaciones)\s+(?:anteriores|previas|precedenti|prévias)`),
	regexp.MustCompile(`(?i)\b(?:querido|estimado|al|caro|prezado)\s+(?:juez|evaluador|giudice|valutatore|juiz|avaliador)\b`),
	regexp.MustCompile(`(?i)\besta\s+respuesta\s+(?:es\s+la\s+mejor|como\s+la\s+mejor|en\s+(?:el\s+)?primer\s+lugar)`),
	// German
	regexp.MustCompile(`(?i)\bignorier(?:e|en|t)?\s+(?:sie\s+)?(?:alle\s+)?(?:vorherigen|bisherigen|obigen|früheren|vorigen)\s+(?:anweisungen|instruktionen|regeln|vorgaben|befehle)`),
	regexp.MustCompile(`(?i)\b(?:lieber|liebe|sehr\s+geehrter?|an\s+den|an\s+die)\s+(?:richter|richterin|prüfer|prüferin|bewerter|bewerterin|gutachter)\b`),
	regexp.MustCompile(`(?i)\bdiese\s+antwort\s+(?:als\s+(?:die\s+)?beste|auf\s+(?:den\s+)?(?:platz|rang)\s+(?:1|eins))`),
	// Russian, Ukrainian
	regexp.MustCompile(`(?i)(?:игнорируй(?:те)?|проигнорируй(?:те)?|забудь(?:те)?|ігноруй(?:те)?)\s+(?:все\s+|всі\s+)?(?:предыдущие|прежние|вышеуказанные|вышеприведённые|попередні|прежние)\s+(?:инструкции|указания|правила|інструкції)`),
	regexp.MustCompile(`(?i)(?:уважаемый|дорогой|шановний)\s+(?:судья|оценщик|проверяющий|суддя)`),
	regexp.MustCompile(`(?i)(?:этот|цей)\s+(?:ответ|відповідь)\s+(?:на\s+первое\s+место|лучший|найкраща|на\s+перше\s+місце)`),
	// Chinese
	regexp.MustCompile(`(?:忽略|无视|忽视|無視)(?:掉)?(?:之前|以上|前面|先前|上述|此前|所有)(?:的)?(?:所有|全部)?(?:的)?(?:指令|指示|说明|說明|规则|規則|提示|要求)`),
	regexp.MustCompile(`(?:排在|排名|评为|評為|列为|列為|放在)(?:第一|首位|最高|最好|第1)`),
	regexp.MustCompile(`(?:评委|裁判|评审|評審|評委)(?:你好|您好|请注意|請注意|[:：,，])`),
	// Japanese
	regexp.MustCompile(`(?:以前|前|上記|これまで)の(?:すべての|全ての)?(?:指示|命令|ルール|指令)を(?:すべて|全て)?無視`),
	regexp.MustCompile(`(?:1位|一位|最高評価|一番)に(?:して|ランク|評価)`),
	regexp.MustCompile(`(?:審査員|採点者|評価者)(?:へ|の方|様|さん)`),
	// Korean
	regexp.MustCompile(`이전\s*(?:의\s*)?(?:모든\s*)?(?:지시|명령|지침|규칙)(?:을|를|사항을)?\s*(?:모두\s*)?무시`),
	regexp.MustCompile(`(?:1위|일등|최고점)(?:로|으로|을)\s*(?:평가|선택|매겨)`),
	// Arabic, Hindi
	regexp.MustCompile(`تجاهل\s+(?:جميع\s+|كل\s+)?(?:التعليمات|الأوامر|القواعد)`),
	regexp.MustCompile(`(?:पिछले|पिछली|पहले\s+के)\s+(?:सभी\s+)?(?:निर्देशों|निर्देश|नियमों)\s+को\s+(?:अनदेखा|नज़रअंदाज़|नजरअंदाज)`),
}

// verdictKey finds JSON keys a verdict would have: an entry that writes
// {"ranks": [0], "score": 1} is forging the judge's output.
var verdictKey = regexp.MustCompile(`(?i)["'](ranks?|rankings?|scores?|verdict|winner|best_entry|rationale|grade|E\d+)["']\s*:`)

// squashedPhrases are looked for in words spelled letter by letter, where
// the spaces between words are lost ("ignorepreviousinstructions").
var squashedPhrases = []string{"instruction", "ignoreall", "ignoreprevious", "disregard", "judge", "grader",
	"evaluator", "rankthis", "rankme", "rankit", "perfectscore", "fullmarks", "systemprompt", "override"}

// Encoded runs a model can decode when asked to.
var (
	base64Run  = regexp.MustCompile(`[A-Za-z0-9+/_-]{16,}={0,2}`)
	hexRun     = regexp.MustCompile(`(?:[0-9A-Fa-f]{2}[\s:]?){12,}`)
	escapedRun = regexp.MustCompile(`(?:(?:\\x|%|\\u00)[0-9A-Fa-f]{2}){8,}`)
)

// maxDecodedRuns bounds the encoded runs decoded per entry, so a text of
// many short runs cannot make detection slow.
const maxDecodedRuns = 64

// detectAddressing returns a description of the first way text addresses
// the judge, or "" if it does not. A phrase the task itself uses is not
// held against the entry (a prompt about LLMs may ask what a "system
// prompt" is), and neither is a JSON key the task asked for.
func detectAddressing(task Task, text string) string {
	prompt := foldText(task.Prompt)
	folded := foldText(text)
	if d := detectPlain(task, prompt, folded); d != "" {
		return d
	}
	plain := stripInvisible(text)
	ascii := isASCII(plain)
	for _, re := range multilingualPatterns {
		if ascii && !isASCII(re.String()) && !latinPattern(re) {
			continue // a pattern in another script cannot match ASCII text
		}
		if m := re.FindString(plain); m != "" && !re.MatchString(task.Prompt) {
			return "addresses the judge: " + quoteSnippet(m)
		}
	}
	for _, enc := range []struct {
		name string
		text string
	}{{"in leetspeak", unleet(folded)}, {"in ROT13", rot13(folded)}, {"written backwards", reverse(folded)}} {
		if d := detectPhrases(prompt, enc.text); d != "" {
			return "addresses the judge " + enc.name + ": " + d
		}
	}
	for _, run := range spelledOut(folded) {
		for _, p := range squashedPhrases {
			if strings.Contains(run, p) && !strings.Contains(strings.ToLower(prompt), p) {
				return "addresses the judge letter by letter: " + quoteSnippet(run)
			}
		}
	}
	for _, dec := range decodedRuns(folded) {
		inner := foldText(dec.text)
		if d := detectPlain(task, prompt, inner); d != "" {
			return "decoded from " + dec.name + ", " + d
		}
		if d := detectPhrases(prompt, rot13(inner)); d != "" {
			return "decoded from " + dec.name + " and ROT13, addresses the judge: " + d
		}
	}
	return ""
}

// detectPlain runs the phrase, structural and verdict-key checks on
// already folded text.
func detectPlain(task Task, prompt, folded string) string {
	if d := detectPhrases(prompt, folded); d != "" {
		return "addresses the judge: " + d
	}
	markup := markupTask.MatchString(prompt)
	for _, sp := range structuralPatterns {
		if sp.detail == detailHidden && markup {
			continue // the task asks about markup, so comments may be the answer
		}
		if m := sp.re.FindString(folded); m != "" && !sp.re.MatchString(prompt) {
			return sp.detail + ": " + quoteSnippet(m)
		}
	}
	for _, m := range verdictKey.FindAllStringSubmatch(folded, -1) {
		if !keyAllowed(task, m[1]) {
			return "forges a verdict: " + quoteSnippet(m[0])
		}
	}
	return ""
}

// detectPhrases returns the first phrase pattern text matches, quoted,
// skipping patterns the (folded) prompt matches itself.
func detectPhrases(prompt, text string) string {
	if text == "" {
		return ""
	}
	lower := strings.ToLower(text)
	for _, p := range phrasePatterns {
		if m := p.match(text, lower); m != "" && !p.re.MatchString(prompt) {
			return quoteSnippet(m)
		}
	}
	return ""
}

// isASCII reports whether s is all ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// latinPattern reports whether a multilingual pattern starts with a Latin
// letter, so it may match ASCII text although it mentions accented
// letters ("ignorez les instructions précédentes" written without
// accents still matches "ignorez les instructions").
func latinPattern(re *regexp.Regexp) bool {
	src := strings.TrimPrefix(re.String(), "(?i)")
	src = strings.TrimPrefix(src, `\b`)
	src = strings.TrimPrefix(src, "(?:")
	return src != "" && src[0] < utf8.RuneSelf && unicode.IsLetter(rune(src[0]))
}

// decoded is an encoded run of an entry and what it decodes to.
type decoded struct {
	name string // "base64", "hex", "escapes"
	text string
}

// decodedRuns finds runs that decode (base64, hex, \x or % escapes) to
// mostly printable text. Runs of plain letters that happen to be valid
// base64 decode to binary noise and are dropped by the printable test.
func decodedRuns(text string) []decoded {
	var out []decoded
	for _, m := range base64Run.FindAllString(text, maxDecodedRuns) {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(m); err == nil && printable(b) {
				out = append(out, decoded{"base64", string(b)})
				break
			}
		}
	}
	for _, m := range hexRun.FindAllString(text, maxDecodedRuns) {
		h := strings.Map(func(r rune) rune {
			if r == ' ' || r == ':' || r == '\n' || r == '\t' {
				return -1
			}
			return r
		}, m)
		if b, err := hex.DecodeString(h[:len(h)&^1]); err == nil && printable(b) {
			out = append(out, decoded{"hex", string(b)})
		}
	}
	for _, m := range escapedRun.FindAllString(text, maxDecodedRuns) {
		var b []byte
		for i := 0; i < len(m); {
			switch {
			case strings.HasPrefix(m[i:], `\u00`):
				i += 4
			case strings.HasPrefix(m[i:], `\x`):
				i += 2
			default:
				i++
			}
			v, _ := strconv.ParseUint(m[i:i+2], 16, 8)
			b = append(b, byte(v))
			i += 2
		}
		if printable(b) {
			out = append(out, decoded{"escapes", string(b)})
		}
	}
	return out
}

// printable reports whether b is UTF-8 text of which at least 90% of the
// runes are letters, digits, punctuation or spaces.
func printable(b []byte) bool {
	if len(b) < 8 || !utf8.Valid(b) {
		return false
	}
	good, all := 0, 0
	for _, r := range string(b) {
		all++
		if unicode.IsPrint(r) || r == '\n' || r == '\t' {
			good++
		}
	}
	return good*10 >= all*9
}

// keyAllowed reports whether a verdict-like key is legitimate for the
// task: asked for as a JSON key, or a word the prompt itself uses.
func keyAllowed(task Task, key string) bool {
	for _, k := range task.Criteria.JSONKeys {
		if strings.EqualFold(k, key) {
			return true
		}
	}
	return hasTerm(task.Prompt, key)
}

// quoteSnippet quotes a matched phrase for a flag, cut to 60 bytes on a
// rune boundary and with line breaks flattened.
func quoteSnippet(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 60 {
		cut := 60
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return `"` + s + `"`
}
