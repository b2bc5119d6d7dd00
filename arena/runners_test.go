package arena_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/agentarena/arena/agents/bots"
	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/arena/runner"
	"github.com/agentarena/arena/judges"
)

// runners runs one contest runner per cluster node, as `arena serve` does.
type runners struct {
	mu     sync.Mutex
	cancel map[int]func()
}

func startRunner(t *testing.T, rs *runners, c *arenatest.Cluster, i int, botNames ...string) {
	t.Helper()
	var list []runner.Bot
	for _, name := range botNames {
		b, ok := bots.Lookup(name, 1)
		if !ok {
			t.Fatalf("no bot %s", name)
		}
		list = append(list, b)
	}
	r := runner.New(runner.Config{Node: c.Nodes[i], Bots: list, BotDelay: 5 * time.Millisecond,
		Tick: 20 * time.Millisecond, SeedDefaults: true,
		Judges: map[string]runner.Judge{"rubric": judges.NewRubricJudge()}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	rs.mu.Lock()
	rs.cancel[i] = func() { cancel(); <-done }
	rs.mu.Unlock()
}

func (rs *runners) stop(i int) {
	rs.mu.Lock()
	f := rs.cancel[i]
	delete(rs.cancel, i)
	rs.mu.Unlock()
	if f != nil {
		f()
	}
}

func (rs *runners) stopAll() {
	for i := 0; i < 16; i++ {
		rs.stop(i)
	}
}
