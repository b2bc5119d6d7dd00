package arena

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/agentarena/arena/judges"
)

// recordPreferences adds a pair for every two seats with a strict rank
// difference, in the settlement's transaction. Scores come from the
// verdict; answers from the game state.
func recordPreferences(ac *applyCtx, c *Contest, ranks []int, verdict json.RawMessage, prompt promptState) error {
	var v judges.Verdict
	if len(verdict) > 0 {
		if err := json.Unmarshal(verdict, &v); err != nil {
			return fmt.Errorf("decode verdict of %s: %w", c.ID, err)
		}
	}
	answers := prompt.Answers()
	p := prompt.Prompt()
	flags, verdictFlags := seatFlags(v, forfeitedSeats(prompt))
	b := ac.tx.Bucket(bucketPreferences)
	for i := range c.Seats {
		for j := range c.Seats {
			if ranks[i] >= ranks[j] || i >= len(answers) || j >= len(answers) {
				continue
			}
			pair := PreferencePair{Schema: PreferenceSchema, Contest: c.ID, Arena: c.Arena, At: ac.now,
				PromptID: p.ID, Prompt: p.Text, Chosen: answers[i], Rejected: answers[j],
				ChosenAgent: c.Seats[i].AgentID, ChosenVersion: c.Seats[i].Version,
				RejectedAgent: c.Seats[j].AgentID, RejectedVersion: c.Seats[j].Version,
				Agreement: v.Agreement, Judge: v.Judge}
			if i < len(v.Scores) && j < len(v.Scores) {
				pair.ChosenScore, pair.RejectedScore = v.Scores[i], v.Scores[j]
				pair.Margin = float64(v.Scores[i] - v.Scores[j])
			}
			for _, pr := range v.Pairs {
				if (pr.A == i && pr.B == j) || (pr.A == j && pr.B == i) {
					same := pr.AFirst == pr.BFirst
					pair.PositionConsistent = &same
				}
			}
			pair.Flags = append(append(append([]string{}, verdictFlags...), flags[i]...), flags[j]...)
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

// seatFlags splits a verdict's flags into each seat's (by seat index,
// forfeits included) and the verdict's own.
func seatFlags(v judges.Verdict, forfeited []int) (seats map[int][]string, verdict []string) {
	seats = map[int][]string{}
	for _, f := range v.Flags {
		if f.Entry >= 0 {
			seats[f.Entry] = append(seats[f.Entry], f.Kind)
		} else {
			verdict = append(verdict, f.Kind)
		}
	}
	for _, s := range forfeited {
		seats[s] = append(seats[s], "forfeited")
	}
	return seats, verdict
}

// forfeitedSeats lists the seats a game state records as forfeited.
func forfeitedSeats(st any) []int {
	if fs, ok := st.(interface{ Forfeited() []int }); ok {
		return fs.Forfeited()
	}
	return nil
}
