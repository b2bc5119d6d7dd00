package arena

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
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
	// untrusted: the verdict itself is flagged, or the flags could not be
	// attributed to a side (set on read, with the fields above).
	untrusted bool
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

// contestFlags is what a read needs to split a pair's flags by side.
type contestFlags struct {
	byAgent  map[string][]string
	verdict  int  // how many flags the verdict itself carries
	ok       bool // false: the contest could not be read back
	forfeits bool // forfeits were looked up (they need the game state)
}

// flagsOf derives a settled contest's flags as recordPreferences did.
// Only the fields it needs are decoded, and the game state (where
// forfeits are kept) only when asked: an export reads this for every
// flagged pair, and the state is most of a contest's bytes.
func (f *FSM) flagsOf(tx *bolt.Tx, id string, forfeits bool) contestFlags {
	var c struct {
		Game  string `json:"game"`
		Seats []struct {
			AgentID string `json:"agent_id"`
		} `json:"seats"`
		State   json.RawMessage `json:"state"`
		Verdict json.RawMessage `json:"verdict"`
	}
	if ok, err := getJSON(tx.Bucket(bucketContests), []byte(id), &c); err != nil || !ok || c.Game != "prompt" {
		return contestFlags{}
	}
	var v judges.Verdict
	if len(c.Verdict) > 0 {
		var only struct {
			Flags []judges.Flag `json:"flags"`
		}
		if json.Unmarshal(c.Verdict, &only) != nil {
			return contestFlags{}
		}
		v.Flags = only.Flags
	}
	var forfeited []int
	if forfeits {
		g, ok := f.games[c.Game]
		if !ok {
			return contestFlags{}
		}
		st, err := g.Load(c.State)
		if err != nil {
			return contestFlags{}
		}
		forfeited = forfeitedSeats(st)
	}
	seats, verdict := seatFlags(v, forfeited)
	out := contestFlags{byAgent: map[string][]string{}, verdict: len(verdict), ok: true, forfeits: forfeits}
	for i, s := range c.Seats {
		out.byAgent[s.AgentID] = seats[i]
	}
	return out
}

// splitFlags fills p's per-side flags from its contest (cached by id).
func (f *FSM) splitFlags(tx *bolt.Tx, p *PreferencePair, cache map[string]contestFlags) {
	if len(p.Flags) == 0 {
		return
	}
	forfeits := slices.Contains(p.Flags, "forfeited")
	cf, seen := cache[p.Contest]
	if !seen || (forfeits && !cf.forfeits) {
		cf = f.flagsOf(tx, p.Contest, forfeits)
		cache[p.Contest] = cf
	}
	if cf.ok {
		p.ChosenFlags, p.RejectedFlags = cf.byAgent[p.ChosenAgent], cf.byAgent[p.RejectedAgent]
	}
	// Whatever the sides do not explain belongs to the verdict (or to a
	// contest that could not be read): the pair as a whole is in doubt.
	p.untrusted = !cf.ok || cf.verdict > 0 || len(p.ChosenFlags)+len(p.RejectedFlags) != len(p.Flags)
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
	Limit                int
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
		contests := map[string]contestFlags{}
		c := tx.Bucket(bucketPreferences).Cursor()
		for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, f.Since+1)); k != nil; k, v = c.Next() {
			var p PreferencePair
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("decode preference %x: %w", k, err)
			}
			next = p.Cursor
			n.fsm.splitFlags(tx, &p, contests)
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
	case f.ExcludeChosenFlagged && (p.untrusted || len(p.ChosenFlags) > 0):
		return false
	}
	return true
}
