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
	ID           string       `json:"id"`
	PromptSHA256 string       `json:"prompt_sha256"`
	Facts        [][]string   `json:"facts"`
	groups       [][][]string // facts → groups → alternatives, lower-cased
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

// relevance checks every fact against the answer's sentences.
func (p *promptFacts) relevance(text string) relevanceResult {
	units := answerUnits(text)
	r := relevanceResult{total: len(p.groups)}
	for i, groups := range p.groups {
		if factCovered(groups, units) {
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
	var out []string
	for _, u := range unitSplit.Split(foldText(prose), -1) {
		if u = strings.TrimSpace(strings.ToLower(u)); u != "" {
			out = append(out, " "+u)
		}
	}
	return out
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
