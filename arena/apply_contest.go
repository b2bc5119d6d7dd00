package arena

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/games"
)

// contestCreateCmd starts a contest. The leader chooses id and seed.
type contestCreateCmd struct {
	ID     string   `json:"id"`
	Arena  string   `json:"arena"`
	Agents []string `json:"agents"`
	Seed   uint64   `json:"seed"`
	// KeepTerms stores the arena's payout terms on a staked contest, so a
	// later change to the arena does not change what its seats are paid.
	// Commands logged before the rule lack it and settle on the arena's
	// terms of the moment, as they did.
	KeepTerms bool `json:"keep_terms,omitempty"`
	// TaskRev is the game generators' revision (games.Setup.Rev) the
	// contest starts with: the newest the cluster's level allows when the
	// leader proposed it, 0 in commands logged before revisions.
	TaskRev int `json:"task_rev,omitempty"`
}

func (f *FSM) applyContestCreate(ac *applyCtx, env Envelope) (any, error) {
	var c contestCreateCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	if c.ID == "" {
		return nil, apperr.New(apperr.Invalid, "contest id is required")
	}
	if ac.tx.Bucket(bucketContests).Get([]byte(c.ID)) != nil {
		return nil, apperr.New(apperr.Conflict, "contest %s already exists", c.ID)
	}
	ar, err := ac.arenas.get(ac.tx, c.Arena)
	if err != nil {
		return nil, err
	}
	if len(c.Agents) != ar.Seats {
		return nil, apperr.New(apperr.Invalid, "arena %s needs %d agents, got %d", ar.Name, ar.Seats, len(c.Agents))
	}
	seats := make([]Seat, len(c.Agents))
	seen := map[string]bool{}
	for i, id := range c.Agents {
		if seen[id] {
			return nil, apperr.New(apperr.Invalid, "agent %s cannot hold two seats", id)
		}
		seen[id] = true
		a, err := agents.GetAgent(ac.tx, id)
		if err != nil {
			return nil, err
		}
		if n := len(activeContestsInArena(ac.tx, id, ar.Name)); n >= ar.MaxConcurrentPerAgent {
			return nil, apperr.New(apperr.Conflict, "agent %s already plays %d contests in %s", id, n, ar.Name)
		}
		seats[i] = Seat{AgentID: a.ID, OwnerID: a.OwnerID, Name: a.Name, Version: a.Version}
	}
	if ar.DistinctOwners {
		// The matchmaker never proposes such a group; the rule is the
		// arena's, so it holds whoever proposes.
		for i, s := range seats {
			for _, o := range seats[:i] {
				if o.OwnerID == s.OwnerID {
					return nil, apperr.New(apperr.Invalid, "arena %s seats one agent per owner: %s and %s are both owner %s's", ar.Name, o.AgentID, s.AgentID, s.OwnerID)
				}
			}
		}
	}
	if err := checkStakes(ac.tx, seats, &ar); err != nil {
		return nil, err
	}
	g := f.games[ar.Game]
	st, err := g.Start(gamesSetup(&ar, c.Seed, c.TaskRev))
	if err != nil {
		return nil, apperr.Wrap(apperr.Invalid, err, "start %s: %v", ar.Game, err)
	}
	con := &Contest{ID: c.ID, Arena: ar.Name, Game: ar.Game, Status: StatusRunning, Seats: seats, Seed: c.Seed,
		Deadlines: make([]int64, len(seats)), Strikes: make([]int, len(seats)), CreatedAt: ac.now}
	if c.KeepTerms && ar.Stake > 0 {
		con.Terms = &PayTerms{Rewards: slices.Clone(paySchedule(&ar)), HouseFeeBps: ar.HouseFeeBps}
	}
	if err := setState(con, st, &ar, ac.now); err != nil {
		return nil, err
	}
	// Queue tickets of the seated agents are consumed by this contest; a
	// keep ticket marks its seat, to be queued again at the end.
	for i, id := range c.Agents {
		t, ok, err := deleteTicket(ac.tx, ar.Name, id)
		if err != nil {
			return nil, err
		}
		if ok && t.Keep {
			con.Seats[i].KeepQueued = true
		}
	}
	if err := stakeContest(ac, con, &ar); err != nil {
		return nil, err
	}
	if err := record(ac, con, ContestEvent{Type: EvCreated, Data: contestSummary(con)}); err != nil {
		return nil, err
	}
	return con, putContest(ac.tx, ac.contests, con)
}

// record appends an event to the contest's history and emits it.
func record(ac *applyCtx, c *Contest, ev ContestEvent) error {
	c.Seq++
	ev.Contest, ev.Seq, ev.At = c.ID, c.Seq, ac.now
	if d, ok := ev.Data.(Contest); ok {
		d.Seq = c.Seq // the summary includes the event that carries it
		ev.Data = d
	}
	if err := putJSON(ac.tx.Bucket(bucketContestEvents), eventKey(c.ID, c.Seq), ev); err != nil {
		return err
	}
	ac.emit(EventContest, ev)
	return nil
}

// setState stores the game state and resets deadlines for the seats to move.
func setState(c *Contest, st games.State, ar *Arena, now time.Time) error {
	data, err := st.Marshal()
	if err != nil {
		return fmt.Errorf("marshal game state: %w", err)
	}
	c.State = data
	toMove := map[int]bool{}
	for _, s := range st.ToMove() {
		toMove[s] = true
	}
	due := now.Add(time.Duration(ar.MoveDeadlineMS) * time.Millisecond).UnixNano()
	// Turn-based games get a fresh deadline per move; an answer game keeps
	// one deadline for each seat's whole answer. The prompt game always
	// did; other answer games only in arenas stored with the rule, so an
	// old log replays to the same deadlines.
	_, answering := st.(games.Answering)
	keep := c.Game == "prompt" || (answering && ar.OneDeadlinePerAnswer)
	for i := range c.Deadlines {
		switch {
		case !toMove[i]:
			c.Deadlines[i] = 0
		case c.Deadlines[i] == 0 || !keep:
			c.Deadlines[i] = due
		}
	}
	return nil
}

// contestSummary is the contest without its bulky game state.
func contestSummary(c *Contest) Contest {
	s := *c
	s.State = nil
	return s
}

func sortedSeats(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}
