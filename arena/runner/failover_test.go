package runner_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentarena/arena/agents/bots"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/arena/runner"
	"github.com/agentarena/arena/judges"
)

// heldJudge is the rubric judge behind a switch: while held, a call waits
// until its context ends, as a judge stuck on a slow model server would.
type heldJudge struct {
	held  *atomic.Bool
	inner runner.Judge
}

func (h heldJudge) Name() string { return h.inner.Name() }

func (h heldJudge) Rank(ctx context.Context, task judges.Task, entries []judges.Entry) (judges.Verdict, error) {
	for h.held.Load() {
		select {
		case <-ctx.Done():
			return judges.Verdict{}, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return h.inner.Rank(ctx, task, entries)
}

// TestJudgingContestResumesOnNewLeader stops the leader while a prompt
// contest waits on its judge: the new leader must judge it again and
// settle it once, and every node must agree.
func TestJudgingContestResumesOnNewLeader(t *testing.T) {
	c := arenatest.NewCluster(t, 3)
	held := &atomic.Bool{}
	held.Store(true)
	cancels := map[int]func(){}
	start := func(i int) {
		var list []runner.Bot
		for _, name := range []string{"txt-careful", "txt-terse"} {
			b, _ := bots.Lookup(name, 1)
			list = append(list, b)
		}
		r := runner.New(runner.Config{Node: c.Nodes[i], Bots: list, BotDelay: 5 * time.Millisecond,
			Tick: 20 * time.Millisecond, SeedDefaults: true,
			Judges: map[string]runner.Judge{"rubric": heldJudge{held: held, inner: judges.NewRubricJudge()}}})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); r.Run(ctx) }()
		cancels[i] = func() { cancel(); <-done }
	}
	stop := func(i int) {
		if f := cancels[i]; f != nil {
			f()
			delete(cancels, i)
		}
	}
	defer func() {
		for i := range c.Nodes {
			stop(i)
		}
	}()
	for i := range c.Nodes {
		start(i)
	}

	var target string
	c.Eventually(30*time.Second, func() error {
		list, _, err := c.Leader().Contests(arena.ContestFilter{Arena: "prompt", Status: arena.StatusJudging})
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return fmt.Errorf("no prompt contest is judging yet")
		}
		target = list[0].ID
		return nil
	})
	old := c.Index(c.Leader())
	stop(old)
	c.Stop(old)
	held.Store(false)

	leader := c.Leader()
	c.Eventually(30*time.Second, func() error {
		con, err := leader.Contest(target)
		if err != nil {
			return err
		}
		if con.Status != arena.StatusSettled {
			return fmt.Errorf("contest %s is %s", target, con.Status)
		}
		return nil
	})
	for i := range c.Nodes {
		stop(i)
	}
	c.Start(old)
	c.WaitConverged()
	for i, n := range c.Nodes {
		evs, err := n.ContestEvents(target, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		ends := 0
		for _, ev := range evs {
			if ev.Type == arena.EvSettled || ev.Type == arena.EvAborted {
				ends++
			}
		}
		if ends != 1 {
			t.Errorf("node %d: contest %s has %d end events", i, target, ends)
		}
	}
	if r, err := c.Nodes[old].Audit(); err != nil || !r.OK {
		t.Errorf("audit on the old leader after catch-up: %+v, %v", r, err)
	}
}
