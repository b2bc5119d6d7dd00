package main

import (
	"fmt"
	"io"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func eventJSON(seq int, typ string, at time.Time) string {
	return fmt.Sprintf(`{"type":"event","event":{"contest":"c_1","seq":%d,"type":%q,"at":%q,"seat":0,"turn":3,"move":4}}`,
		seq, typ, at.Format(time.RFC3339Nano))
}

func TestStreamTrackerReadsContestStreams(t *testing.T) {
	type step struct {
		frame string
		want  frameSeen
	}
	ms := time.Millisecond
	tests := []struct {
		name       string
		steps      []step
		wantResume string
	}{
		{"a state frame then consecutive events has no gaps and times each event", []step{
			{`{"type":"state","seq":35,"contest":{"id":"c_1","status":"running"},"view":{}}`, frameSeen{}},
			{eventJSON(36, "move", t0.Add(-7*ms)), frameSeen{Event: true, Timed: true, Delay: 7 * ms}},
			{eventJSON(37, "move", t0.Add(-2*ms)), frameSeen{Event: true, Timed: true, Delay: 2 * ms}},
		}, "?since=37"},
		{"skipped seq numbers are counted as missed events", []step{
			{`{"type":"state","seq":10,"contest":{"status":"running"}}`, frameSeen{}},
			{eventJSON(14, "move", t0), frameSeen{Event: true, Timed: true, Missed: 3}},
		}, "?since=14"},
		{"an event at or below the last seq is a duplicate and does not move the cursor", []step{
			{eventJSON(5, "move", t0), frameSeen{Event: true, Timed: true}},
			{eventJSON(5, "move", t0), frameSeen{Event: true, Timed: true, Dup: true}},
			{eventJSON(4, "move", t0), frameSeen{Event: true, Timed: true, Dup: true}},
		}, "?since=5"},
		{"the first event of a resumed stream sets the cursor without a gap", []step{
			{eventJSON(40, "move", t0), frameSeen{Event: true, Timed: true}},
		}, "?since=40"},
		{"settled ends the contest", []step{
			{eventJSON(1, "move", t0), frameSeen{Event: true, Timed: true}},
			{eventJSON(2, "settled", t0.Add(-ms)), frameSeen{Event: true, Timed: true, Delay: ms, Ended: true}},
		}, "?since=2"},
		{"aborted ends the contest", []step{
			{eventJSON(9, "aborted", t0), frameSeen{Event: true, Timed: true, Ended: true}},
		}, "?since=9"},
		{"a state frame of a finished contest ends it at once", []step{
			{`{"type":"state","seq":44,"contest":{"status":"settled"}}`, frameSeen{Ended: true}},
		}, "?since=44"},
		{"an event without at is not timed", []step{
			{`{"type":"event","event":{"contest":"c_1","seq":1,"type":"move"}}`, frameSeen{Event: true}},
		}, "?since=1"},
		{"frames of unknown types are ignored", []step{
			{`{"type":"hint","seq":99}`, frameSeen{}},
		}, ""},
		{"a state frame after a resume resyncs the cursor without a gap", []step{
			{eventJSON(3, "move", t0), frameSeen{Event: true, Timed: true}},
			{`{"type":"state","seq":20,"contest":{"status":"running"}}`, frameSeen{}},
			{eventJSON(21, "move", t0), frameSeen{Event: true, Timed: true}},
		}, "?since=21"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tr streamTracker
			if q := tr.resumeQuery(); q != "" {
				t.Fatalf("fresh tracker resumes with %q", q)
			}
			for i, s := range tt.steps {
				got, err := tr.observe([]byte(s.frame), t0)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if got != s.want {
					t.Fatalf("step %d: got %+v, want %+v", i, got, s.want)
				}
			}
			if q := tr.resumeQuery(); q != tt.wantResume {
				t.Fatalf("resume query %q, want %q", q, tt.wantResume)
			}
		})
	}
	t.Run("a frame that is not JSON is an error", func(t *testing.T) {
		var tr streamTracker
		if _, err := tr.observe([]byte("{"), t0); err == nil {
			t.Fatal("no error")
		}
	})
}

