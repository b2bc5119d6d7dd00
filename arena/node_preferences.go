package arena

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/games/verifiable"
	"github.com/agentarena/arena/judges"
)

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
	if ok, err := getJSON(tx.Bucket(bucketContests), []byte(id), &c); err != nil || !ok || (c.Game != "prompt" && c.Game != verifiable.Name) {
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

// heldOutBy remembers, per arena, the verifiable options a read found
// (nil for another game or an arena deleted since: nothing is held out).
type heldOutBy map[string]*verifiable.Options

// holds reports whether the pair's arena now holds its task out.
func (h heldOutBy) holds(tx *bolt.Tx, p PreferencePair) bool {
	if p.Check == nil {
		return false
	}
	o, ok := h[p.Arena]
	if !ok {
		if a, err := getArena(tx, p.Arena); err == nil && a.Game == verifiable.Name {
			if opts, err := verifiable.ParseOptions(a.Options); err == nil {
				o = &opts
			}
		}
		h[p.Arena] = o
	}
	return o != nil && o.HoldsOut(p.PromptID, p.Check.Family, p.Check.Eval)
}

// NewestPreferenceCursor is the cursor of the last pair recorded (0 when
// none has been): a cursor past it was never handed out by this cluster.
func (n *Node) NewestPreferenceCursor() (seq uint64, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		seq = tx.Bucket(bucketPreferences).Sequence()
		return nil
	})
	return seq, err
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
		held := heldOutBy{}
		c := tx.Bucket(bucketPreferences).Cursor()
		for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, f.Since+1)); k != nil; k, v = c.Next() {
			var p PreferencePair
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("decode preference %x: %w", k, err)
			}
			next = p.Cursor
			n.fsm.splitFlags(tx, &p, contests)
			if f.matches(p) && !(f.ExcludeHeldOut && held.holds(tx, p)) {
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
