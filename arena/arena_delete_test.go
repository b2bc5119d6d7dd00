package arena

import (
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/apperr"
)

// keysWithPrefix counts a bucket's keys that start with prefix.
func (d *fsmDriver) keysWithPrefix(bucket []byte, prefix string) int {
	d.t.Helper()
	n := 0
	if err := d.f.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucket).Cursor()
		for k, _ := c.Seek([]byte(prefix)); k != nil && strings.HasPrefix(string(k), prefix); k, _ = c.Next() {
			n++
		}
		return nil
	}); err != nil {
		d.t.Fatal(err)
	}
	return n
}

// playToWin settles a connect4 contest: ag_a stacks column 3 and wins.
func (d *fsmDriver) playToWin(id string) {
	d.t.Helper()
	d.must(CmdContestCreate, contestCreateCmd{ID: id, Arena: "connect4", Agents: []string{"ag_a", "ag_b"}, Seed: 7, KeepTerms: true})
	for range 3 {
		if err := d.move(id, "ag_a", 3); err != nil {
			d.t.Fatal(err)
		}
		if err := d.move(id, "ag_b", 4); err != nil {
			d.t.Fatal(err)
		}
	}
	if err := d.move(id, "ag_a", 3); err != nil {
		d.t.Fatal(err)
	}
}

// TestDeleteArena: an arena is deleted only with none of its contests
// running; its queue, ratings and battles go with it (an arena created
// again under the name starts a fresh table), its contests and the money
// they moved stay.
func TestDeleteArena(t *testing.T) {
	d := newDriver(t)
	d.playToWin("c_done")
	if d.rating("connect4", "ag_a").Games != 1 || d.keysWithPrefix(bucketBattles, "connect4\x00") != 1 {
		t.Fatal("the settled contest left no rating or battle to delete")
	}
	d.must(CmdContestCreate, contestCreateCmd{ID: "c_live", Arena: "connect4", Agents: []string{"ag_a", "ag_b"}, Seed: 8, KeepTerms: true})
	d.must(CmdQueueJoin, queueCmd{Arena: "connect4", AgentID: "ag_c"})

	for _, tc := range []struct {
		name, arena string
		code        apperr.Code
		msg         string
	}{
		{"an unknown arena", "nope", apperr.NotFound, "arena nope not found"},
		{"an arena with a running contest", "connect4", apperr.Conflict, "has 1 contest running or being judged; let them end, or delete with abort=true"},
	} {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			r := d.apply(CmdArenaDelete, arenaDeleteCmd{Name: tc.arena})
			if !apperr.Is(r.Err, tc.code) || !strings.Contains(r.Err.Error(), tc.msg) {
				t.Fatalf("got %v, want %s saying %q", r.Err, tc.code, tc.msg)
			}
		})
	}
	if d.keysWithPrefix(bucketQueue, "connect4\x00") != 1 {
		t.Fatal("a refused delete touched the queue")
	}

	d.must(CmdContestAbort, contestAbortCmd{Contest: "c_live", Reason: "test"})
	before := d.balance("wallet:ow_1")
	d.must(CmdArenaDelete, arenaDeleteCmd{Name: "connect4"})
	t.Run("the arena, its queue, ratings and battles are gone", func(t *testing.T) {
		for _, b := range [][]byte{bucketArenas, bucketQueue, bucketQueueOwners, bucketRatings, bucketBattles} {
			if n := d.keysWithPrefix(b, "connect4"); n != 0 {
				t.Errorf("bucket %s keeps %d keys of the deleted arena", b, n)
			}
		}
		if r := d.apply(CmdQueueJoin, queueCmd{Arena: "connect4", AgentID: "ag_c"}); !apperr.Is(r.Err, apperr.NotFound) {
			t.Errorf("queueing in the deleted arena: %v, want not found", r.Err)
		}
	})
	t.Run("its contests and money stay", func(t *testing.T) {
		if c := d.contest("c_done"); c.Status != StatusSettled || len(c.Payouts) != 2 {
			t.Errorf("the settled contest is %s with payouts %v", c.Status, c.Payouts)
		}
		if d.balance("wallet:ow_1") != before {
			t.Error("deleting the arena moved money")
		}
		d.audit()
	})
	t.Run("an arena created again under the name starts a fresh table", func(t *testing.T) {
		d.must(CmdArenaPut, arenaPutCmd{Arena: DefaultArenas()[0]})
		if e := d.rating("connect4", "ag_a"); e.Games != 0 {
			t.Errorf("ag_a has %d games in the new arena", e.Games)
		}
		d.playToWin("c_again")
		if e := d.rating("connect4", "ag_a"); e.Games != 1 {
			t.Errorf("ag_a has %d games after one in the new arena", e.Games)
		}
	})
}

