package arena

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestCloneContestSharesNothing fills every field of a contest and checks
// that the clone is equal and that no slice of it shares memory with the
// original, so a field added to Contest later and forgotten in
// cloneContest fails here.
func TestCloneContestSharesNothing(t *testing.T) {
	now := time.Unix(1_700_000_000, 0).UTC()
	c := Contest{ID: "c_1", Arena: "connect4", Game: "connect4", Status: StatusSettled,
		Seats: []Seat{{AgentID: "ag_a", OwnerID: "ow_1", Name: "a", Version: 2, KeepQueued: true}},
		Seed:  9, State: json.RawMessage(`{"a":1}`), Seq: 4, Turn: 3,
		Deadlines: []int64{5}, Strikes: []int{1}, CreatedAt: now, EndedAt: now.Add(time.Minute),
		Ranks: []int{0}, RatingDeltas: []float64{12.5}, Payouts: []int64{100},
		Reason: "won", Verdict: json.RawMessage(`{"b":2}`)}
	d := cloneContest(&c)
	if !reflect.DeepEqual(&c, d) {
		t.Fatalf("clone differs:\n%+v\n%+v", c, *d)
	}
	cv, dv := reflect.ValueOf(c), reflect.ValueOf(*d)
	for i := range cv.NumField() {
		f := cv.Type().Field(i)
		switch f.Type.Kind() {
		case reflect.Slice:
			if cv.Field(i).Len() == 0 {
				t.Fatalf("field %s is empty in the sample; the check would pass vacuously", f.Name)
			}
			if cv.Field(i).Pointer() == dv.Field(i).Pointer() {
				t.Errorf("field %s shares its backing array with the clone", f.Name)
			}
		case reflect.Map, reflect.Pointer, reflect.Interface:
			t.Errorf("field %s (%s) is not handled by cloneContest", f.Name, f.Type)
		}
	}
}

// TestContestMemoIsExact: the memo answers with the stored contest as it
// is now (a changed record is decoded again), and each caller gets a copy
// it may change without touching what the next caller reads.
func TestContestMemoIsExact(t *testing.T) {
	d := newDriver(t)
	d.must(CmdQueueJoin, queueCmd{Arena: "connect4", AgentID: "ag_a"})
	d.must(CmdQueueJoin, queueCmd{Arena: "connect4", AgentID: "ag_b"})
	d.must(CmdContestCreate, contestCreateCmd{ID: "c_1", Arena: "connect4", Agents: []string{"ag_a", "ag_b"}, Seed: 3})
	memo := d.f.contests
	read := func() *Contest {
		t.Helper()
		var c *Contest
		if err := d.f.View(func(tx *bolt.Tx) (err error) { c, err = memo.get(tx, "c_1"); return err }); err != nil {
			t.Fatal(err)
		}
		return c
	}
	first := read()
	first.Seats[0].AgentID, first.Deadlines[0], first.State = "changed", -1, nil
	if again := read(); again.Seats[0].AgentID != "ag_a" || again.Deadlines[0] == -1 || again.State == nil {
		t.Fatalf("a caller's change reached the memo: %+v", again)
	}
	turn := read().Turn
	d.must(CmdContestMove, contestMoveCmd{Contest: "c_1", AgentID: "ag_a", Move: json.RawMessage(`3`)})
	if got := read(); got.Turn != turn+1 || got.Seq <= first.Seq {
		t.Fatalf("after a move the memo answered turn %d seq %d, want turn %d and a later seq than %d", got.Turn, got.Seq, turn+1, first.Seq)
	}
	if err := d.f.View(func(tx *bolt.Tx) error {
		_, err := memo.get(tx, "c_missing")
		return err
	}); err == nil {
		t.Fatal("a missing contest was found")
	}
}

// TestContestMemoIsBounded: the memo never holds more than its byte bound,
// however large the contests it is asked for.
func TestContestMemoIsBounded(t *testing.T) {
	f := openTestFSM(t)
	big := json.RawMessage(`"` + strings.Repeat("x", 1<<20) + `"`) // a prompt contest's long answers
	const n = 20
	if err := f.db.Update(func(tx *bolt.Tx) error {
		for i := range n {
			c := &Contest{ID: fmt.Sprintf("c_%02d", i), Arena: "prompt", Status: StatusRunning, State: big}
			if err := putJSON(tx.Bucket(bucketContests), []byte(c.ID), c); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	memo := newContestMemo()
	for i := range 2 * n {
		id := fmt.Sprintf("c_%02d", i%n)
		if err := f.View(func(tx *bolt.Tx) error {
			c, err := memo.get(tx, id)
			if err == nil && (c.ID != id || len(c.State) != len(big)) {
				err = fmt.Errorf("got %s with %d state bytes", c.ID, len(c.State))
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if memo.bytes > contestMemoBytes || memo.bytes < 0 {
			t.Fatalf("after %d reads the memo counts %d bytes (bound %d)", i+1, memo.bytes, contestMemoBytes)
		}
		held := 0
		for _, e := range memo.m {
			held += 2 * len(e.raw)
		}
		if held != memo.bytes {
			t.Fatalf("the memo counts %d bytes but holds %d", memo.bytes, held)
		}
	}
}
