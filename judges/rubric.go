package judges

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/agentarena/arena/task"
)

// RubricName identifies the rubric judge and the version of its rules in
// stored verdicts. Change the version whenever a score could change.
// v2: the judge-addressing detector reads folded and decoded text, and
// non-answers are flagged (see addressing.go, nonanswer.go).
// v3: every check reads the answer as a reader sees it (NFKC, invisible
// characters removed, blank-looking ones as spaces) and terms match by
// TR39 skeleton, so look-alike letters, hidden characters and escapes
// neither avoid a forbidden term nor shrink a word count (normalize.go,
// terms.go); the detector also decodes escapes and entities.
// v4: the score adds content to compliance: fluency under an English
// language model and relevance to the prompt's key facts (content.go),
// and templated answers are flagged (template.go).
// v5: an entry whose caller passes the agent's earlier answers
// (Entry.Recent) is also flagged as a template when it fills the same
// frame as its answers to other prompts (reuse.go).
// v6: the key facts' words are slots of a frame like the prompt's own
// words, and an earlier answer is the same template from 10% of an
// entry's runs (was 20%), so sentence frames filled with the key facts'
// words are flagged across prompts (template.go, reuse.go); for prompts
// asking for JSON or a list, fluency counts in full from 0.8, so terse
// data is not beaten by the same data written as sentences (content.go);
// the detector knows more requests to the judge (addressing.go); a
// required or forbidden term counts in its plural too (textstats.go).
// v7: an entry that repeats another owner's answer to the same prompt,
// published before this agent gave it (Entry.Published, Entry.Own), is
// flagged as copied and its score halved (copy.go).
// v8: an outside gaming pass played strategies live against the text
// bots. Compliance counts in full only once an answer states a third of
// the key facts (fluent English on another subject beat txt-terse 107
// contests to 23); a prose prompt's answer of fragments, and a list or
// one-line answer of bare words, lose the fluency model's neutral
// verdict (the key facts' words as fragments ranked above txt-verbose);
// a JSON prompt's key facts count only under their key and the JSON
// types its text states are checked (the facts' words shuffled across
// the keys tied txt-careful); copies are compared as a reader reads
// them, so look-alike letters no longer hide one; the detector knows
// fourteen paraphrased requests to the judge it let through (content.go,
// relevance.go, keyfacts.json, copy.go, addressing.go).
const RubricName = "rubric-v8"

// Criterion weights. Length, terms and format are what prompts ask for
// explicitly, so they count double; the rest (ending, sentence length, and
// the always-on checks for repetition and for answering in one's own
// words rather than echoing the prompt) are hygiene. Required and
// forbidden terms share their weight equally, so a prompt with five
// required terms does not make terms five times as important.
const (
	weightWords      = 2
	weightRequired   = 2
	weightForbidden  = 2
	weightFormat     = 2
	weightEndsWith   = 1
	weightSentence   = 1
	weightRepetition = 1
	weightOwnWords   = 1
)

// repetitionTolerance is the repeated-trigram ratio still reported as
// "met"; the score falls with the ratio either way.
const repetitionTolerance = 0.1

// copyTolerance is the share of an answer's trigrams that may come from
// the prompt at no cost: restating the topic is normal, echoing the task
// back is not an answer. Above it the score falls linearly to 0 at a full
// copy.
const copyTolerance = 0.3

// RubricJudge scores each entry on the measurable criteria its task
// carries, with no model server: a fresh node can judge on its own. It is
// a pure function of its inputs, so the same task and entries give the
// same verdict bytes on every node and every run.
type RubricJudge struct{}

var _ Judge = (*RubricJudge)(nil)

// NewRubricJudge returns the offline rubric judge.
func NewRubricJudge() *RubricJudge { return &RubricJudge{} }

// Name returns RubricName.
func (*RubricJudge) Name() string { return RubricName }

// check is one criterion's outcome for one entry.
type check struct {
	label  string  // e.g. `required "quorum"`
	weight float64 // share of the weighted mean
	score  float64 // 0..1
	met    bool
}

