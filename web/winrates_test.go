package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/ranking"
	"github.com/agentarena/arena/web"
)

// bigBoard is costlyRatings whose "busy" arena has n rated agents, every
// pair of which met once (the lower id won).
type bigBoard struct {
	*costlyRatings
	n int
}

func (f *bigBoard) id(i int) string { return fmt.Sprintf("ag_%03d", i) }

func (f *bigBoard) Leaderboard(name string) ([]arena.RatingEntry, error) {
	if name != "busy" {
		return f.costlyRatings.Leaderboard(name)
	}
	list := make([]arena.RatingEntry, f.n)
	for i := range list {
		// ag_000 is rated lowest, so the top by Elo is the end of the ids.
		list[i] = arena.RatingEntry{Arena: "busy", AgentID: f.id(i), Rating: ranking.InitialRating + ranking.Rating(i), Games: f.n - 1}
	}
	return list, nil
}

func (f *bigBoard) WinRates(name string) (arena.WinRates, error) {
	wr := arena.WinRates{Rates: make([][]float64, f.n), Games: make([][]int, f.n)}
	for i := range f.n {
		wr.Agents = append(wr.Agents, f.id(i))
		wr.Rates[i], wr.Games[i] = make([]float64, f.n), make([]int, f.n)
		for j := range f.n {
			switch {
			case i == j:
				wr.Rates[i][j] = nan()
			case i < j:
				wr.Rates[i][j], wr.Games[i][j] = 1, 1
			default:
				wr.Rates[i][j], wr.Games[i][j] = 0, 1
			}
		}
	}
	return wr, nil
}

// TestWinRatesHoldAtMost200Agents: a thousand-agent arena's win-rate
// table was a 10 MB answer to any anonymous GET. An answer now holds at
// most 200 agents: the best by Elo, or those ?agents= names.
func TestWinRatesHoldAtMost200Agents(t *testing.T) {
	c := arenatest.NewCluster(t, 1)
	f := &bigBoard{costlyRatings: &costlyRatings{node: c.Nodes[0], contestsNode: c.Nodes[0]}, n: 250}
	ts := httptest.NewServer(web.New(web.Config{Node: c.Nodes[0], Contests: f}).Handler())
	t.Cleanup(ts.Close)
	type table struct {
		Agents      []string     `json:"agents"`
		AgentsTotal int          `json:"agents_total"`
		Games       [][]int      `json:"games"`
		Rates       [][]*float64 `json:"rates"`
	}
	get := func(query string) (int, table, string) {
		t.Helper()
		res, err := http.Get(ts.URL + "/v1/arenas/busy/winrates" + query)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var tb table
		if res.StatusCode == http.StatusOK {
			if err := json.Unmarshal(b, &tb); err != nil {
				t.Fatal(err)
			}
		}
		return res.StatusCode, tb, string(b)
	}

	status, top, _ := get("")
	if status != http.StatusOK || len(top.Agents) != 200 || top.AgentsTotal != 250 || len(top.Rates) != 200 || len(top.Games[0]) != 200 {
		t.Fatalf("default: %d, %d agents of %d, %dx%d", status, len(top.Agents), top.AgentsTotal, len(top.Rates), len(top.Games[0]))
	}
	if top.Agents[0] != "ag_050" || top.Agents[199] != "ag_249" || !slices.IsSorted(top.Agents) {
		t.Errorf("default agents %s..%s, want the 200 best by Elo (ag_050..ag_249) in id order", top.Agents[0], top.Agents[199])
	}
	if top.Rates[0][1] == nil || *top.Rates[0][1] != 1 || top.Rates[1][1] != nil || top.Games[1][0] != 1 {
		t.Errorf("the cut table's cells moved: %v %v %v", top.Rates[0][1], top.Rates[1][1], top.Games[1][0])
	}

	status, some, _ := get("?agents=ag_007,ag_003,ag_nope,ag_003")
	if status != http.StatusOK || !slices.Equal(some.Agents, []string{"ag_003", "ag_007"}) || some.AgentsTotal != 250 ||
		*some.Rates[0][1] != 1 || *some.Rates[1][0] != 0 || some.Rates[0][0] != nil {
		t.Errorf("?agents=: %d %+v", status, some)
	}

	many := make([]string, 201)
	for i := range many {
		many[i] = fmt.Sprintf("ag_%03d", i)
	}
	if status, _, body := get("?agents=" + strings.Join(many, ",")); status != http.StatusBadRequest || !strings.Contains(body, "at most 200") {
		t.Errorf("201 agents named: %d %s, want 400", status, body)
	}
	if status, _, body := get("?agent=ag_001"); status != http.StatusBadRequest || !strings.Contains(body, "unknown query parameter") {
		t.Errorf("?agent= (misspelt): %d %s, want 400", status, body)
	}
}
