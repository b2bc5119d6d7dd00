package arena

import (
	"time"

	"github.com/agentarena/arena/games/verifiable"
)

// PreferenceSchema versions the pair record; trainers check it.
const PreferenceSchema = 1

// PreferencePair is one (better, worse) pair of answers from a judged
// contest: the unit a DPO trainer learns from.
type PreferencePair struct {
	Schema          int       `json:"schema"`
	Cursor          uint64    `json:"cursor"`
	Contest         string    `json:"contest"`
	Arena           string    `json:"arena"`
	At              time.Time `json:"at"`
	PromptID        string    `json:"prompt_id"`
	Prompt          string    `json:"prompt"`
	Chosen          string    `json:"chosen"`
	Rejected        string    `json:"rejected"`
	ChosenAgent     string    `json:"chosen_agent"`
	ChosenVersion   int       `json:"chosen_version"`
	RejectedAgent   string    `json:"rejected_agent"`
	RejectedVersion int       `json:"rejected_version"`
	ChosenScore     float64   `json:"chosen_score"`
	RejectedScore   float64   `json:"rejected_score"`
	// Margin is ChosenScore − RejectedScore.
	Margin float64 `json:"margin"`
	// Agreement is the judge panel's Kendall tau (absent for one judge).
	Agreement *float64 `json:"agreement,omitempty"`
	// PositionConsistent tells, for pairwise judging, whether both
	// presentation orders picked the same winner (absent otherwise).
	PositionConsistent *bool `json:"position_consistent,omitempty"`
	// Flags are every flag behind the pair: the verdict's own (low
	// agreement, …) and both answers'.
	Flags []string `json:"flags,omitempty"`
	// ChosenFlags and RejectedFlags split the answers' flags by side. They
	// are not stored: a read derives them from the contest's verdict and
	// state, so pairs recorded before they existed have them too and the
	// state machine's bytes stay as they were.
	ChosenFlags   []string `json:"chosen_flags,omitempty"`
	RejectedFlags []string `json:"rejected_flags,omitempty"`
	Judge         string   `json:"judge"`
	// Check is the checker's result for both answers, on pairs from the
	// verifiable game (absent on judged pairs).
	Check *PairCheck `json:"check,omitempty"`
	// untrusted: the verdict itself is flagged, or the flags could not be
	// attributed to a side (set on read, with the fields above).
	untrusted bool
}

// PairCheck is a verifiable pair's ground-truth metadata: the task's
// family, level and canonical answer, and each side's checker result
// (score, pass, every check by name, or the format error).
type PairCheck struct {
	Family   string            `json:"family"`
	Level    int               `json:"level"`
	Eval     bool              `json:"eval,omitempty"`
	Expected string            `json:"expected"`
	Chosen   verifiable.Result `json:"chosen"`
	Rejected verifiable.Result `json:"rejected"`
}

// PreferenceFilter selects pairs for export.
type PreferenceFilter struct {
	Arena          string
	Agent          string // chosen or rejected
	Since          uint64 // cursor: pairs after it
	MinMargin      float64
	MinAgreement   *float64
	ExcludeFlagged bool
	// ExcludeChosenFlagged leaves out pairs whose chosen answer or verdict
	// is flagged, and keeps those whose only flags are on the rejected
	// answer: a non-answer or a judge-addressing answer that lost is a
	// trustworthy example of what not to write.
	ExcludeChosenFlagged bool
	// ChosenPassed keeps only checked pairs whose chosen answer passed
	// every check (verifiable pairs with ground truth on the chosen side).
	ChosenPassed bool
	// ExcludeHeldOut leaves out verifiable pairs whose task the pair's
	// arena holds out for evaluation by the options it has now: pairs
	// played before an operator held those tasks out would otherwise leak
	// the evaluation set into training.
	ExcludeHeldOut bool
	Limit          int
}

func (f PreferenceFilter) matches(p PreferencePair) bool {
	switch {
	case f.Arena != "" && p.Arena != f.Arena:
		return false
	case f.Agent != "" && p.ChosenAgent != f.Agent && p.RejectedAgent != f.Agent:
		return false
	case p.Margin < f.MinMargin:
		return false
	case f.MinAgreement != nil && (p.Agreement == nil || *p.Agreement < *f.MinAgreement):
		return false
	case f.ExcludeFlagged && len(p.Flags) > 0:
		return false
	case f.ExcludeChosenFlagged && (p.untrusted || len(p.ChosenFlags) > 0):
		return false
	case f.ChosenPassed && (p.Check == nil || !p.Check.Chosen.Passed):
		return false
	}
	return true
}
