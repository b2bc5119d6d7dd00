package runner

import (
	"sync"
	"time"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/judges"
)

// Bounds of the copy evidence (judges.Entry.Published and Own): how many
// of the arena's latest settled contests are read for other owners'
// answers to the prompt, and how many of the agent's own. An agent's
// contests are a subset of the arena's, so its own window reaches back
// at least as far as the arena's: the author of an answer a copier
// published within the arena's window is found to have given it first.
const (
	copyArenaScan = 300
	copyOwnScan   = 300
)

// settledAnswers is what the copy check reads of one settled prompt
// contest. A settled contest never changes, so it is remembered.
type settledAnswers struct {
	prompt string // the prompt's ID and text: the same ID with another text is another prompt
	text   string
	at     time.Time
	seats  []arena.Seat
	answer []string
}

// answerMemo remembers settled contests' answers by contest id; it is
// emptied when full rather than kept in order, since a judgement reads
// the latest few hundred and refills what it needs.
type answerMemo struct {
	mu sync.Mutex
	m  map[string]*settledAnswers
}

const answerMemoSize = 4096

func (r *Runner) settled(id string) *settledAnswers {
	r.answers.mu.Lock()
	s, ok := r.answers.m[id]
	r.answers.mu.Unlock()
	if ok {
		return s
	}
	full, err := r.node.Contest(id)
	if err != nil || full.Status != arena.StatusSettled {
		return nil
	}
	st, err := r.node.GameState(full)
	if err != nil {
		return nil
	}
	ps, ok := st.(promptState)
	if !ok {
		return nil
	}
	p := ps.Prompt()
	s = &settledAnswers{prompt: p.ID, text: p.Text, at: full.EndedAt, seats: full.Seats, answer: ps.Answers()}
	r.answers.mu.Lock()
	if r.answers.m == nil || len(r.answers.m) >= answerMemoSize {
		r.answers.m = map[string]*settledAnswers{}
	}
	r.answers.m[id] = s
	r.answers.mu.Unlock()
	return s
}

// copyEvidence returns, for the agent in seat of contest c answering the
// prompt (id, text), the answers other owners' agents gave to the same
// prompt in the arena's latest settled contests and the agent's own
// earlier answers to it (judges.Entry.Published and Own). Like the
// recent answers, they are read from the replicated state and the
// verdict is stored, so replicas never recompute it.
func (r *Runner) copyEvidence(c *arena.Contest, seat int, promptID, promptText string) (published, own []judges.Prior) {
	if seat >= len(c.Seats) {
		return nil, nil
	}
	me := c.Seats[seat]
	if r.cfg.Reference != nil {
		if ref, ok := r.cfg.Reference(promptID, promptText); ok {
			p := judges.Prior{Text: ref, At: judges.ReferenceTime, Reference: true}
			if me.OwnerID == arena.HouseOwnerID {
				own = append(own, p)
			} else {
				published = append(published, p)
			}
		}
	}
	scan := func(f arena.ContestFilter, take func(s *settledAnswers, id string)) {
		list, _, err := r.node.Contests(f)
		if err != nil {
			r.log.Warn("read earlier answers to a prompt", "arena", c.Arena, "err", err)
			return
		}
		for _, old := range list {
			if old.ID == c.ID {
				continue
			}
			if s := r.settled(old.ID); s != nil && s.prompt == promptID && s.text == promptText {
				take(s, old.ID)
			}
		}
	}
	scan(arena.ContestFilter{Arena: c.Arena, Status: arena.StatusSettled, Limit: copyArenaScan, Scan: copyArenaScan},
		func(s *settledAnswers, id string) {
			for i, seat := range s.seats {
				if seat.OwnerID != me.OwnerID && i < len(s.answer) {
					published = append(published, judges.Prior{Text: s.answer[i], At: s.at, Contest: id})
				}
			}
		})
	if len(published) == 0 {
		return nil, nil // nothing to have copied: the own scan is not needed
	}
	if me.OwnerID == arena.HouseOwnerID && len(own) > 0 {
		return published, own // the house wrote the answer before anyone played
	}
	scan(arena.ContestFilter{Arena: c.Arena, Agent: me.AgentID, Status: arena.StatusSettled, Limit: copyOwnScan, Scan: copyOwnScan},
		func(s *settledAnswers, id string) {
			for i, seat := range s.seats {
				if seat.AgentID == me.AgentID && i < len(s.answer) {
					own = append(own, judges.Prior{Text: s.answer[i], At: s.at, Contest: id})
				}
			}
		})
	return published, own
}
