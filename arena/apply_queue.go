package arena

import (
	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/apperr"
)

type queueCmd struct {
	Arena   string `json:"arena"`
	AgentID string `json:"agent_id"`
	// Keep (queue.join only) keeps the agent queued after each contest.
	Keep bool `json:"keep,omitempty"`
}

func (f *FSM) applyQueueJoin(ac *applyCtx, env Envelope) (any, error) {
	var c queueCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	ar, err := ac.arenas.get(ac.tx, c.Arena)
	if err != nil {
		return nil, err
	}
	a, err := agents.GetAgent(ac.tx, c.AgentID)
	if err != nil {
		return nil, err
	}
	q := ac.tx.Bucket(bucketQueue)
	var t Ticket
	if ok, err := getJSON(q, queueKey(ar.Name, a.ID), &t); err != nil || ok {
		if err == nil && c.Keep && !t.Keep {
			// Queued already: asking to keep it queued upgrades the ticket.
			t.Keep = true
			err = putTicket(ac.tx, t)
		}
		return t, err // already queued: idempotent
	}
	if n := len(activeContestsInArena(ac.tx, a.ID, ar.Name)); n >= ar.MaxConcurrentPerAgent {
		return nil, apperr.Wrap(apperr.Conflict, &LimitError{Limit: LimitContestsPerAgent},
			"agent %s already plays %d contest(s) in %s (the limit)", a.ID, n, ar.Name)
	}
	if n, limit := ownerTickets(ac.tx, ar.Name, a.OwnerID), maxQueuedPerOwner(&ar); n >= limit {
		return nil, apperr.Wrap(apperr.RateLimited, &LimitError{Limit: LimitQueuePerOwner},
			"owner %s already has %d agent(s) queued in %s (the limit is %d); retry once one is matched", a.OwnerID, n, ar.Name, limit)
	}
	t = Ticket{Arena: ar.Name, AgentID: a.ID, OwnerID: a.OwnerID, QueuedAt: ac.now, Seq: ac.index, Keep: c.Keep}
	return t, putTicket(ac.tx, t)
}

func (f *FSM) applyQueueLeave(ac *applyCtx, env Envelope) (any, error) {
	var c queueCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	if _, err := ac.arenas.get(ac.tx, c.Arena); err != nil {
		return nil, err
	}
	// Leaving also stops a keep ticket that is playing now from coming
	// back when its contest ends.
	stopped, err := stopKeeping(ac, c.Arena, c.AgentID)
	if err != nil {
		return nil, err
	}
	_, deleted, err := deleteTicket(ac.tx, c.Arena, c.AgentID)
	return stopped || deleted, err
}

// stopKeeping clears KeepQueued on the agent's seats in its active
// contests of the arena and reports whether there was any. Contests are
// rewritten only when a seat changes, so old logs replay to the same bytes.
func stopKeeping(ac *applyCtx, arenaName, agentID string) (bool, error) {
	stopped := false
	for _, id := range activeContestsInArena(ac.tx, agentID, arenaName) {
		con, err := ac.contests.get(ac.tx, id)
		if err != nil {
			return false, err
		}
		seat := con.SeatOf(agentID)
		if seat < 0 || !con.Seats[seat].KeepQueued {
			continue
		}
		con.Seats[seat].KeepQueued = false
		if err := putContest(ac.tx, ac.contests, con); err != nil {
			return false, err
		}
		stopped = true
	}
	return stopped, nil
}

// requeueKept queues again, when a contest has ended, every seat that came
// from a keep ticket. A seat is skipped when its agent was deleted, is
// queued already, or its owner is at the arena's queue limit: keeping an
// agent queued never breaks a limit a fresh queue would respect.
func requeueKept(ac *applyCtx, c *Contest) error {
	var ar *Arena
	for _, s := range c.Seats {
		if !s.KeepQueued {
			continue
		}
		if ar == nil {
			a, err := ac.arenas.get(ac.tx, c.Arena)
			if err != nil {
				return err
			}
			ar = &a
		}
		a, err := agents.GetAgent(ac.tx, s.AgentID)
		if err != nil {
			continue // deleted since
		}
		q := ac.tx.Bucket(bucketQueue)
		if q.Get(queueKey(ar.Name, a.ID)) != nil {
			continue
		}
		if len(activeContestsInArena(ac.tx, a.ID, ar.Name)) >= ar.MaxConcurrentPerAgent {
			continue
		}
		if ownerTickets(ac.tx, ar.Name, a.OwnerID) >= maxQueuedPerOwner(ar) {
			continue
		}
		t := Ticket{Arena: ar.Name, AgentID: a.ID, OwnerID: a.OwnerID, QueuedAt: ac.now, Seq: ac.index, Keep: true}
		if err := putTicket(ac.tx, t); err != nil {
			return err
		}
	}
	return nil
}
