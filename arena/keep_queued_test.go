package arena

import (
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestKeepQueuedRequeuesAfterEachContest: a keep ticket brings its agent
// back into the queue when each contest ends (settled or aborted), until
// the owner unqueues it or the agent forfeits; a plain ticket is used up.
func TestKeepQueuedRequeuesAfterEachContest(t *testing.T) {
	d := newDriver(t)
	arenaName := DefaultArenas()[0].Name
	ticket := func(agent string) (Ticket, bool) {
		var tk Ticket
		var ok bool
		if err := d.f.View(func(tx *bolt.Tx) error {
			var err error
			ok, err = getJSON(tx.Bucket(bucketQueue), queueKey(arenaName, agent), &tk)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return tk, ok
	}
	queue := func(agent string, keep bool) {
		t.Helper()
		d.must(CmdQueueJoin, queueCmd{Arena: arenaName, AgentID: agent, Keep: keep})
	}
	create := func(id string, agents ...string) {
		t.Helper()
		d.must(CmdContestCreate, contestCreateCmd{ID: id, Arena: arenaName, Agents: agents, Seed: 7})
	}

	queue("ag_a", true)
	queue("ag_b", false)
	create("c1", "ag_a", "ag_b")
	if c := d.contest("c1"); !c.Seats[0].KeepQueued || c.Seats[1].KeepQueued {
		t.Fatalf("seats %+v: only ag_a's came from a keep ticket", c.Seats)
	}
	if _, ok := ticket("ag_a"); ok {
		t.Fatal("ag_a is still queued while it plays")
	}

	t.Run("an aborted contest requeues the keep seat only", func(t *testing.T) {
		d.must(CmdContestAbort, contestAbortCmd{Contest: "c1", Reason: "test"})
		if tk, ok := ticket("ag_a"); !ok || !tk.Keep {
			t.Fatalf("ag_a ticket %+v (%v), want a keep ticket", tk, ok)
		}
		if _, ok := ticket("ag_b"); ok {
			t.Fatal("ag_b's plain ticket came back")
		}
	})
	t.Run("a settled contest requeues it too", func(t *testing.T) {
		create("c2", "ag_a", "ag_c")
		d.must(CmdContestForfeit, contestForfeitCmd{Contest: "c2", AgentID: "ag_c", Reason: "resigned"})
		if c := d.contest("c2"); c.Status != StatusSettled {
			t.Fatalf("c2 is %s", c.Status)
		}
		if tk, ok := ticket("ag_a"); !ok || !tk.Keep {
			t.Fatalf("ag_a ticket %+v (%v) after a win", tk, ok)
		}
	})
	t.Run("a seat that forfeits is not requeued", func(t *testing.T) {
		create("c3", "ag_a", "ag_b")
		d.must(CmdContestForfeit, contestForfeitCmd{Contest: "c3", AgentID: "ag_a", Reason: "gone"})
		if _, ok := ticket("ag_a"); ok {
			t.Fatal("ag_a was requeued after forfeiting")
		}
	})
	t.Run("unqueueing during a contest stops the requeue", func(t *testing.T) {
		queue("ag_a", true)
		create("c4", "ag_a", "ag_b")
		if r := d.apply(CmdQueueLeave, queueCmd{Arena: arenaName, AgentID: "ag_a"}); r.Err != nil || r.Value != true {
			t.Fatalf("leave = %v, %v; want true (a keep was stopped)", r.Value, r.Err)
		}
		if c := d.contest("c4"); c.Seats[0].KeepQueued {
			t.Fatal("keep_queued still set after leaving")
		}
		d.must(CmdContestAbort, contestAbortCmd{Contest: "c4", Reason: "test"})
		if _, ok := ticket("ag_a"); ok {
			t.Fatal("ag_a came back after its owner unqueued it")
		}
	})
	t.Run("queueing with keep upgrades a plain ticket", func(t *testing.T) {
		queue("ag_c", false)
		queue("ag_c", true)
		if tk, ok := ticket("ag_c"); !ok || !tk.Keep {
			t.Fatalf("ag_c ticket %+v", tk)
		}
	})
}
