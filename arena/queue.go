package arena

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/apperr"
)

var bucketQueue = []byte("queue") // arena "\x00" agent -> Ticket

// Ticket is an agent waiting in an arena's queue (package api's resource).
// Queues are replicated so a new leader's matchmaker sees exactly who was
// waiting.
type Ticket = api.Ticket

func queueKey(arena, agent string) []byte { return []byte(arena + "\x00" + agent) }

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

// Limits the state machine enforces, named as the web layer's metrics
// name them. They depend only on replicated state, so every node refuses
// the same commands.
const (
	LimitQueuePerOwner    = "queue_per_owner"
	LimitContestsPerAgent = "contests_per_agent"
)

// DefaultMaxQueuedPerOwner is an arena's max_queued_per_owner when unset.
const DefaultMaxQueuedPerOwner = 20

// LimitError is the cause carried by an error from a replicated limit.
type LimitError struct{ Limit string }

func (e *LimitError) Error() string { return "limit " + e.Limit }

// ownerTickets counts the owner's tickets in an arena's queue.
func ownerTickets(tx *bolt.Tx, arena, ownerID string) (int, error) {
	ts, err := queuedTickets(tx, arena)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range ts {
		if t.OwnerID == ownerID {
			n++
		}
	}
	return n, nil
}

func queuedTickets(tx *bolt.Tx, arena string) ([]Ticket, error) {
	var out []Ticket
	prefix := []byte(arena + "\x00")
	c := tx.Bucket(bucketQueue).Cursor()
	for k, v := c.Seek(prefix); k != nil && len(k) > len(prefix) && string(k[:len(prefix)]) == string(prefix); k, v = c.Next() {
		var t Ticket
		if err := json.Unmarshal(v, &t); err != nil {
			return nil, fmt.Errorf("decode ticket %s: %w", k, err)
		}
		out = append(out, t)
	}
	return out, nil
}
