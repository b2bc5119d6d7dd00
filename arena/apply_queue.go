package arena

import (
	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/apperr"
)

type queueCmd struct {
	Arena   string `json:"arena"`
	AgentID string `json:"agent_id"`
}

func (f *FSM) applyQueueJoin(ac *applyCtx, env Envelope) (any, error) {
	var c queueCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	ar, err := getArena(ac.tx, c.Arena)
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
		return t, err // already queued: idempotent
	}
	if n := len(activeContestsInArena(ac.tx, a.ID, ar.Name)); n >= ar.MaxConcurrentPerAgent {
		return nil, apperr.Wrap(apperr.Conflict, &LimitError{Limit: LimitContestsPerAgent},
			"agent %s already plays %d contest(s) in %s (the limit)", a.ID, n, ar.Name)
	}
	n, err := ownerTickets(ac.tx, ar.Name, a.OwnerID)
	if err != nil {
		return nil, err
	}
	if limit := maxQueuedPerOwner(&ar); n >= limit {
		return nil, apperr.Wrap(apperr.RateLimited, &LimitError{Limit: LimitQueuePerOwner},
			"owner %s already has %d agent(s) queued in %s (the limit is %d); retry once one is matched", a.OwnerID, n, ar.Name, limit)
	}
	t = Ticket{Arena: ar.Name, AgentID: a.ID, OwnerID: a.OwnerID, QueuedAt: ac.now, Seq: ac.index}
	return t, putJSON(q, queueKey(ar.Name, a.ID), t)
}

func (f *FSM) applyQueueLeave(ac *applyCtx, env Envelope) (any, error) {
	var c queueCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	if _, err := getArena(ac.tx, c.Arena); err != nil {
		return nil, err
	}
	q := ac.tx.Bucket(bucketQueue)
	if q.Get(queueKey(c.Arena, c.AgentID)) == nil {
		return false, nil
	}
	return true, q.Delete(queueKey(c.Arena, c.AgentID))
}
