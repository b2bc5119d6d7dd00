package runner

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/arena"
)

// A leader that dies with -9 leaves its agents' queue tickets in the log
// (a clean disconnect takes them away). The next leader must not match a
// websocket agent that has no session with it: the agent would lose its
// stake by the grace rule in a contest it never saw. Its ticket waits the
// arena's grace period for the agent to come back, then goes.
func TestAbsentWebsocketAgentsAreNotMatched(t *testing.T) {
	n := soloLeader(t)
	ctx := context.Background()
	must := mustOK(t)
	_, err := n.CreateOwner(ctx, agents.Owner{ID: "ow_a", Name: "a"}, agents.HashKey("ka"))
	must(err)
	_, err = n.CreateOwner(ctx, agents.Owner{ID: "ow_b", Name: "b"}, agents.HashKey("kb"))
	must(err)
	for _, a := range []agents.Agent{
		{ID: "ag_here", OwnerID: "ow_a", Name: "here", Kind: agents.KindWebsocket},
		{ID: "ag_gone", OwnerID: "ow_b", Name: "gone", Kind: agents.KindWebsocket},
	} {
		_, err := n.CreateAgent(ctx, a, agents.HashKey(a.ID))
		must(err)
		_, err = n.Queue(ctx, "connect4", a.ID)
		must(err)
	}

	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	r := New(Config{Node: n, Now: clock})
	r.startLeading(ctx)
	t.Cleanup(func() { r.stopLeading(); r.wg.Wait() })
	r.Attach("ag_here", &recordingConn{})

	queued := func() map[string]bool {
		t.Helper()
		ts, err := n.Tickets("connect4")
		must(err)
		out := map[string]bool{}
		for _, tk := range ts {
			out[tk.AgentID] = true
		}
		return out
	}
	contests := func() int {
		t.Helper()
		list, _, err := n.Contests(arena.ContestFilter{Arena: "connect4"})
		must(err)
		return len(list)
	}
	grace := time.Duration(arena.DefaultArenas()[0].GraceMS) * time.Millisecond

	r.matchmake(clock())
	advance(grace - time.Millisecond)
	r.matchmake(clock())
	r.wg.Wait()
	if got := contests(); got != 0 {
		t.Fatalf("%d contests with one agent absent, want none", got)
	}
	if q := queued(); !q["ag_here"] || !q["ag_gone"] {
		t.Fatalf("queue %v within the grace period, want both tickets kept", q)
	}

	advance(time.Millisecond)
	r.matchmake(clock())
	r.wg.Wait()
	if q := queued(); !q["ag_here"] || q["ag_gone"] {
		t.Fatalf("queue %v after the grace period, want only the connected agent", q)
	}

	// Back, it queues again and plays.
	r.Attach("ag_gone", &recordingConn{})
	_, err = n.Queue(ctx, "connect4", "ag_gone")
	must(err)
	r.matchmake(clock())
	if got := contests(); got != 1 {
		t.Fatalf("%d contests once both agents are connected, want 1", got)
	}

	// An agent deleted while queued keeps its ticket in the state (the
	// delete does not touch the queue); the matchmaker drops it at once
	// instead of failing to seat it every tick.
	_, err = n.CreateAgent(ctx, agents.Agent{ID: "ag_del", OwnerID: "ow_b", Name: "del", Kind: agents.KindWebhook, WebhookURL: "http://127.0.0.1:1/turn"}, agents.HashKey("ag_del"))
	must(err)
	_, err = n.Queue(ctx, "prompt", "ag_del")
	must(err)
	must(n.DeleteAgent(ctx, "ag_del", "ow_b"))
	r.matchmake(clock())
	r.wg.Wait()
	ts, err := n.Tickets("prompt")
	must(err)
	if len(ts) != 0 {
		t.Fatalf("prompt queue %+v after its agent was deleted, want empty", ts)
	}
}

// An owner who can pay one stake and queues two agents gets one of them
// matched. Each ticket alone passed the stake check, so the two were
// paired with each other on every tick, a contest the apply refused for
// want of funds, and neither agent ever played.
func TestAnOwnerIsMatchedOnlyForTheStakesItCanPay(t *testing.T) {
	n := soloLeader(t)
	ctx := context.Background()
	must := mustOK(t)
	stake := arena.DefaultArenas()[0].Stake
	for _, o := range []struct {
		id    string
		funds int64
	}{{"ow_poor", stake}, {"ow_rich", 100 * stake}} {
		_, err := n.CreateOwner(ctx, agents.Owner{ID: o.id, Name: o.id}, agents.HashKey(o.id))
		must(err)
		// Owners start with the sign-up grant: adjust to the funds wanted.
		b, err := n.Balance(o.id)
		must(err)
		_, err = n.Grant(ctx, "tx_"+o.id, o.id, o.funds-b.Balance, "adjust", "stake test")
		must(err)
	}
	r := New(Config{Node: n})
	r.startLeading(ctx)
	t.Cleanup(func() { r.stopLeading(); r.wg.Wait() })
	for _, a := range []agents.Agent{
		{ID: "ag_poor1", OwnerID: "ow_poor", Name: "poor1", Kind: agents.KindWebsocket},
		{ID: "ag_poor2", OwnerID: "ow_poor", Name: "poor2", Kind: agents.KindWebsocket},
		{ID: "ag_rich", OwnerID: "ow_rich", Name: "rich", Kind: agents.KindWebsocket},
	} {
		_, err := n.CreateAgent(ctx, a, agents.HashKey(a.ID))
		must(err)
		r.Attach(a.ID, &recordingConn{})
		_, err = n.Queue(ctx, "connect4", a.ID)
		must(err)
	}
	r.matchmake(time.Now())
	list, _, err := n.Contests(arena.ContestFilter{Arena: "connect4"})
	must(err)
	if len(list) != 1 {
		t.Fatalf("%d contests, want 1: the poor owner's oldest agent against the rich one", len(list))
	}
	seated := map[string]bool{}
	for _, s := range list[0].Seats {
		seated[s.AgentID] = true
	}
	if !seated["ag_poor1"] || !seated["ag_rich"] {
		t.Fatalf("contest seats %+v, want ag_poor1 and ag_rich", list[0].Seats)
	}
}

// soloLeader opens a one-node cluster with the default arenas and waits
// until it leads.
func soloLeader(t *testing.T) *arena.Node {
	t.Helper()
	_, tr := raft.NewInmemTransportWithTimeout("n0", time.Second)
	n, err := arena.Open(arena.Config{NodeID: "n0", DataDir: t.TempDir(), Bootstrap: true, FastTimeouts: true,
		HTTPAddr: "http://n0.invalid", Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Close() })
	for deadline := time.Now().Add(10 * time.Second); !n.IsLeader(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no leader")
		}
	}
	if err := n.Seed(context.Background(), arena.DefaultArenas(), nil); err != nil {
		t.Fatal(err)
	}
	return n
}

// wsAgents creates owner ow_t and a websocket agent of it for each id
// (its key is its id).
func wsAgents(t *testing.T, n *arena.Node, ids ...string) {
	t.Helper()
	ctx := context.Background()
	if _, err := n.CreateOwner(ctx, agents.Owner{ID: "ow_t", Name: "t"}, agents.HashKey("k")); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if _, err := n.CreateAgent(ctx, agents.Agent{ID: id, OwnerID: "ow_t", Name: id, Kind: agents.KindWebsocket}, agents.HashKey(id)); err != nil {
			t.Fatal(err)
		}
	}
}

// mustOK fails t on an error.
func mustOK(t *testing.T) func(error) {
	return func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}
