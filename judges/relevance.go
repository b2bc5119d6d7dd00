package judges

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Relevance: does the answer say what a good answer to this prompt says?
// Every prompt of the built-in set (games/prompt/prompts.json) has a list
// of key facts in keyfacts.json, written by hand from the subject, not
// from any bot's answer. A fact is a list of concept groups, each a set of
// alternatives ("overlap|share|intersect"); it is covered when one
// sentence (a list item, a JSON string) holds an alternative of every
// group. Asking for the concepts together, in one sentence, is what makes
// this relevance rather than keyword presence: a list of the right nouns
// scattered through filler covers nothing, and a salad that puts them in
// one "sentence" is caught by the fluency model, which gates this score.
//
// Alternatives match at the start of a word, case-insensitively, on the
// folded text (look-alike letters read as the letters they imitate), so
// "overlap" also matches "overlaps" and "overlapping".
//
// Facts are pinned to the SHA-256 of the prompt text: if a prompt's
// wording changes, its facts no longer apply until they are reviewed, and
// the rubric falls back to judging without relevance (as it does for
// prompts outside the set).

//go:embed keyfacts.json
var keyFactsJSON []byte

// promptFacts is one prompt's entry in keyfacts.json.
type promptFacts struct {
	ID           string     `json:"id"`
	PromptSHA256 string     `json:"prompt_sha256"`
	Facts        [][]string `json:"facts"`
	// Keys, for a prompt that asks for a JSON object, name per fact the
	// top-level key whose value must state it ("" or absent: anywhere).
	// Up to rubric-v7 a JSON answer's strings were one pool, so the key
	// facts' words shuffled across the keys ({"person": "Bicycle.",
	// "time": "Repair.", …}) covered every fact and tied the best answer.
	Keys []string `json:"keys,omitempty"`
	// Types are the JSON types the prompt states for some keys ("an array
	// of strings", "a number from 0 to 1"): "string", "number" or
	// "strings" (a non-empty array of strings). The format check counts
	// them (jsonTypesCheck).
	Types map[string]string `json:"types,omitempty"`
	// PhraseItems marks a list prompt whose items are names or short
	// phrases ("one game per line with no descriptions", a packing list):
	// list items elsewhere are statements, and a list of bare words is
	// no answer there (contentScore).
	PhraseItems bool         `json:"phrase_items,omitempty"`
	groups      [][][]string // facts → groups → alternatives, lower-cased
}

// keyFacts indexes keyfacts.json by prompt id. It is parsed once and never
// written afterwards.
var keyFacts = sync.OnceValue(func() map[string]*promptFacts {
	var list []*promptFacts
	if err := json.Unmarshal(keyFactsJSON, &list); err != nil {
		panic(fmt.Sprintf("judges: embedded keyfacts.json: %v", err)) // caught by every test run
	}
	out := make(map[string]*promptFacts, len(list))
	for _, p := range list {
		for _, f := range p.Facts {
			var groups [][]string
			for _, g := range f {
				groups = append(groups, strings.Split(strings.ToLower(g), "|"))
			}
			p.groups = append(p.groups, groups)
		}
		out[p.ID] = p
	}
	return out
})

// factsFor returns the key facts of the task's prompt, or nil when the
// prompt is not in the set or its text changed since the facts were
// written.
func factsFor(task Task) *promptFacts {
	p := keyFacts()[task.PromptID]
	if p == nil || p.PromptSHA256 != PromptHash(task.Prompt) {
		return nil
	}
	return p
}

// relevanceResult is which facts an answer covered.
type relevanceResult struct {
	covered, total int
	missed         []string // the first alternative of each missed fact's groups, for the rationale
}

func (r relevanceResult) score() float64 {
	if r.total == 0 {
		return 0
	}
	return float64(r.covered) / float64(r.total)
}

// unitSplit ends a sentence at . ! ? followed by space, at ; and at line
// breaks.
var unitSplit = regexp.MustCompile(`[.!?]+(?:\s+|$)|;\s|\n`)