func TestParseLiveChangeFollowsRunningContests(t *testing.T) {
	tests := []struct {
		name  string
		frame string
		want  liveChange
	}{
		{"a snapshot lists the running and judging contests",
			`{"type":"snapshot","arena":{"name":"connect4"},"live":[{"id":"c_1","status":"running"},{"id":"c_2","status":"judging"},{"id":"c_3","status":"settled"}],"leaderboard":[]}`,
			liveChange{Reset: true, Running: []string{"c_1", "c_2"}}},
		{"an empty snapshot resets to nothing",
			`{"type":"snapshot","live":[]}`, liveChange{Reset: true, Running: []string{}}},
		{"a created event starts a contest",
			`{"type":"contest","data":{"contest":"c_7","seq":1,"type":"created","at":"2026-01-02T03:04:05Z","data":{"id":"c_7"}}}`,
			liveChange{Started: "c_7"}},
		{"a settled event ends one",
			`{"type":"contest","data":{"contest":"c_7","seq":40,"type":"settled","data":{"id":"c_7"}}}`, liveChange{Ended: "c_7"}},
		{"an aborted event ends one",
			`{"type":"contest","data":{"contest":"c_8","seq":2,"type":"aborted"}}`, liveChange{Ended: "c_8"}},
		{"a leaderboard frame changes nothing",
			`{"type":"leaderboard","data":{"arena":"connect4","contest":"c_7","entries":[]}}`, liveChange{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseLiveChange([]byte(tt.frame))
			if err != nil {
				t.Fatal(err)
			}
			if got.Reset != tt.want.Reset || got.Started != tt.want.Started || got.Ended != tt.want.Ended ||
				!slices.Equal(got.Running, tt.want.Running) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRunningContestsSpreadSpectators(t *testing.T) {
	never := make(chan struct{})
	t.Run("spectators go to the least watched contest, the newest among equals", func(t *testing.T) {
		r := newRunningContests()
		r.apply(liveChange{Reset: true, Running: []string{"a", "b"}})
		r.apply(liveChange{Started: "c"})
		var got []string
		for range 5 {
			got = append(got, r.pick(never))
		}
		if want := []string{"c", "b", "a", "c", "b"}; !slices.Equal(got, want) {
			t.Fatalf("picks %v, want %v", got, want)
		}
		r.release("a")
		if p := r.pick(never); p != "a" {
			t.Fatalf("after a release the freed contest is picked, got %q", p)
		}
	})
	t.Run("an ended contest is no longer picked", func(t *testing.T) {
		r := newRunningContests()
		r.apply(liveChange{Started: "a"})
		r.apply(liveChange{Started: "b"})
		r.ended("b")
		if p := r.pick(never); p != "a" {
			t.Fatalf("picked %q", p)
		}
	})
	t.Run("a snapshot drops contests it does not list", func(t *testing.T) {
		r := newRunningContests()
		r.apply(liveChange{Started: "old"})
		r.apply(liveChange{Reset: true, Running: []string{"new"}})
		if p := r.pick(never); p != "new" {
			t.Fatalf("picked %q", p)
		}
	})
	t.Run("a spectator waits for a contest to start", func(t *testing.T) {
		r := newRunningContests()
		got := make(chan string)
		go func() { got <- r.pick(never) }()
		time.Sleep(10 * time.Millisecond)
		r.apply(liveChange{Started: "late"})
		if p := <-got; p != "late" {
			t.Fatalf("picked %q", p)
		}
	})
	t.Run("a spectator picks nothing once the run is over", func(t *testing.T) {
		r := newRunningContests()
		done := make(chan struct{})
		close(done)
		if p := r.pick(done); p != "" {
			t.Fatalf("picked %q", p)
		}
		r.apply(liveChange{Started: "a"})
		if p := r.pick(done); p != "" {
			t.Fatalf("picked %q after the end", p)
		}
	})
}

func TestStateCostPerSettledContest(t *testing.T) {
	c := stateCost{
		Before: stateSample{Settled: 10, SnapshotBytes: 100_000},
		After:  stateSample{Settled: 60, SnapshotBytes: 300_000, FileBytes: []int64{600_000, 1_200_000}},
	}
	c.finish()
	if c.SnapshotBytesPerContest != 4000 || !slices.Equal(c.FileBytesPerContest, []float64{10_000, 20_000}) {
		t.Fatalf("%+v", c)
	}
	none := stateCost{}
	none.finish()
	if none.SnapshotBytesPerContest != 0 || none.FileBytesPerContest != nil {
		t.Fatalf("no contests: %+v", none)
	}
}

func TestSpectateFlag(t *testing.T) {
	base := []string{"-op", "agents", "-server", "http://x", "-token", "t"}
	for _, tc := range []struct {
		name              string
		args              []string
		ok, live, contest bool
	}{
		{"live is the default", nil, true, true, false},
		{"contest watches single contests only", []string{"-spectate", "contest"}, true, false, true},
		{"both watches both", []string{"-spectate", "both"}, true, true, true},
		{"anything else is refused", []string{"-spectate", "all"}, false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseFlags(append(slices.Clone(base), tc.args...), io.Discard)
			if tc.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if tc.ok && (o.Agents.spectateLive() != tc.live || o.Agents.spectateContest() != tc.contest) {
				t.Fatalf("live %v contest %v", o.Agents.spectateLive(), o.Agents.spectateContest())
			}
		})
	}
	o, err := parseFlags(append(slices.Clone(base), "-state-files", " a/state.db, b/state.db ,"), io.Discard)
	if err != nil || !slices.Equal(o.Agents.StateFiles, []string{"a/state.db", "b/state.db"}) {
		t.Fatalf("state files %q, err %v", o.Agents.StateFiles, err)
	}
}