// TestDeleteArenaAborting: with abort, a busy arena's running contests are
// voided (stakes back to their owners) in the same command, and the
// ticket a keep seat would have queued again goes with the queue.
func TestDeleteArenaAborting(t *testing.T) {
	d := newDriver(t)
	before := d.balance("wallet:ow_1")
	d.must(CmdQueueJoin, queueCmd{Arena: "connect4", AgentID: "ag_a", Keep: true})
	d.must(CmdContestCreate, contestCreateCmd{ID: "c_live", Arena: "connect4", Agents: []string{"ag_a", "ag_b"}, Seed: 8, KeepTerms: true})
	if !d.contest("c_live").Seats[0].KeepQueued {
		t.Fatal("the keep ticket did not mark its seat")
	}
	d.must(CmdArenaDelete, arenaDeleteCmd{Name: "connect4", Abort: true})
	if c := d.contest("c_live"); c.Status != StatusAborted || c.Reason != "arena deleted" {
		t.Fatalf("the running contest is %s (%s), want aborted because the arena was deleted", c.Status, c.Reason)
	}
	if got := d.balance("wallet:ow_1"); got != before {
		t.Fatalf("wallet %d after the refund, want %d", got, before)
	}
	for _, b := range [][]byte{bucketQueue, bucketQueueOwners, bucketActive} {
		if n := d.keysWithPrefix(b, ""); n != 0 {
			t.Errorf("bucket %s keeps %d keys", b, n)
		}
	}
	d.audit()
}

// TestDeletedArenaStaysDeletedThroughSeeds: every new leader proposes
// system.seed, which creates the default arenas that are missing; an
// arena the operator deleted (keep_deleted, as the node proposes it) stays
// deleted through it until a PUT creates it again. A delete logged before
// the rule (no keep_deleted) is undone by the next seed, as it was.
func TestDeletedArenaStaysDeletedThroughSeeds(t *testing.T) {
	d := newDriver(t)
	exists := func() bool {
		t.Helper()
		var err error
		if verr := d.f.View(func(tx *bolt.Tx) error { _, err = getArena(tx, "connect4"); return nil }); verr != nil {
			t.Fatal(verr)
		}
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			t.Fatal(err)
		}
		return err == nil
	}
	seed := func() { d.must(CmdSystemSeed, systemSeedCmd{Arenas: DefaultArenas()[:1]}) }

	d.must(CmdArenaDelete, arenaDeleteCmd{Name: "connect4"})
	seed()
	if !exists() {
		t.Fatal("an old log's delete (no keep_deleted) is no longer undone by the next seed: replay would change")
	}

	d.must(CmdArenaDelete, arenaDeleteCmd{Name: "connect4", KeepDeleted: true})
	seed()
	if exists() {
		t.Fatal("the next leader's seed created the arena the operator deleted again")
	}

	a := DefaultArenas()[0]
	d.must(CmdArenaPut, arenaPutCmd{Arena: a})
	if !exists() {
		t.Fatal("a PUT did not create the deleted arena again")
	}
	// The PUT lifted the mark: an old-style delete is again undone by a seed.
	d.must(CmdArenaDelete, arenaDeleteCmd{Name: "connect4"})
	seed()
	if !exists() {
		t.Fatal("the deletion mark outlived the PUT that created the arena again")
	}
}