// relevance checks every fact against the answer's sentences; a keyed
// fact only against the sentences under its key of the JSON object the
// answer holds.
func (p *promptFacts) relevance(text string) relevanceResult {
	units := answerUnits(text)
	var keyed map[string][]string
	if len(p.Keys) > 0 {
		keyed = keyedUnits(text)
	}
	r := relevanceResult{total: len(p.groups)}
	for i, groups := range p.groups {
		us := units
		if i < len(p.Keys) && p.Keys[i] != "" {
			us = keyed[p.Keys[i]]
		}
		if factCovered(groups, us) {
			r.covered++
			continue
		}
		var names []string
		for _, g := range p.Facts[i] {
			names = append(names, strings.SplitN(g, "|", 2)[0])
		}
		r.missed = append(r.missed, strings.Join(names, "+"))
	}
	return r
}

// answerUnits splits an answer into lower-cased, folded sentences; a JSON
// answer's units are its strings and keys' values.
func answerUnits(text string) []string {
	prose := text
	body := StripFence(strings.TrimSpace(text))
	var v any
	if json.Unmarshal([]byte(body), &v) == nil {
		var parts []string
		collectJSONText(v, &parts)
		prose = strings.Join(parts, "\n")
	}
	return sentenceUnits(prose)
}

// sentenceUnits splits prose into lower-cased, folded sentences, each
// with a leading space (see hasPrefixWord).
func sentenceUnits(prose string) []string {
	var out []string
	for _, u := range unitSplit.Split(foldText(prose), -1) {
		if u = strings.TrimSpace(strings.ToLower(u)); u != "" {
			out = append(out, " "+u)
		}
	}
	return out
}

// keyedUnits returns the sentences under each top-level key of the JSON
// object the answer holds (jsonObjectIn); nil when it holds none.
func keyedUnits(text string) map[string][]string {
	obj := jsonObjectIn(text)
	if obj == nil {
		return nil
	}
	out := make(map[string][]string, len(obj))
	for k, v := range obj {
		var parts []string
		collectJSONText(v, &parts)
		out[k] = sentenceUnits(strings.Join(parts, "\n"))
	}
	return out
}

// anyFence is a Markdown code fence anywhere in an answer.
var anyFence = regexp.MustCompile("(?s)```[a-zA-Z]*[ \t]*\n(.*?)\n[ \t]*```")

// jsonObjectIn returns the JSON object an answer holds: the answer
// itself (one fence stripped), else the first fenced block that is an
// object, else the text from its first "{" to its last "}". Relevance
// reads it wherever it is (the format check, not relevance, asks for the
// bare object); nil when there is none.
func jsonObjectIn(text string) map[string]any {
	try := func(s string) map[string]any {
		var obj map[string]any
		if json.Unmarshal([]byte(strings.TrimSpace(s)), &obj) != nil {
			return nil
		}
		return obj
	}
	if obj := try(StripFence(strings.TrimSpace(text))); obj != nil {
		return obj
	}
	for _, m := range anyFence.FindAllStringSubmatch(text, -1) {
		if obj := try(m[1]); obj != nil {
			return obj
		}
	}
	if i, j := strings.Index(text, "{"), strings.LastIndex(text, "}"); i >= 0 && j > i {
		return try(text[i : j+1])
	}
	return nil
}

// collectJSONText gathers a JSON value's strings and numbers, one per
// line, so a number-valued field ("year": 2019) can carry a fact too.
func collectJSONText(v any, out *[]string) {
	switch x := v.(type) {
	case string:
		*out = append(*out, x)
	case float64:
		*out = append(*out, fmt.Sprint(x))
	case []any:
		for _, e := range x {
			collectJSONText(e, out)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			collectJSONText(x[k], out)
		}
	}
}

// factCovered reports whether one unit holds every group.
func factCovered(groups [][]string, units []string) bool {
	for _, u := range units {
		all := true
		for _, g := range groups {
			if !hasPrefixWord(u, g) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// hasPrefixWord reports whether any alternative starts a word of u (u
// begins with a space, so a match at its start is at a word start).
func hasPrefixWord(u string, alts []string) bool {
	for _, a := range alts {
		for i := 0; ; {
			k := strings.Index(u[i:], a)
			if k < 0 {
				break
			}
			k += i
			if k == 0 || !isWordRune(lastRune(u[:k])) {
				return true
			}
			i = k + 1
		}
	}
	return false
}

func lastRune(s string) rune {
	r := []rune(s)
	return r[len(r)-1]
}
