package arenatest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/agentarena/arena/agents/bots"
	"github.com/agentarena/arena/arena/runner"
	"github.com/agentarena/arena/judges"
)

// Runners runs one contest runner per cluster node, as `arena serve` does:
// each acts only while its node leads, so a test can stop the leader's and
// watch another take over.
type Runners struct {
	c      *Cluster
	mu     sync.Mutex
	cancel map[int]func()
}

// NewRunners returns a set with no runner started; the test's cleanup
// stops whatever is still running.
func NewRunners(t testing.TB, c *Cluster) *Runners {
	rs := &Runners{c: c, cancel: map[int]func(){}}
	t.Cleanup(rs.StopAll)
	return rs
}

// Start runs a runner on node i with the named built-in bots and the
// rubric judge, ticking every 20 ms.
func (rs *Runners) Start(t testing.TB, i int, botNames ...string) {
	t.Helper()
	var list []runner.Bot
	for _, name := range botNames {
		b, ok := bots.Lookup(name, 1)
		if !ok {
			t.Fatalf("no bot %s", name)
		}
		list = append(list, b)
	}
	r := runner.New(runner.Config{Node: rs.c.Nodes[i], Bots: list, BotDelay: 5 * time.Millisecond,
		Tick: 20 * time.Millisecond, SeedDefaults: true,
		Judges: map[string]runner.Judge{"rubric": judges.NewRubricJudge()}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	rs.mu.Lock()
	rs.cancel[i] = func() { cancel(); <-done }
	rs.mu.Unlock()
}

// Stop stops node i's runner and waits for it to return.
func (rs *Runners) Stop(i int) {
	rs.mu.Lock()
	f := rs.cancel[i]
	delete(rs.cancel, i)
	rs.mu.Unlock()
	if f != nil {
		f()
	}
}

// StopAll stops every runner.
func (rs *Runners) StopAll() {
	rs.mu.Lock()
	ids := make([]int, 0, len(rs.cancel))
	for i := range rs.cancel {
		ids = append(ids, i)
	}
	rs.mu.Unlock()
	for _, i := range ids {
		rs.Stop(i)
	}
}
