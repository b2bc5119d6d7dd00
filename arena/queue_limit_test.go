package arena

import (
	"errors"
	"testing"

	"github.com/agentarena/arena/apperr"
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