// Rank scores every entry independently (so entry order cannot matter)
// and ranks by score. An empty entry scores 0.
func (j *RubricJudge) Rank(ctx context.Context, task Task, entries []Entry) (Verdict, error) {
	if len(entries) == 0 {
		return Verdict{}, errors.New("rubric judge: no entries")
	}
	v := Verdict{
		Judge:      RubricName,
		PromptHash: PromptHash(task.Prompt),
		Scores:     make([]float64, len(entries)),
	}
	lines := make([]string, len(entries))
	for i, e := range entries {
		if err := ctx.Err(); err != nil {
			return Verdict{}, err
		}
		flags := entryFlags(task, i, e)
		score, checks := scoreEntry(task, e.Text, flags)
		v.Scores[i] = score
		lines[i] = rationaleLine(e.Seat, score, checks)
		v.Flags = append(v.Flags, flags...)
	}
	v.Ranks = RanksFromScores(v.Scores)
	v.Rationale = strings.Join(lines, "\n")
	return v, nil
}

// scoreEntry returns an entry's rounded score and the checks behind it:
// compliance with the measurable criteria, combined with content
// (fluency and relevance, content.go), then cut for each flag. An entry
// flagged as a non-answer has its score cut by nonAnswerPenalty, one
// flagged as a template by templatePenalty, one flagged as copied by
// copiedPenalty, and one flagged for
// addressing the judge by addressingPenalty: addressing the judge is
// itself a criterion the rubric checks, as the AI judge's prompt asks the
// model to count it against the entry, whatever the arena's rule then
// does with the flag.
func scoreEntry(task Task, text string, flags []Flag) (float64, []check) {
	if strings.TrimSpace(readerView(text).text) == "" {
		return 0, []check{{label: "non-empty", weight: 1}}
	}
	compliance, checks := complianceScore(task, text)
	score, checks := contentScore(task, text, compliance, checks)
	for _, f := range flags {
		switch f.Kind {
		case FlagJudgeAddressing:
			score *= addressingPenalty
			checks = append(checks, check{label: "does not address the judge", met: false})
		case FlagNonAnswer:
			score *= nonAnswerPenalty
			checks = append(checks, check{label: "a real answer (" + f.Detail + ")", met: false})
		case FlagTemplate:
			score *= templatePenalty
			checks = append(checks, check{label: "written for this prompt (" + f.Detail + ")", met: false})
		case FlagCopied:
			score *= copiedPenalty
			checks = append(checks, check{label: "its own answer (" + f.Detail + ")", met: false})
		}
	}
	return RoundScore(score), checks
}

// complianceScore is the weighted mean of the measurable criteria and the
// always-on hygiene checks (repetition, own words), unrounded, for a
// non-empty text.
func complianceScore(task Task, text string) (float64, []check) {
	view := readerView(text)
	checks := criteriaChecks(task.Criteria, text)
	if c, ok := jsonTypesCheck(task, text); ok {
		checks = append(checks, c)
	}
	if t := view.tricks(); t != "" {
		// Not a criterion (weight 0): the rationale says what the checks
		// read through, so an owner sees why a count or a term differs
		// from a naive reading.
		checks = append(checks, check{label: "plain characters (" + t + ")"})
	}
	r := repeatedTrigramRatio(view.text)
	checks = append(checks, check{
		label:  fmt.Sprintf("repetition %s%%", fmtNum(r*100, 1)),
		weight: weightRepetition,
		score:  1 - r,
		met:    r <= repetitionTolerance,
	})
	cp := copiedTrigramRatio(view.text, plainView(task.Prompt))
	checks = append(checks, check{
		label:  fmt.Sprintf("own words (%s%% copied from the prompt)", fmtNum(cp*100, 1)),
		weight: weightOwnWords,
		score:  min(1, (1-cp)/(1-copyTolerance)),
		met:    cp <= copyTolerance,
	})
	var sum, total float64
	for _, c := range checks {
		sum += c.weight * c.score
		total += c.weight
	}
	return sum / total, checks
}

