package arena

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/internal/fuzzseed"
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
		Terms:  &PayTerms{Rewards: []int{60, 40}, HouseFeeBps: 250},
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
		case reflect.Pointer:
			// A pointer to a struct of values and slices: the pointee is
			// copied, and so are its slices.
			if cv.Field(i).IsNil() || cv.Field(i).Pointer() == dv.Field(i).Pointer() {
				t.Errorf("field %s is nil in the sample or shared with the clone", f.Name)
				continue
			}
			pe, de := cv.Field(i).Elem(), dv.Field(i).Elem()
			for j := range pe.NumField() {
				switch pe.Field(j).Kind() {
				case reflect.Slice:
					if pe.Field(j).Len() == 0 || pe.Field(j).Pointer() == de.Field(j).Pointer() {
						t.Errorf("field %s.%s is empty in the sample or shared with the clone", f.Name, pe.Type().Field(j).Name)
					}
				case reflect.Map, reflect.Pointer, reflect.Interface:
					t.Errorf("field %s.%s (%s) is not handled by cloneContest", f.Name, pe.Type().Field(j).Name, pe.Field(j).Type())
				}
			}
		case reflect.Map, reflect.Interface:
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

// TestSharedContestFollowsTheRecord: a shared read (SharedContest, the
// runner's and the agent sessions' hot path) answers the stored contest as
// it is now, like a copying read; a contest handed out earlier keeps what
// it held (the memo replaces, never changes, what it remembers); and a
// caller that changes a shared contest is caught at the next read in a
// test binary, since the memo then differs from the decode.
func TestSharedContestFollowsTheRecord(t *testing.T) {
	d := newDriver(t)
	d.must(CmdQueueJoin, queueCmd{Arena: "connect4", AgentID: "ag_a"})
	d.must(CmdQueueJoin, queueCmd{Arena: "connect4", AgentID: "ag_b"})
	d.must(CmdContestCreate, contestCreateCmd{ID: "c_1", Arena: "connect4", Agents: []string{"ag_a", "ag_b"}, Seed: 3})
	memo := d.f.contests
	read := func(shared bool) *Contest {
		t.Helper()
		var c *Contest
		if err := d.f.View(func(tx *bolt.Tx) (err error) {
			if shared {
				c, err = memo.getShared(tx, "c_1")
			} else {
				c, err = memo.get(tx, "c_1")
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return c
	}
	before := read(true)
	if copied := read(false); !reflect.DeepEqual(before, copied) {
		t.Fatalf("shared read %+v, copying read %+v", before, copied)
	}
	turn := before.Turn
	for i, agent := range []string{"ag_a", "ag_b", "ag_a"} {
		d.must(CmdContestMove, contestMoveCmd{Contest: "c_1", AgentID: agent, Move: json.RawMessage(`3`)})
		got := read(true)
		if got.Turn != turn+uint64(i)+1 {
			t.Fatalf("after move %d the shared read answered turn %d, want %d", i+1, got.Turn, turn+uint64(i)+1)
		}
		if copied := read(false); !reflect.DeepEqual(got, copied) {
			t.Fatalf("after move %d: shared read %+v, copying read %+v", i+1, got, copied)
		}
	}
	if before.Turn != turn {
		t.Fatalf("a contest handed out before the moves changed under its reader: turn %d, was %d", before.Turn, turn)
	}
	if !memo.verify {
		t.Skip("memo verification is off (a benchmark run)")
	}
	read(true).Deadlines[0] = -1
	defer func() {
		if recover() == nil {
			t.Fatal("a change to a shared contest went unnoticed")
		}
	}()
	read(true)
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

// TestContestMemoRemembersExactly: what putContest hands the memo is
// remembered only when decoding the stored bytes gives the same contest,
// so a node that hits the memo and one that decodes apply alike. The
// cases are the encoder's transformations: invalid UTF-8 replaced, raw
// JSON compacted and HTML-escaped, a nil state written as null, empty
// omitted slices, times in other zones or with a monotonic reading.
func TestContestMemoRemembersExactly(t *testing.T) {
	at := time.Unix(1_700_000_000, 123_456_789).UTC()
	base := func() *Contest {
		return &Contest{ID: "c_1", Arena: "connect4", Game: "connect4", Status: StatusRunning,
			Seats: []Seat{{AgentID: "ag_a", OwnerID: "ow_1", Name: "a"}, {AgentID: "ag_b", OwnerID: "ow_2", Name: "b"}},
			Seed:  7, State: json.RawMessage(`{"board":[[0,1],[2]],"to_move":1}`), Seq: 3, Turn: 2,
			Deadlines: []int64{0, 99}, Strikes: []int{0, 0}, CreatedAt: at}
	}
	cases := []struct {
		name     string
		change   func(c *Contest)
		remember bool
	}{
		{"plain running contest", func(*Contest) {}, true},
		{"settled, every field set", func(c *Contest) {
			c.Status, c.EndedAt, c.Ranks, c.RatingDeltas, c.Payouts = StatusSettled, at.Add(time.Second), []int{1, 0}, []float64{-12.25, 1e-300}, []int64{0, 200}
			c.Reason, c.Verdict = "four in a row", json.RawMessage(`{"winner":1}`)
		}, true},
		{"empty omitted slices", func(c *Contest) {
			c.Ranks, c.RatingDeltas, c.Payouts, c.Verdict = []int{}, []float64{}, []int64{}, json.RawMessage{}
		}, true},
		{"nil and empty kept slices", func(c *Contest) { c.Seats, c.Deadlines, c.Strikes = nil, []int64{}, nil }, true},
		{"monotonic reading", func(c *Contest) { c.CreatedAt = time.Now().UTC() }, true},
		{"zero times", func(c *Contest) { c.CreatedAt, c.EndedAt = time.Time{}, time.Time{} }, true},
		{"invalid UTF-8 in a name", func(c *Contest) { c.Seats[1].Name = "b\xff" }, false},
		{"invalid UTF-8 in the reason", func(c *Contest) { c.Reason = "\xc3" }, false},
		{"spaces in the state", func(c *Contest) { c.State = json.RawMessage(`{"text": "an answer"}`) }, false},
		{"HTML in the verdict", func(c *Contest) { c.Verdict = json.RawMessage(`{"why":"a<b"}`) }, false},
		{"line separator in the state", func(c *Contest) { c.State = json.RawMessage("{\"t\":\"\u2028\"}") }, false},
		{"nil state", func(c *Contest) { c.State = nil }, false},
		{"another zone", func(c *Contest) { c.CreatedAt = at.In(time.FixedZone("X", 3600)) }, false},
		{"local time", func(c *Contest) { c.CreatedAt = at.Local() }, time.Local == time.UTC},
		{"year out of UnixNano's range", func(c *Contest) { c.EndedAt = time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC) }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.change(c)
			f := openTestFSM(t)
			memo := newContestMemo()
			memo.verify = false // this test compares by itself
			var raw []byte
			if err := f.db.Update(func(tx *bolt.Tx) error {
				if err := putContest(tx, memo, c); err != nil {
					return err
				}
				raw = bytes.Clone(tx.Bucket(bucketContests).Get([]byte(c.ID)))
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			e, ok := memo.m[c.ID]
			if ok != tc.remember {
				t.Fatalf("remembered = %v, want %v", ok, tc.remember)
			}
			if !ok {
				return
			}
			if !bytes.Equal(e.raw, raw) {
				t.Fatalf("memo keyed by %s, stored %s", e.raw, raw)
			}
			var fresh Contest
			if err := json.Unmarshal(raw, &fresh); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(&fresh, e.v) {
				t.Fatalf("memo holds\n%+v\ndecoding gives\n%+v", *e.v, fresh)
			}
			c.Seats = append(c.Seats, Seat{AgentID: "late"}) // the caller's later changes do not reach the memo
			if len(e.v.Seats) == len(c.Seats) {
				t.Fatal("the memo shares the caller's seats")
			}
		})
	}
}

// TestMemoVerifyCatchesADivergence: in test binaries a memo hit is
// checked against a fresh decode, so a memo that answered something else
// fails every test that reaches it.
func TestMemoVerifyCatchesADivergence(t *testing.T) {
	if bench := flag.Lookup("test.bench").Value.String(); !newContestMemo().verify && bench == "" {
		t.Fatal("memo verification is off in a test binary")
	}
	memo := newContestMemo()
	memo.verify = true // also when this binary runs benchmarks
	raw := []byte(`{"id":"c_1","state":{}}`)
	memo.store("c_1", raw, &Contest{ID: "c_2"})
	defer func() {
		if recover() == nil {
			t.Fatal("a memo that differs from the decode was not caught")
		}
	}()
	memo.lookup("c_1", raw)
}

// TestArenaMemoIsExact: arena reads through the memo follow the stored
// record and hand out copies.
func TestArenaMemoIsExact(t *testing.T) {
	d := newDriver(t)
	memo := d.f.arenas
	read := func() Arena {
		t.Helper()
		var a Arena
		if err := d.f.View(func(tx *bolt.Tx) (err error) { a, err = memo.get(tx, "connect4"); return err }); err != nil {
			t.Fatal(err)
		}
		return a
	}
	first := read()
	first.Judges[0], first.Rewards = "changed", nil
	again := read()
	if again.Judges[0] == "changed" || again.Rewards == nil {
		t.Fatalf("a caller's change reached the memo: %+v", again)
	}
	again.MoveDeadlineMS++
	again.Judges = []string{"referee"}
	d.must(CmdArenaPut, arenaPutCmd{Arena: again})
	if got := read(); got.MoveDeadlineMS != again.MoveDeadlineMS {
		t.Fatalf("after an update the memo answered deadline %d, want %d", got.MoveDeadlineMS, again.MoveDeadlineMS)
	}
	if err := d.f.View(func(tx *bolt.Tx) error { _, err := memo.get(tx, "missing"); return err }); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("a missing arena: %v", err)
	}
}

// FuzzContestMemoRemember: whatever a contest holds, the memo either
// declines it on write or holds exactly what decoding the stored bytes
// gives (a node that hits the memo and one that decodes must apply
// alike).
func FuzzContestMemoRemember(f *testing.F) {
	fuzzseed.Add(f, "ag_a", "four in a row", []byte(`{"moves":[3,3]}`), []byte(`{"winner":0}`), int64(1_700_000_000_123_456_789), 0, 2)
	fuzzseed.Add(f, "b\xff", "", []byte(`{"text": "an <answer>"}`), []byte{}, int64(0), 3600, 0)
	fuzzseed.Add(f, "c", "\u2028", []byte("null"), []byte(`[1,2]`), int64(-1), -7200, 1)
	f.Fuzz(func(t *testing.T, name, reason string, state, verdict []byte, at int64, zoneSec, ranks int) {
		c := &Contest{ID: "c_" + name, Arena: "connect4", Game: "connect4", Status: StatusRunning, Reason: reason,
			Seats: []Seat{{AgentID: name, OwnerID: "ow", Name: name}}, State: state, Verdict: verdict,
			Deadlines: []int64{at}, Strikes: []int{0}, CreatedAt: time.Unix(0, at).In(time.FixedZone("z", zoneSec%86400))}
		if zoneSec == 0 {
			c.CreatedAt = c.CreatedAt.UTC()
		}
		if ranks >= 0 && ranks < 4 {
			c.Ranks = make([]int, ranks)
		}
		raw, err := json.Marshal(c)
		if err != nil {
			return // putContest would fail the command; nothing is stored
		}
		memo := newContestMemo()
		memo.verify = false
		memo.remember(raw, c)
		e, ok := memo.m[c.ID]
		if !ok {
			return
		}
		var fresh Contest
		if err := json.Unmarshal(raw, &fresh); err != nil {
			t.Fatalf("stored bytes do not decode: %v", err)
		}
		if !reflect.DeepEqual(&fresh, e.v) {
			t.Fatalf("memo holds\n%#v\ndecoding gives\n%#v", *e.v, fresh)
		}
	})
}
