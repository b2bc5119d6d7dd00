package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/ranking"
	"github.com/agentarena/arena/web"
)

// slowBT is costlyRatings whose "busy" Bradley–Terry fit takes as long as
// a large arena's: the first fit sleeps past the server's inline budget,
// and each later one waits for the test to release it.
type slowBT struct {
	*costlyRatings
	mu      sync.Mutex
	fits    int
	started chan int      // a fit began (its number)
	release chan struct{} // lets a later fit finish
}

func (f *slowBT) BradleyTerry(ctx context.Context, name string) (map[string]ranking.BTRow, error) {
	if name != "busy" {
		return f.costlyRatings.BradleyTerry(ctx, name)
	}
	f.mu.Lock()
	f.fits++
	n := f.fits
	f.mu.Unlock()
	f.started <- n
	if n == 1 {
		time.Sleep(400 * time.Millisecond) // over the quarter second budget
	} else {
		select {
		case <-f.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return map[string]ranking.BTRow{"ag_a": {Agent: "ag_a", Rating: 1000 + float64(n), Battles: n}}, nil
}

// newSlowBT is a slowBT over a one-node cluster with one settlement.
func newSlowBT(t *testing.T) *slowBT {
	c := arenatest.NewCluster(t, 1)
	f := &slowBT{
		costlyRatings: &costlyRatings{node: c.Nodes[0], contestsNode: c.Nodes[0]},
		started:       make(chan int, 16),
		release:       make(chan struct{}),
	}
	f.settle(1)
	return f
}

// serveRunning serves f's leaderboards from a running web.Server (Run
// starts the background refits) and returns a reader of busy's board.
func serveRunning(t *testing.T, f *slowBT) (board func() api.Leaderboard) {
	srv := web.New(web.Config{Node: f.node.(*arena.Node), Contests: f})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { defer close(ran); srv.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-ran })
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return func() api.Leaderboard {
		t.Helper()
		res, err := http.Get(ts.URL + "/v1/arenas/busy/leaderboard")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var lb api.Leaderboard
		if res.StatusCode != http.StatusOK {
			t.Fatalf("leaderboard: %d %s", res.StatusCode, b)
		}
		if err := json.Unmarshal(b, &lb); err != nil {
			t.Fatal(err)
		}
		return lb
	}
}

// TestCostlyLeaderboardIsRefittedOffTheRequest: a thousand-agent arena's
// Bradley–Terry fit takes seconds, and the first request after each
// settlement used to wait for it (and every request meanwhile). Now a
// board whose fit is costly answers at once from the previous fit, marked
// stale with the time of the newest settlement it covers, while one refit
// runs in the background; the next requests see the new fit.
func TestCostlyLeaderboardIsRefittedOffTheRequest(t *testing.T) {
	f := newSlowBT(t)
	board := serveRunning(t, f)
	btOfA := func(lb api.Leaderboard) float64 {
		for _, e := range lb.Entries {
			if e.AgentID == "ag_a" && e.BT != nil {
				return e.BT.Rating
			}
		}
		return 0
	}

	first := board() // fitted on the request: nothing older to show
	<-f.started
	if first.BTStale || first.BTAsOf == nil || btOfA(first) != 1001 {
		t.Fatalf("first board: stale %v, as of %v, ag_a's BT %v; want fresh, dated, 1001", first.BTStale, first.BTAsOf, btOfA(first))
	}
	f.settle(0.5)

	// Until the refit may start (four times the last fit's cost after it),
	// and while it runs, requests answer from the previous fit. Were the
	// fit on the request, the fake's blocked second fit would hang this.
	var stale api.Leaderboard
	for {
		stale = board()
		if !stale.BTStale || btOfA(stale) != 1001 || !stale.BTAsOf.Equal(*first.BTAsOf) {
			t.Fatalf("after a settlement: stale %v, as of %v (first %v), ag_a's BT %v; want the first fit marked stale",
				stale.BTStale, stale.BTAsOf, first.BTAsOf, btOfA(stale))
		}
		select {
		case n := <-f.started:
			if n != 2 {
				t.Fatalf("fit %d started, want the second", n)
			}
		case <-time.After(50 * time.Millisecond):
			continue
		}
		break
	}
	for range 5 { // the refit is under way: requests start no other
		if lb := board(); !lb.BTStale || btOfA(lb) != 1001 {
			t.Fatalf("during the refit: stale %v, ag_a's BT %v", lb.BTStale, btOfA(lb))
		}
	}
	select {
	case n := <-f.started:
		t.Fatalf("fit %d started while the second ran", n)
	default:
	}
	close(f.release)
	for {
		lb := board()
		if !lb.BTStale {
			if btOfA(lb) != 1002 || !lb.BTAsOf.After(*first.BTAsOf) {
				t.Fatalf("refitted board: ag_a's BT %v, as of %v; want 1002, after %v", btOfA(lb), lb.BTAsOf, first.BTAsOf)
			}
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestLargeBoardIsFirstFittedOffTheRequest: after a restart (or on a new
// node) a board of 923 agents took 11 s to answer its first leaderboard
// read, which fitted it on the request. A board of btLargeBoard agents or
// more now answers at once without Bradley–Terry cells, bt_stale set,
// while its first fit runs in the background.
func TestLargeBoardIsFirstFittedOffTheRequest(t *testing.T) {
	f := newSlowBT(t)
	f.mu.Lock()
	for i := range 250 {
		f.table = append(f.table, arena.RatingEntry{Arena: "busy", AgentID: fmt.Sprintf("ag_%03d", i), Games: 1, LastAt: f.table[0].LastAt})
	}
	f.fits = 1 // the fake's next fit waits for release
	f.mu.Unlock()
	board := serveRunning(t, f)
	first := board() // would hang here on the blocked fit if it ran on the request
	if !first.BTStale || first.BTAsOf != nil || len(first.Entries) != 252 {
		t.Fatalf("first read: stale %v, as of %v, %d rows; want stale, undated, 252 rows", first.BTStale, first.BTAsOf, len(first.Entries))
	}
	for _, e := range first.Entries {
		if e.BT != nil {
			t.Fatalf("%s has a BT cell before any fit", e.AgentID)
		}
	}
	if n := <-f.started; n != 2 {
		t.Fatalf("fit %d started, want the background one", n)
	}
	close(f.release)
	for lb := board(); lb.BTStale; lb = board() {
		time.Sleep(10 * time.Millisecond)
	}
	if lb := board(); lb.BTAsOf == nil {
		t.Fatal("the fitted board is undated")
	}
}