// criteriaChecks applies every criterion the task carries, in a fixed
// order, to the answer as a reader sees it (readerView); terms are
// matched by skeleton (terms.go). Only JSON validity reads the raw text,
// since a program, not a reader, parses it.
func criteriaChecks(c task.Criteria, raw string) []check {
	var out []check
	text := readerView(raw).text
	terms := newTermReader(raw)
	if c.MinWords > 0 || c.MaxWords > 0 {
		n := len(words(text))
		s := boundScore(n, c.MinWords, c.MaxWords)
		out = append(out, check{
			label:  fmt.Sprintf("words %d (want %s)", n, boundText(c.MinWords, c.MaxWords)),
			weight: weightWords, score: s, met: s == 1,
		})
	}
	for _, t := range c.Required {
		found, disguised := terms.find(t)
		out = append(out, check{label: "required " + strconv.Quote(t) + disguisedNote(disguised),
			weight: weightRequired / float64(len(c.Required)), score: b2f(found), met: found})
	}
	for _, t := range c.Forbidden {
		found, disguised := terms.find(t)
		out = append(out, check{label: "avoids " + strconv.Quote(t) + disguisedNote(disguised),
			weight: weightForbidden / float64(len(c.Forbidden)), score: b2f(!found), met: !found})
	}
	if c.Format != "" {
		s, label := formatScore(c, raw, text)
		out = append(out, check{label: label, weight: weightFormat, score: s, met: s == 1})
	}
	if c.EndsWith != "" {
		ok := endsWith(text, c.EndsWith)
		out = append(out, check{label: "ends with " + strconv.Quote(c.EndsWith),
			weight: weightEndsWith, score: b2f(ok), met: ok})
	}
	if c.MaxSentenceWords > 0 {
		avg := float64(len(words(text))) / float64(max(1, sentenceCount(text)))
		s := 1.0
		if avg > float64(c.MaxSentenceWords) {
			s = float64(c.MaxSentenceWords) / avg
		}
		out = append(out, check{
			label:  fmt.Sprintf("average sentence %s words (max %d)", fmtNum(avg, 1), c.MaxSentenceWords),
			weight: weightSentence, score: s, met: s == 1,
		})
	}
	return out
}

// formatScore checks the requested layout, on the reader's text, except
// JSON, which is parsed from the raw answer:
//   - bullets, numbered: share of non-empty lines that are items, times
//     the item-count bound score;
//   - json: 0 if invalid; 1 if valid and no keys are required; otherwise
//     ½ + ½·(share of required keys in a top-level object);
//   - one_line: 1 / number of non-empty lines;
//   - plain: share of non-empty lines free of list, heading and fence
//     markup.
//
// An unknown format is reported and scored as met, since the entry cannot
// be blamed for a criterion nobody can check.
func formatScore(c task.Criteria, raw, text string) (float64, string) {
	lines := nonEmptyLines(text)
	nl := float64(max(1, len(lines)))
	switch c.Format {
	case "bullets", "numbered":
		re := bulletItem
		if c.Format == "numbered" {
			re = numberedItem
		}
		items := 0
		for _, l := range lines {
			if re.MatchString(l) {
				items++
			}
		}
		s := float64(items) / nl * boundScore(items, c.MinItems, c.MaxItems)
		if items == 0 {
			s = 0
		}
		return s, fmt.Sprintf("%s list of %d items (want %s) in %d lines", c.Format, items, boundText(c.MinItems, c.MaxItems), len(lines))
	case "json":
		body := StripFence(raw)
		if !json.Valid([]byte(body)) {
			return 0, "valid JSON"
		}
		if len(c.JSONKeys) == 0 {
			return 1, "valid JSON"
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal([]byte(body), &obj) != nil {
			return 0.5, "JSON object with keys " + strings.Join(c.JSONKeys, ", ")
		}
		have := 0
		for _, k := range c.JSONKeys {
			if _, ok := obj[k]; ok {
				have++
			}
		}
		return 0.5 + 0.5*float64(have)/float64(len(c.JSONKeys)),
			fmt.Sprintf("JSON object with %d of %d keys", have, len(c.JSONKeys))
	case "one_line":
		return 1 / nl, fmt.Sprintf("one line (%d lines)", len(lines))
	case "plain":
		clean := 0
		for _, l := range lines {
			t := strings.TrimSpace(l)
			if !bulletItem.MatchString(l) && !numberedItem.MatchString(l) &&
				!strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "```") {
				clean++
			}
		}
		return float64(clean) / nl, "plain prose"
	}
	return 1, fmt.Sprintf("format %q (not checkable)", c.Format)
}

// weightJSONTypes is the weight of the JSON types check: half the
// format's, whose keys it refines.
const weightJSONTypes = 1

