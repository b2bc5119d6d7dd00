package arena

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/apperr"
)

type arenaPutCmd struct {
	Arena Arena `json:"arena"`
	// OnlyIfMissing makes the command a no-op for an existing arena (used
	// to seed defaults without overwriting an operator's changes).
	OnlyIfMissing bool `json:"only_if_missing,omitempty"`
}

func (f *FSM) applyArenaPut(ac *applyCtx, env Envelope) (any, error) {
	var c arenaPutCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	a := c.Arena
	if err := validateArena(&a, f.games); err != nil {
		return nil, err
	}
	b := ac.tx.Bucket(bucketArenas)
	var old Arena
	exists, err := getJSON(b, []byte(a.Name), &old)
	if err != nil {
		return nil, err
	}
	if exists && c.OnlyIfMissing {
		return old, nil
	}
	if exists {
		if old.Game != a.Game {
			return nil, apperr.New(apperr.Conflict, "arena %s plays %s; its game cannot change", a.Name, old.Game)
		}
		a.CreatedAt = old.CreatedAt
	} else {
		a.CreatedAt = ac.now
	}
	a.UpdatedAt = ac.now
	if err := putJSON(b, []byte(a.Name), a); err != nil {
		return nil, err
	}
	// An operator's PUT creates a deleted arena again, for seeds too. Only
	// an arena.delete with KeepDeleted writes the mark, so for older logs
	// this deletes nothing.
	if err := ac.tx.Bucket(bucketCluster).Delete(arenaDeletedKey(a.Name)); err != nil {
		return nil, fmt.Errorf("put arena %s: %w", a.Name, err)
	}
	ac.emit(EventArenaUpdated, a)
	return a, nil
}

type arenaDeleteCmd struct {
	Name string `json:"name"`
	// Abort voids the arena's running and judging contests first,
	// refunding their stakes, so a busy arena can be deleted: without it,
	// the matchmaker would start new contests between an operator's
	// aborts and the delete.
	Abort bool `json:"abort,omitempty"`
	// KeepDeleted keeps the arena deleted through system.seed, which every
	// new leader proposes and which creates each default arena that is
	// missing: without it, deleting connect4, prompt or verifiable lasted
	// only until the next leader change or restart. The arena's name is
	// kept (arenaDeletedKey) until a PUT creates it again. Commands logged
	// before the rule lack it, and later seeds recreate the arena as they
	// did.
	KeepDeleted bool `json:"keep_deleted,omitempty"`
}

// arenaDeletedKey, in the cluster bucket, marks an arena an operator
// deleted (arena.delete with KeepDeleted): system.seed leaves it deleted.
func arenaDeletedKey(name string) []byte { return []byte("arena_deleted/" + name) }

// ArenaDeleted is the bus event of an arena's deletion: its live feed
// tells its spectators, who have nothing more to watch.
type ArenaDeleted struct {
	Name string `json:"arena"`
	// Unqueued lists the agents whose tickets the delete dropped, in
	// queue order, so the runner can tell those connected (an unqueued
	// frame); spectators' frames never show it.
	Unqueued []string `json:"-"`
}

// applyArenaDelete removes an arena with none of its contests running or
// being judged (or, with Abort, after voiding them): its definition, its queue, and its ratings and battles,
// so an arena created later under the name starts a fresh table. Its
// contests, their events and verdicts, the ledger's transfers, preference
// pairs and the agents' rating history stay: they are the record of what
// was played and paid.
func (f *FSM) applyArenaDelete(ac *applyCtx, env Envelope) (any, error) {
	var c arenaDeleteCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	a, err := getArena(ac.tx, c.Name)
	if err != nil {
		return nil, err
	}
	var running []string
	if err := ac.tx.Bucket(bucketActive).ForEach(func(k, v []byte) error {
		if string(v) == a.Name {
			running = append(running, string(k))
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if len(running) > 0 && !c.Abort {
		what := fmt.Sprintf("%d contests", len(running))
		if len(running) == 1 {
			what = "1 contest"
		}
		return nil, apperr.New(apperr.Conflict, "arena %s has %s running or being judged; let them end, or delete with abort=true "+
			"to void them and refund their stakes", a.Name, what)
	}
	// Voided before the queue goes: a keep ticket's seat is queued again
	// when its contest ends, and that ticket must go too.
	for _, id := range running {
		con, err := ac.contests.get(ac.tx, id)
		if err != nil {
			return nil, err
		}
		if err := voidContest(ac, con, "arena deleted"); err != nil {
			return nil, fmt.Errorf("delete arena %s: void %s: %w", a.Name, id, err)
		}
	}
	tickets, err := queuedTickets(ac.tx, a.Name)
	if err != nil {
		return nil, err
	}
	var unqueued []string
	for _, t := range tickets {
		if _, _, err := deleteTicket(ac.tx, a.Name, t.AgentID); err != nil {
			return nil, err
		}
		unqueued = append(unqueued, t.AgentID)
	}
	for _, b := range [][]byte{bucketRatings, bucketBattles} {
		if err := deletePrefix(ac.tx.Bucket(b), []byte(a.Name+"\x00")); err != nil {
			return nil, fmt.Errorf("delete arena %s: %w", a.Name, err)
		}
	}
	if err := ac.tx.Bucket(bucketArenas).Delete([]byte(a.Name)); err != nil {
		return nil, fmt.Errorf("delete arena %s: %w", a.Name, err)
	}
	if c.KeepDeleted {
		if err := ac.tx.Bucket(bucketCluster).Put(arenaDeletedKey(a.Name), []byte{1}); err != nil {
			return nil, fmt.Errorf("delete arena %s: %w", a.Name, err)
		}
	}
	ac.emit(EventArenaDeleted, ArenaDeleted{Name: a.Name, Unqueued: unqueued})
	return a, nil
}

// deletePrefix deletes every key of b that starts with prefix.
func deletePrefix(b *bolt.Bucket, prefix []byte) error {
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
