package runner

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/arena"
)

// An owner who deletes an agent in the middle of a contest ends its part
// in it: the seat is forfeited at once, so the opponent neither waits out
// the grace period (a websocket agent whose session the delete closed)
// nor the move clock (any other kind, whose turn is never asked for).
// Before, a deleted agent's kind read as unknown, which the grace rule
// skipped and the dispatcher did not ask, and the opponent sat until the
// deadline.
func TestADeletedAgentForfeitsItsRunningContests(t *testing.T) {
	cases := []struct {
		name string
		kind string
	}{
		{"websocket agent, session closed by the delete", agents.KindWebsocket},
		{"webhook agent", agents.KindWebhook},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := soloLeader(t)
			ctx := context.Background()
			must := mustOK(t)
			_, err := n.CreateOwner(ctx, agents.Owner{ID: "ow_a", Name: "a"}, agents.HashKey("ka"))
			must(err)
			_, err = n.CreateOwner(ctx, agents.Owner{ID: "ow_b", Name: "b"}, agents.HashKey("kb"))
			must(err)
			leaver := agents.Agent{ID: "ag_leaver", OwnerID: "ow_b", Name: "leaver", Kind: tc.kind}
			if tc.kind == agents.KindWebhook {
				leaver.WebhookURL = "http://127.0.0.1:1/turn"
			}
			for _, a := range []agents.Agent{
				{ID: "ag_stays", OwnerID: "ow_a", Name: "stays", Kind: agents.KindWebsocket}, leaver,
			} {
				_, err := n.CreateAgent(ctx, a, agents.HashKey(a.ID))
				must(err)
			}

			var mu sync.Mutex
			now := time.Now()
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			r := New(Config{Node: n, Now: clock})
			r.startLeading(ctx)
			t.Cleanup(func() { r.stopLeading(); r.wg.Wait() })
			r.Attach("ag_stays", &recordingConn{})
			detach := func() {}
			if tc.kind == agents.KindWebsocket {
				detach = r.Attach("ag_leaver", &recordingConn{})
			}

			// The owner deletes the agent before its first turn is asked
			// (webhook) or after it was sent and the session closed
			// (websocket): either way the seat must go.
			c, err := n.CreateContest(ctx, "ct_deleted", "connect4", []string{"ag_leaver", "ag_stays"}, 1)
			must(err)
			if tc.kind == agents.KindWebsocket {
				r.dispatch(c)
			}
			must(n.DeleteAgent(ctx, "ag_leaver", "ow_b"))
			detach()
			r.leaderTick()
			r.wg.Wait()

			got, err := n.Contest(c.ID)
			must(err)
			if got.Status == arena.StatusRunning {
				t.Fatalf("case %d: contest still running after its agent was deleted (clock not advanced)", i)
			}
			if len(got.Ranks) != 2 || got.Ranks[0] <= got.Ranks[1] {
				t.Fatalf("contest ended %q with ranks %v, want the deleted agent (seat 0) ranked last", got.Reason, got.Ranks)
			}
			evs, err := n.ContestEvents(c.ID, 0, 0)
			must(err)
			var said bool
			for _, ev := range evs {
				said = said || ev.Type == "forfeit" && ev.Reason == "agent deleted by its owner"
			}
			if !said {
				t.Fatalf("contest events %+v, want the forfeit's reason naming the delete", evs)
			}
		})
	}
}
