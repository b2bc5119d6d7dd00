package arena

import (
	"bytes"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

var (
	bucketQueue = []byte("queue") // arena "\x00" agent -> Ticket
	// bucketQueueOwners indexes the queue by owner (arena "\x00" owner
	// "\x00" agent -> empty), so the per-owner queue limit is checked by
	// counting a few keys instead of decoding every ticket of the arena:
	// with a thousand agents queued, that scan was a quarter of a
	// follower's apply time.
	bucketQueueOwners = []byte("queue_owners")
)

func queueKey(arenaName, agent string) []byte { return []byte(arenaName + "\x00" + agent) }

func queueOwnerPrefix(arenaName, ownerID string) []byte {
	return []byte(arenaName + "\x00" + ownerID + "\x00")
}

// putTicket stores a ticket and its owner index entry.
func putTicket(tx *bolt.Tx, t Ticket) error {
	if err := putJSON(tx.Bucket(bucketQueue), queueKey(t.Arena, t.AgentID), t); err != nil {
		return err
	}
	if err := tx.Bucket(bucketQueueOwners).Put(append(queueOwnerPrefix(t.Arena, t.OwnerID), t.AgentID...), []byte{}); err != nil {
		return fmt.Errorf("index ticket %s/%s: %w", t.Arena, t.AgentID, err)
	}
	return nil
}

// deleteTicket removes an agent's ticket and returns it, if there was one.
func deleteTicket(tx *bolt.Tx, arenaName, agentID string) (t Ticket, ok bool, err error) {
	q := tx.Bucket(bucketQueue)
	if ok, err = getJSON(q, queueKey(arenaName, agentID), &t); err != nil || !ok {
		return t, false, err
	}
	if err := q.Delete(queueKey(arenaName, agentID)); err != nil {
		return t, false, fmt.Errorf("dequeue %s/%s: %w", arenaName, agentID, err)
	}
	if err := tx.Bucket(bucketQueueOwners).Delete(append(queueOwnerPrefix(arenaName, t.OwnerID), agentID...)); err != nil {
		return t, false, fmt.Errorf("unindex ticket %s/%s: %w", arenaName, agentID, err)
	}
	return t, true, nil
}

// ownerTickets counts the owner's tickets in an arena's queue.
func ownerTickets(tx *bolt.Tx, arenaName, ownerID string) int {
	prefix := queueOwnerPrefix(arenaName, ownerID)
	n := 0
	c := tx.Bucket(bucketQueueOwners).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		n++
	}
	return n
}

func queuedTickets(tx *bolt.Tx, arenaName string) ([]Ticket, error) {
	var out []Ticket
	prefix := []byte(arenaName + "\x00")
	c := tx.Bucket(bucketQueue).Cursor()
	for k, v := c.Seek(prefix); k != nil && len(k) > len(prefix) && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var t Ticket
		if err := json.Unmarshal(v, &t); err != nil {
			return nil, fmt.Errorf("decode ticket %s: %w", k, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// indexQueueOwners builds the owner index of a state file written before
// it existed. Every node builds it from the same queue, so the state
// stays equal to one that kept the index all along.
func indexQueueOwners(tx *bolt.Tx) error {
	idx := tx.Bucket(bucketQueueOwners)
	return tx.Bucket(bucketQueue).ForEach(func(k, v []byte) error {
		var t Ticket
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("decode ticket %s: %w", k, err)
		}
		if err := idx.Put(append(queueOwnerPrefix(t.Arena, t.OwnerID), t.AgentID...), []byte{}); err != nil {
			return fmt.Errorf("index ticket %s: %w", k, err)
		}
		return nil
	})
}
