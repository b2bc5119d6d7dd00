package runner_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
)

// TestLeaderLossMidContest stops the leader in the middle of a bot game:
// the new leader's runner must finish it, and every node must hold the
// same moves, each once.
func TestLeaderLossMidContest(t *testing.T) {
	c := arenatest.NewCluster(t, 3)
	rs := arenatest.NewRunners(t, c)
	defer rs.StopAll()
	for i := range c.Nodes {
		rs.Start(t, i, "c4-random", "c4-alphabeta-2")
	}

	var target string
	c.Eventually(20*time.Second, func() error {
		list, _, err := c.Leader().Contests(arena.ContestFilter{Arena: "connect4", Status: arena.StatusRunning})
		if err != nil {
			return err
		}
		for _, con := range list {
			if con.Turn >= 4 {
				target = con.ID
				return nil
			}
		}
		return fmt.Errorf("no contest with 4 moves yet")
	})
	old := c.Index(c.Leader())
	rs.Stop(old)
	c.Stop(old)

	leader := c.Leader()
	c.Eventually(30*time.Second, func() error {
		con, err := leader.Contest(target)
		if err != nil {
			return err
		}
		if con.Status != arena.StatusSettled {
			return fmt.Errorf("contest %s is %s at turn %d", target, con.Status, con.Turn)
		}
		return nil
	})
	rs.StopAll()
	c.Start(old)
	c.WaitConverged()

	var want []arena.ContestEvent
	for i, n := range c.Nodes {
		evs, err := n.ContestEvents(target, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		moves, turn, resumed := 0, uint64(0), false
		for j, ev := range evs {
			resumed = resumed || ev.Type == "resumed"
			if ev.Seq != uint64(j+1) {
				t.Fatalf("node %d: event %d has seq %d", i, j, ev.Seq)
			}
			if ev.Type == arena.EvMove {
				if ev.Turn != turn {
					t.Fatalf("node %d: move for turn %d after turn %d (a duplicate or gap)", i, ev.Turn, turn)
				}
				turn++
				moves++
			}
		}
		if !resumed {
			t.Errorf("node %d: the new leader did not re-arm the contest's deadlines", i)
		}
		con, _ := n.Contest(target)
		if uint64(moves) != con.Turn || con.Status != arena.StatusSettled {
			t.Fatalf("node %d: %d moves, turn %d, status %s", i, moves, con.Turn, con.Status)
		}
		if want == nil {
			want = evs
			continue
		}
		if len(evs) != len(want) {
			t.Fatalf("node %d has %d events, node 0 has %d", i, len(evs), len(want))
		}
	}

	t.Run("money settled once: audits pass with one head hash on every node", func(t *testing.T) {
		var head string
		for i, n := range c.Nodes {
			r, err := n.Audit()
			if err != nil || !r.OK {
				t.Fatalf("node %d audit: %+v %v", i, r, err)
			}
			if head == "" {
				head = r.Head
			} else if r.Head != head {
				t.Fatalf("node %d head %s, node 0 %s", i, r.Head, head)
			}
			if b, _ := n.Balance(arena.HouseOwnerID); b.Balance == 0 {
				t.Fatalf("node %d: the house bots' wallet is empty", i)
			}
		}
		ps, err := c.Nodes[0].ContestPayouts(target)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, p := range ps {
			kinds[p.Kind]++
		}
		if kinds["stake"] != 2 || kinds["payout"]+kinds["refund"] == 0 {
			t.Fatalf("contest transfers %v, want two stakes and one resolution", kinds)
		}
	})
}
