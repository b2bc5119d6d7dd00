package arena

import (
	"errors"
	"testing"

	"github.com/agentarena/arena/apperr"
	bolt "go.etcd.io/bbolt"
)

// TestQueueLimitsAreReplicatedDecisions: the queue limits are decided by
// the state machine from replicated state alone, so two state machines fed
// the same commands refuse the same ones and end with equal bytes.
func TestQueueLimitsAreReplicatedDecisions(t *testing.T) {
	run := func() (*fsmDriver, []Result) {
		d := newDriver(t)
		capped := DefaultArenas()[0]
		capped.Name, capped.MaxQueuedPerOwner = "capped", 2
		d.must(CmdSystemSeed, systemSeedCmd{Arenas: []Arena{capped}})
		var rs []Result
		for _, id := range []string{"ag_a", "ag_b", "ag_c"} {
			rs = append(rs, d.apply(CmdQueueJoin, queueCmd{Arena: "capped", AgentID: id}))
		}
		return d, rs
	}
	d1, r1 := run()
	d2, r2 := run()
	for i, rs := range [][]Result{r1, r2} {
		if rs[0].Err != nil || rs[1].Err != nil {
			t.Fatalf("run %d: the first two agents of the owner were refused: %v %v", i, rs[0].Err, rs[1].Err)
		}
		var le *LimitError
		if !apperr.Is(rs[2].Err, apperr.RateLimited) || !errors.As(rs[2].Err, &le) || le.Limit != LimitQueuePerOwner {
			t.Fatalf("run %d: the third agent got %v, want rate_limited by %s", i, rs[2].Err, LimitQueuePerOwner)
		}
	}
	h1, _, err1 := d1.f.StateHash()
	h2, _, err2 := d2.f.StateHash()
	if err1 != nil || err2 != nil || h1 != h2 {
		t.Fatalf("state hashes differ: %s %s (%v %v)", h1, h2, err1, err2)
	}
	t.Run("an arena without the field takes the default", func(t *testing.T) {
		a := DefaultArenas()[0]
		if a.MaxQueuedPerOwner != 0 || maxQueuedPerOwner(&a) != DefaultMaxQueuedPerOwner {
			t.Fatalf("default arena: field %d, effective %d", a.MaxQueuedPerOwner, maxQueuedPerOwner(&a))
		}
	})
}

// TestQueueOwnerIndexFollowsTheQueue: the owner index that the per-owner
// limit counts is kept in step by joins, leaves and matches, and a state
// file written before the index existed gets it built on open, ending
// with the same bytes as one that kept it all along.
func TestQueueOwnerIndexFollowsTheQueue(t *testing.T) {
	d := newDriver(t)
	capped := DefaultArenas()[0]
	capped.Name, capped.MaxQueuedPerOwner = "capped", 2
	d.must(CmdSystemSeed, systemSeedCmd{Arenas: []Arena{capped}})
	count := func() int {
		t.Helper()
		n := 0
		if err := d.f.View(func(tx *bolt.Tx) error { n = ownerTickets(tx, "capped", "ow_1"); return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	steps := []struct {
		name string
		typ  string
		cmd  any
		want int // the owner's tickets after the step
	}{
		{"join a", CmdQueueJoin, queueCmd{Arena: "capped", AgentID: "ag_a"}, 1},
		{"join a again (idempotent)", CmdQueueJoin, queueCmd{Arena: "capped", AgentID: "ag_a"}, 1},
		{"join b", CmdQueueJoin, queueCmd{Arena: "capped", AgentID: "ag_b"}, 2},
		{"leave a", CmdQueueLeave, queueCmd{Arena: "capped", AgentID: "ag_a"}, 1},
		{"join c (under the limit again)", CmdQueueJoin, queueCmd{Arena: "capped", AgentID: "ag_c"}, 2},
		{"b and c matched", CmdContestCreate, contestCreateCmd{ID: "c_1", Arena: "capped", Agents: []string{"ag_b", "ag_c"}, Seed: 7}, 0},
		{"join a", CmdQueueJoin, queueCmd{Arena: "capped", AgentID: "ag_a"}, 1},
	}
	for _, s := range steps {
		d.must(s.typ, s.cmd)
		if got := count(); got != s.want {
			t.Fatalf("after %s: the owner has %d indexed tickets, want %d", s.name, got, s.want)
		}
	}
	want, _, err := d.f.StateHash()
	if err != nil {
		t.Fatal(err)
	}

	// An older state file: the same queue, no index.
	path := d.f.cfg.Path
	if err := d.f.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketQueueOwners) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	f, err := OpenFSM(FSMConfig{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	d.f = f
	if got, _, err := f.StateHash(); err != nil || got != want {
		t.Fatalf("reopened without the index: hash %s (%v), want %s", got, err, want)
	}
	if got := count(); got != 1 {
		t.Fatalf("rebuilt index: the owner has %d tickets, want 1", got)
	}
}
