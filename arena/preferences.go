package arena

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/judges"
)

// PreferenceSchema versions the pair record; trainers check it.
const PreferenceSchema = 1

var bucketPreferences = []byte("preferences") // cursor(8) -> PreferencePair

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
	PositionConsistent *bool    `json:"position_consistent,omitempty"`
	Flags              []string `json:"flags,omitempty"`
	Judge              string   `json:"judge"`
}

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
	flags := map[int][]string{}
	var verdictFlags []string
	for _, f := range v.Flags {
		if f.Entry >= 0 {
			flags[f.Entry] = append(flags[f.Entry], f.Kind)
		} else {
			verdictFlags = append(verdictFlags, f.Kind)
		}
	}
	if st, ok := prompt.(interface{ Forfeited() []int }); ok {
		for _, s := range st.Forfeited() {
			flags[s] = append(flags[s], "forfeited")
		}
	}
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

// PreferenceFilter selects pairs for export.
type PreferenceFilter struct {
	Arena          string
	Agent          string // chosen or rejected
	Since          uint64 // cursor: pairs after it
	MinMargin      float64
	MinAgreement   *float64
	ExcludeFlagged bool
	Limit          int
}

// Preferences returns matching pairs after f.Since in cursor order and the
// cursor to resume from: the last pair scanned, matching or not, so a
// trainer never sees a pair twice nor skips one.
func (n *Node) Preferences(f PreferenceFilter) (list []PreferencePair, next uint64, err error) {
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	next = f.Since
	err = n.fsm.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketPreferences).Cursor()
		for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, f.Since+1)); k != nil; k, v = c.Next() {
			var p PreferencePair
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("decode preference %x: %w", k, err)
			}
			next = p.Cursor
			if f.matches(p) {
				list = append(list, p)
				if len(list) == f.Limit {
					return nil
				}
			}
		}
		return nil
	})
	return list, next, err
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
	}
	return true
}