// jsonTypesCheck checks the JSON types a prompt of the built-in set
// states for its keys (promptFacts.Types): the share of them whose value
// in the answer's top-level object has the stated type. Like the format
// check it reads the raw answer with one fence stripped; an answer that
// is no JSON object meets none. ok is false when the prompt states no
// types.
func jsonTypesCheck(task Task, raw string) (check, bool) {
	facts := factsFor(task)
	if facts == nil || len(facts.Types) == 0 || task.Criteria.Format != "json" {
		return check{}, false
	}
	keys := make([]string, 0, len(facts.Types))
	for k := range facts.Types {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var obj map[string]any
	_ = json.Unmarshal([]byte(StripFence(raw)), &obj)
	var wrong []string
	for _, k := range keys {
		if !jsonTyped(obj[k], facts.Types[k]) {
			wrong = append(wrong, k+" ("+typeName(facts.Types[k])+")")
		}
	}
	ok := len(keys) - len(wrong)
	label := fmt.Sprintf("JSON values of the stated types (%d of %d)", ok, len(keys))
	if len(wrong) > 0 {
		label += ": not " + strings.Join(wrong, ", ")
	}
	s := float64(ok) / float64(len(keys))
	return check{label: label, weight: weightJSONTypes, score: s, met: s == 1}, true
}

// jsonTyped reports whether a decoded JSON value has the named type.
func jsonTyped(v any, typ string) bool {
	switch typ {
	case "string":
		s, ok := v.(string)
		return ok && strings.TrimSpace(s) != ""
	case "number":
		_, ok := v.(float64)
		return ok
	case "strings":
		a, ok := v.([]any)
		if !ok || len(a) == 0 {
			return false
		}
		for _, e := range a {
			if s, ok := e.(string); !ok || strings.TrimSpace(s) == "" {
				return false
			}
		}
		return true
	}
	return true // an unknown type cannot be held against the entry
}

func typeName(typ string) string {
	switch typ {
	case "strings":
		return "an array of strings"
	case "number":
		return "a number"
	}
	return "a " + typ
}

// endsWith compares the trimmed answer's end with want, case-insensitively.
// If want has no closing punctuation, the answer's own closing
// punctuation is ignored ("… Done." ends with "done"). The match must
// start at a word boundary, so "undone" does not end with "done".
func endsWith(text, want string) bool {
	got := strings.ToLower(strings.TrimSpace(text))
	want = strings.ToLower(strings.TrimSpace(want))
	if want == "" {
		return true
	}
	if !strings.ContainsAny(want[len(want)-1:], ".!?\"')") {
		got = strings.TrimRight(got, ".!?\"') ")
	}
	if !strings.HasSuffix(got, want) {
		return false
	}
	rest := got[:len(got)-len(want)]
	first := []rune(want)[0]
	if rest == "" || !isWordRune(first) {
		return true
	}
	last := []rune(rest)[len([]rune(rest))-1]
	return !isWordRune(last)
}

// rationaleLine is one entry's line: "seat 2: score 0.8; met: …; missed: …".
func rationaleLine(seat int, score float64, checks []check) string {
	var met, missed []string
	for _, c := range checks {
		if c.met {
			met = append(met, c.label)
		} else {
			missed = append(missed, c.label)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "seat %d: score %s", seat, fmtNum(score, 6))
	if len(met) > 0 {
		b.WriteString("; met: " + strings.Join(met, ", "))
	}
	if len(missed) > 0 {
		b.WriteString("; missed: " + strings.Join(missed, ", "))
	}
	return b.String()
}

// boundText renders a range: "40–80", "≥ 40", "≤ 80", "any".
func boundText(lo, hi int) string {
	switch {
	case lo > 0 && hi > 0:
		return fmt.Sprintf("%d–%d", min(lo, hi), max(lo, hi))
	case lo > 0:
		return fmt.Sprintf("≥ %d", lo)
	case hi > 0:
		return fmt.Sprintf("≤ %d", hi)
	}
	return "any"
}

// fmtNum formats with at most prec decimals and no trailing zeros, so the
// rationale reads "0.8", not "0.800000".
func fmtNum(x float64, prec int) string {
	s := strconv.FormatFloat(x, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRightFunc(strings.TrimRight(s, "0"), func(r rune) bool { return r == '.' })
	}
	return s
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
