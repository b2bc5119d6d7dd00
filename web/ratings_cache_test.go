package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/ranking"
	"github.com/agentarena/arena/web"
)

type contestsNode = web.Contests

// costlyRatings is a node whose arena "busy" has a rating table the test
// sets, and counts how often the costly tables (every battle read) are
// computed.
type costlyRatings struct {
	node web.Contests
	// contestsNode is web.Contests under another name: embedded as
	// web.Contests, the field would hide the interface's Contests method.
	contestsNode
	mu           sync.Mutex
	table        []arena.RatingEntry
	rate         float64
	btCalls      atomic.Int64
	winRateCalls atomic.Int64
	trendCalls   atomic.Int64 // histories of ag_a read for "busy"
}

func (f *costlyRatings) Arena(name string) (api.Arena, error) {
	if name == "busy" {
		return api.Arena{Name: "busy", Game: "connect4", Seats: 2}, nil
	}
	return f.node.Arena(name)
}

func (f *costlyRatings) Leaderboard(name string) ([]arena.RatingEntry, error) {
	if name != "busy" {
		return f.node.Leaderboard(name)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]arena.RatingEntry(nil), f.table...), nil
}

func (f *costlyRatings) BradleyTerry(ctx context.Context, name string) (map[string]ranking.BTRow, error) {
	if name != "busy" {
		return f.node.BradleyTerry(ctx, name)
	}
	f.btCalls.Add(1)
	time.Sleep(20 * time.Millisecond) // long enough for requests to meet
	return map[string]ranking.BTRow{"ag_a": {Agent: "ag_a", Rating: 1010, Battles: 1}, "ag_b": {Agent: "ag_b", Rating: 990, Battles: 1}}, nil
}

func (f *costlyRatings) WinRates(name string) (arena.WinRates, error) {
	if name != "busy" {
		return arena.WinRates{}, apperr.New(apperr.NotFound, "no arena %s", name)
	}
	f.winRateCalls.Add(1)
	time.Sleep(20 * time.Millisecond)
	f.mu.Lock()
	r := f.rate
	f.mu.Unlock()
	return arena.WinRates{Agents: []string{"ag_a", "ag_b"}, Rates: [][]float64{{nan(), r}, {1 - r, nan()}}, Games: [][]int{{0, 1}, {1, 0}}}, nil
}

func (f *costlyRatings) RatingHistory(agentID, name string) ([]arena.RatingPoint, error) {
	if name != "busy" {
		return f.node.RatingHistory(agentID, name)
	}
	if agentID == "ag_a" {
		f.trendCalls.Add(1)
	}
	time.Sleep(20 * time.Millisecond)
	return []arena.RatingPoint{{Arena: "busy", Before: ranking.InitialRating, After: ranking.InitialRating + 16}}, nil
}

func nan() float64 { var z float64; return z / z }

// settle is what a settlement does to the rating table: both seats play
// one more game, at a later time.
func (f *costlyRatings) settle(rate float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	if len(f.table) == 0 {
		f.table = []arena.RatingEntry{{Arena: "busy", AgentID: "ag_a"}, {Arena: "busy", AgentID: "ag_b"}}
	}
	for i := range f.table {
		f.table[i].Games++
		f.table[i].LastAt = now
	}
	f.rate = rate
}

// TestRatingTablesAreComputedOncePerChange: an arena's Bradley–Terry table
// and win rates read every battle it ever had (0.2 s of CPU at 100,000
// battles), its trends every rating point, and each anonymous GET of its
// leaderboard, the home page's data, its win rates or trends computed
// them again, concurrent requests all at once. They are now computed once per change of the arena's rating
// table, and a request made after a settlement sees it.
func TestRatingTablesAreComputedOncePerChange(t *testing.T) {
	c := arenatest.NewCluster(t, 1)
	f := &costlyRatings{node: c.Nodes[0], contestsNode: c.Nodes[0]}
	f.settle(1)
	srv := web.New(web.Config{Node: c.Nodes[0], Contests: f})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)

	get := func(path string) string {
		res, err := http.Get(ts.URL + path)
		if err != nil {
			t.Error(err)
			return ""
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, res.StatusCode, b)
		}
		return string(b)
	}
	burst := func(path string) {
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() { defer wg.Done(); get(path) }()
		}
		wg.Wait()
	}
	rateOfA := func() float64 {
		var wr struct {
			Agents []string     `json:"agents"`
			Rates  [][]*float64 `json:"rates"`
		}
		if err := json.Unmarshal([]byte(get("/v1/arenas/busy/winrates")), &wr); err != nil {
			t.Fatal(err)
		}
		if len(wr.Rates) != 2 || wr.Rates[0][0] != nil || wr.Rates[0][1] == nil {
			t.Fatalf("win rates %+v", wr)
		}
		return *wr.Rates[0][1]
	}

	for _, tc := range []struct {
		path  string
		calls *atomic.Int64
	}{
		{"/v1/arenas/busy/winrates", &f.winRateCalls},
		{"/v1/arenas/busy/leaderboard", &f.btCalls},
		{"/v1/arenas/busy/leaderboard?method=bt", &f.btCalls},
		{"/v1/arenas/busy/trends", &f.trendCalls},
	} {
		t.Run(fmt.Sprintf("20 requests at once for %s compute it once", tc.path), func(t *testing.T) {
			before := tc.calls.Load()
			burst(tc.path)
			if n := tc.calls.Load() - before; n > 1 {
				t.Errorf("computed %d times, want at most once", n)
			}
		})
	}
	t.Run("an unchanged table is not computed again", func(t *testing.T) {
		before := f.btCalls.Load()
		get("/v1/arenas/busy/leaderboard")
		if n := f.btCalls.Load() - before; n != 0 {
			t.Errorf("computed %d times, want none: nothing changed", n)
		}
	})
	t.Run("a request after a settlement sees it", func(t *testing.T) {
		if r := rateOfA(); r != 1 {
			t.Fatalf("rate %v before, want 1", r)
		}
		bt, wr, tr := f.btCalls.Load(), f.winRateCalls.Load(), f.trendCalls.Load()
		f.settle(0.5)
		if r := rateOfA(); r != 0.5 {
			t.Errorf("rate %v after the settlement, want 0.5", r)
		}
		get("/v1/arenas/busy/leaderboard")
		get("/v1/arenas/busy/trends")
		if f.btCalls.Load() != bt+1 || f.winRateCalls.Load() != wr+1 || f.trendCalls.Load() != tr+1 {
			t.Errorf("after a settlement: BT computed %d times, win rates %d, trends %d, want once each",
				f.btCalls.Load()-bt, f.winRateCalls.Load()-wr, f.trendCalls.Load()-tr)
		}
	})
}
