package arena

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/agentarena/arena/games/verifiable"
	"github.com/agentarena/arena/judges"
)

// CheckerJudge names verdicts and pairs of the verifiable game's contests
// started at this release's newest generator revision: the rules checked
// every answer against the task's ground truth (older contests name the
// checker of their revision, checkedState.Checker).
const CheckerJudge = verifiable.CheckerName

// checkedState is what settlement needs from the verifiable game's state.
type checkedState interface {
	Checker() string
	Task() verifiable.Task
	Answers() []string
	Results() []verifiable.Result
	Forfeited() []int
}

// checkerVerdict states the checker's result as a verdict: the game's
// ranks, each seat's checker score, and a rationale naming what each
// answer got right. Forfeits are in the rationale, not in Flags: pairs
// take them from the state, as for judged contests. Keyed on the game, so no existing log's verdict bytes
// change.
func checkerVerdict(st checkedState, ranks []int, reason string) judges.Verdict {
	t := st.Task()
	results := st.Results()
	v := judges.Verdict{Judge: st.Checker(), PromptHash: judges.PromptHash(t.Text),
		Ranks: append([]int(nil), ranks...), Scores: make([]float64, len(results))}
	forfeited := map[int]bool{}
	for _, s := range st.Forfeited() {
		forfeited[s] = true
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s; task %s (%s, level %d), expected %s.", reason, t.ID, t.Family, t.Level, t.Want.Render())
	for i, r := range results {
		v.Scores[i] = r.Score
		fmt.Fprintf(&b, " Seat %d: %s.", i, describeResult(r, forfeited[i]))
	}
	v.Rationale = b.String()
	return v
}

// describeResult is one seat's line of the rationale.
func describeResult(r verifiable.Result, forfeited bool) string {
	var s string
	switch {
	case r.FormatError != "":
		s = "format error (" + r.FormatError + "), score 0"
	case r.Passed:
		s = "passed every check, score 1"
	default:
		var missed []string
		for _, c := range r.Checks {
			if !c.OK {
				missed = append(missed, c.Name)
			}
		}
		s = fmt.Sprintf("missed %s, score %g", strings.Join(missed, ", "), r.Score)
	}
	if forfeited {
		s += ", forfeited"
	}
	return s
}

// recordCheckedPreferences adds a pair for every two seats with a strict
// rank difference, carrying both answers' checker results so a trainer
// can keep, say, only pairs whose chosen answer passed.
func recordCheckedPreferences(ac *applyCtx, c *Contest, ranks []int, st checkedState) error {
	t := st.Task()
	answers, results := st.Answers(), st.Results()
	flags, _ := seatFlags(judges.Verdict{}, st.Forfeited())
	b := ac.tx.Bucket(bucketPreferences)
	for i := range c.Seats {
		for j := range c.Seats {
			if ranks[i] >= ranks[j] || i >= len(answers) || j >= len(answers) {
				continue
			}
			pair := PreferencePair{Schema: PreferenceSchema, Contest: c.ID, Arena: c.Arena, At: ac.now,
				PromptID: t.ID, Prompt: t.Text, Chosen: answers[i], Rejected: answers[j],
				ChosenAgent: c.Seats[i].AgentID, ChosenVersion: c.Seats[i].Version,
				RejectedAgent: c.Seats[j].AgentID, RejectedVersion: c.Seats[j].Version,
				ChosenScore: results[i].Score, RejectedScore: results[j].Score,
				Margin: float64(results[i].Score - results[j].Score), Judge: st.Checker(),
				Check: &PairCheck{Family: t.Family, Level: t.Level, Eval: t.Eval, Expected: t.Want.Render(),
					Chosen: results[i], Rejected: results[j]}}
			pair.Flags = append(append([]string{}, flags[i]...), flags[j]...)
			if len(pair.Flags) == 0 {
				pair.Flags = nil
			}
			seq, err := b.NextSequence()
			if err != nil {
				return fmt.Errorf("preference cursor: %w", err)
			}
			pair.Cursor = seq
			if err := putJSON(b, binary.BigEndian.AppendUint64(nil, seq), pair); err != nil {
				return err
			}
		}
	}
	return nil
}
