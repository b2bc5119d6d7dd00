package judges

import (
	"fmt"
	"slices"
	"strings"
)

// Earlier is one of an entry's agent's answers to a different task. A
// judge sees one contest at a time; the runner hands it the agent's
// recent answers so that a template reused across prompts, which inside
// one answer may look like prose, shows as what it is.
type Earlier struct {
	Task Task
	Text string
}

// Cross-prompt reuse is measured on frames: an answer's words with every
// word its own prompt supplies (prompt text, required terms, JSON keys,
// key facts: see slotWords) and every number replaced by a slot. Two real answers to different
// prompts share almost no four-word run of their own words; one template
// filled in for two prompts shares most of them.
const (
	// frameShingle is the length of a compared run, in frame tokens;
	// frameMinFixed of them must be words, not slots.
	frameShingle  = 4
	frameMinFixed = 3
	// An earlier answer is the same template when it fills at least
	// reuseMinRuns of the entry's runs, and at least reuseShare of them,
	// with other words; reuseMinAnswers earlier answers must, so one
	// coincidence flags nothing. Calibrated in
	// TestTemplateReuseAcrossPrompts: the built-in bots' answers to the 70
	// built-in prompts (the verbose bot's word-for-word boilerplate
	// included) fill no frame of one another's, while the template
	// strategies of the gaming suite share frames with nearly every
	// earlier answer. The bots' answers fill no two runs of one another
	// at all, so the share only guards answers that share a signature
	// phrase; rubric-v5 asked for 20%, which let a pool of key-fact
	// frames, a few per answer, through on half the prompts
	// (TestKeyFactFramesAreFlaggedAcrossPrompts).
	reuseShare      = 0.1
	reuseMinRuns    = 2
	reuseMinAnswers = 2
)

// detectReuse returns why text repeats a template the same agent used
// for other prompts, or "".
func detectReuse(task Task, text string, earlier []Earlier) string {
	if len(earlier) < reuseMinAnswers {
		return ""
	}
	runs := frameRuns(task, text)
	if len(runs) < reuseMinRuns {
		return ""
	}
	matches, best := 0, 0.0
	for _, e := range earlier {
		if e.Task.PromptID == task.PromptID && e.Task.Prompt == task.Prompt {
			continue // the same prompt again: a consistent answer, not a template
		}
		other := frameRuns(e.Task, e.Text)
		// A run counts when the other answer has the same frame filled
		// with different words: boilerplate repeated word for word (a
		// sign-off, a disclaimer) is padding, which the length and
		// content checks score, not a frame filled in per prompt.
		filled := 0
		for r, words := range runs {
			if o, ok := other[r]; ok && o != words {
				filled++
			}
		}
		share := float64(filled) / float64(len(runs))
		if filled >= reuseMinRuns && share >= reuseShare {
			matches++
			best = max(best, share)
		}
	}
	if matches < reuseMinAnswers {
		return ""
	}
	return fmt.Sprintf("the same frame as this agent's answers to %d other prompts (up to %.0f%% of its phrasing shared)", matches, 100*best)
}

// frameRuns returns the frame runs of text answering task, each with the
// words that filled its slots ("" for a run without slots).
func frameRuns(task Task, text string) map[string]string {
	slot := newSlotWords(task, append(slices.Clone(task.Criteria.Required), task.Criteria.JSONKeys...))
	// frame holds the tokens with slots collapsed; fill[i] the words
	// that frame[i] stands for when it is a slot.
	var frame, fill []string
	for _, w := range wordTokens(foldText(text)) {
		if slot.has(w) || strings.IndexFunc(w, func(r rune) bool { return r < '0' || r > '9' }) < 0 {
			if n := len(frame); n > 0 && frame[n-1] == "_" {
				fill[n-1] += " " + w
			} else {
				frame, fill = append(frame, "_"), append(fill, w)
			}
			continue
		}
		frame, fill = append(frame, w), append(fill, "")
	}
	runs := map[string]string{}
	for i := 0; i+frameShingle <= len(frame); i++ {
		fixed := 0
		for _, w := range frame[i : i+frameShingle] {
			if w != "_" {
				fixed++
			}
		}
		if fixed >= frameMinFixed {
			runs[strings.Join(frame[i:i+frameShingle], " ")] = strings.Join(fill[i:i+frameShingle], "|")
		}
	}
	return runs
}
