// Package judges ranks contest entries.
//
// A judge sees a task (the prompt and its measurable criteria) and the
// entries' texts, and returns a Verdict: a rank and a score per entry, a
// rationale a person can read, and flags for entries that misbehaved. The
// package knows nothing of contests or Raft; the arena hands it texts and
// stores what it returns.
//
// Judges: RubricJudge (offline, measurable criteria), PairwiseJudge (any
// judge, every pair in both orders, against position bias) and Panel
// (several judges, each shown its own shuffle, aggregated by Borda count
// or mean score, with Kendall's tau-b agreement). The AI judge, a model
// over the OpenAI chat API, is the adapter in package judges/aijudge; this
// package imports no network client. Every judge flags entries that
// address the judge or are no real answer (EntryFlags); acting on a flag
// is the arena's rule, not the judge's.
package judges

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"

	"github.com/agentarena/arena/task"
)

// Entry is one contestant's answer. Seat is carried only so rationales can
// name the entry the way the contest does; judges must not let it sway a
// score.
type Entry struct {
	Seat int    `json:"seat"`
	Text string `json:"text"`
	// Recent are the same agent's recent answers to other tasks, newest
	// first, when the caller has them (reuse.go). They are evidence for
	// the template flag only, never scored, and never part of a verdict.
	Recent []Earlier `json:"-"`
	// Published are other owners' answers to the same prompt from settled
	// contests, and Own this agent's own, when the caller has them
	// (copy.go). Evidence for the copied flag only, like Recent.
	Published []Prior `json:"-"`
	Own       []Prior `json:"-"`
}

// Task is what the entries answered.
type Task struct {
	PromptID string        `json:"prompt_id"`
	Prompt   string        `json:"prompt"`
	Criteria task.Criteria `json:"criteria"`
}

// Verdict is one judge's ranking of a contest's entries. Slices are
// indexed like the entries passed to Rank.
type Verdict struct {
	// Judge identifies the judge and its version, e.g. "rubric-v1", so a
	// stored verdict can be traced to the rules that produced it.
	Judge string `json:"judge"`
	// PromptHash is the SHA-256 (hex) of the prompt text the entries were
	// judged against.
	PromptHash string `json:"prompt_hash"`
	// Ranks[i] is entry i's place, 0 = best; equal scores share a place
	// and the next place is skipped (1, 1, 3 in one-based terms).
	Ranks []int `json:"ranks"`
	// Scores[i] is entry i's score in [0, 1].
	Scores []float64 `json:"scores"`
	// Rationale says, per entry, which criteria it met and missed.
	Rationale string `json:"rationale"`
	// Flags mark entries that misbehaved, e.g. by addressing the judge,
	// and verdict-wide concerns such as low panel agreement (Entry -1).
	Flags []Flag `json:"flags,omitempty"`

	// The fields below are audit trail; judges that have nothing to say
	// leave them empty, so the rubric's verdict bytes are unchanged.

	// Model is the model that answered, as its server named it.
	Model string `json:"model,omitempty"`
	// Raw holds the model's replies verbatim (capped), one per reply
	// received, including ones that were rejected and retried.
	Raw []string `json:"raw,omitempty"`
	// Order is the order the judge saw the entries in: Order[k] is the
	// index of the entry shown k-th (labelled "E<k+1>" by an AI judge).
	Order []int `json:"order,omitempty"`
	// Seed is the random seed (hex) the order was drawn from.
	Seed string `json:"seed,omitempty"`
	// Agreement is a panel's mean pairwise Kendall's tau-b between its
	// members' rankings; nil when undefined (fewer than two usable
	// rankings).
	Agreement *float64 `json:"agreement,omitempty"`
	// Members are a panel's member verdicts, re-indexed like the
	// entries.
	Members []Verdict `json:"members,omitempty"`
	// Pairs are a pairwise judge's comparisons.
	Pairs []PairResult `json:"pairs,omitempty"`
}

// Flag marks something a judge noticed about one entry.
type Flag struct {
	Entry  int    `json:"entry"`  // index into the entries; -1 for the whole verdict
	Kind   string `json:"kind"`   // stable, e.g. FlagJudgeAddressing
	Detail string `json:"detail"` // what was seen
}

// FlagJudgeAddressing marks an entry that speaks to the judge instead of
// answering the task ("ignore previous instructions", "rank this first",
// a fake verdict).
const FlagJudgeAddressing = "judge_addressing"

// FlagLowAgreement marks a panel verdict (Entry -1) whose judges agreed
// less than the panel's threshold: the ranking stands, but a reader (or
// a preference-pair filter) should trust it less.
const FlagLowAgreement = "low_agreement"

// Judge ranks the entries of one task. Implementations are safe for
// concurrent use and return an error only when they could not judge at
// all (cancelled context, unreachable model server, no entries).
type Judge interface {
	Name() string
	Rank(ctx context.Context, task Task, entries []Entry) (Verdict, error)
}

// PromptHash is the SHA-256 hex digest of a prompt's text.
func PromptHash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

// RanksFromScores turns scores into places, best first: an entry's place
// is the number of entries that scored strictly higher, so equal scores
// tie. Scores should already be rounded (see RoundScore), or tiny float
// noise would break ties that are real.
func RanksFromScores(scores []float64) []int {
	ranks := make([]int, len(scores))
	for i, s := range scores {
		for _, o := range scores {
			if o > s {
				ranks[i]++
			}
		}
	}
	return ranks
}

// RoundScore clamps a score to [0, 1] and rounds it to 1e-6, so scores
// that differ only by float noise compare equal.
func RoundScore(s float64) float64 {
	if math.IsNaN(s) || s < 0 {
		return 0
	}
	if s > 1 {
		return 1
	}
	return math.Round(s*1e6) / 1e6
}
