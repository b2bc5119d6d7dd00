package runner

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/agentarena/arena/agents/protocol"
)

func countOf(list []string, v string) int {
	n := 0
	for _, s := range list {
		if s == v {
			n++
		}
	}
	return n
}

// gatedConn holds the runner inside Send until the gate opens, as a
// runner busy with a burst of work would be held: the events published
// meanwhile overflow its bus buffer.
type gatedConn struct {
	recordingConn
	gate chan struct{}
}

func (c *gatedConn) Send(frame any) bool {
	<-c.gate
	return c.recordingConn.Send(frame)
}

// A runner that falls behind the committed events (here: a buffer of one
// event, and the runner held while forty contests are created and
// aborted) must still tell every seat of each of its contests' ends,
// exactly once. It used to be dropped by the bus and lose the events of
// the gap: a contest that started and ended there was never announced
// and never ended, and its agents waited for it.
func TestARunnerThatFallsBehindStillEndsEveryContestOnce(t *testing.T) {
	n := soloLeader(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ok := mustOK(t)
	ids := []string{"ag_a", "ag_b", "ag_c", "ag_d"}
	wsAgents(t, n, ids...)
	reg := prometheus.NewRegistry()
	r := New(Config{Node: n, Tick: 20 * time.Millisecond, EventBuffer: 1, Registerer: reg})
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	for deadline := time.Now().Add(10 * time.Second); !r.isLeading(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the runner never led")
		}
	}
	gate := make(chan struct{})
	conns := map[string]*gatedConn{}
	for _, id := range ids {
		conns[id] = &gatedConn{gate: gate}
		r.Attach(id, conns[id])
	}
	// An agent plays one contest per arena at a time: two contests at
	// once, each aborted as the next pair starts.
	const rounds = 40
	var prev string
	for i := range rounds {
		pair := []string{ids[(2*i)%4], ids[(2*i+1)%4]}
		c, err := n.CreateContest(ctx, fmt.Sprintf("c_%02d", i), "connect4", pair, uint64(i))
		ok(err)
		if prev != "" {
			ok(n.AbortContest(ctx, prev, "operator"))
		}
		prev = c.ID
	}
	ok(n.AbortContest(ctx, prev, "operator"))
	if got := gaugeValue(t, reg, "arena_runner_event_backlog"); got == 0 {
		t.Error("nothing waits for the held runner: the test does not test a backlog")
	}
	close(gate)
	want := rounds / 2 // each agent sat in half the contests
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		all := true
		for _, id := range ids {
			if countOf(conns[id].types(), protocol.TypeContestEnd) < want {
				all = false
			}
		}
		if all {
			break
		}
		if time.Now().After(deadline) {
			for _, id := range ids {
				t.Errorf("%s: %d contest_end, want %d", id, countOf(conns[id].types(), protocol.TypeContestEnd), want)
			}
			t.Fatal("contest ends lost")
		}
	}
	time.Sleep(5 * r.cfg.Tick) // room for a duplicate to show
	for _, id := range ids {
		if got := countOf(conns[id].types(), protocol.TypeContestEnd); got != want {
			t.Errorf("%s: %d contest_end, want exactly %d", id, got, want)
		}
	}
	if got := gaugeValue(t, reg, "arena_runner_event_backlog"); got != 0 {
		t.Errorf("arena_runner_event_backlog = %v once the runner caught up, want 0", got)
	}
}

func gaugeValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}
