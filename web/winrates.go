package web

import (
	"cmp"
	"math"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/arena"
)

// A win-rate table of n agents has n² cells: a thousand-agent arena's
// was a 10 MB JSON answer to every anonymous GET, for a table no one
// reads whole. An answer holds at most maxWinRateAgents agents: those
// ?agents= names, else the top of the leaderboard by Elo, and says how
// many agents the whole table has.
const maxWinRateAgents = 200

// winRateTable is an arena's whole table and the rating table it was
// computed for.
type winRateTable struct {
	fp ratingsPrint
	ok bool
	wr arena.WinRates
}

// winRates serves GET /v1/arenas/{name}/winrates[?agents=id,id,...]: for
// each ordered pair of agents, the share of their battles the row agent
// won (ties count half) and how many they played; null where they never
// met.
func (s *Server) winRates(c *gin.Context) {
	if _, err := s.cfg.Contests.Arena(c.Param("name")); err != nil {
		s.writeError(c, err)
		return
	}
	var pick []string
	if v := c.Query("agents"); v != "" {
		for id := range strings.SplitSeq(v, ",") {
			if id = strings.TrimSpace(id); id != "" && !slices.Contains(pick, id) {
				pick = append(pick, id)
			}
		}
		if len(pick) > maxWinRateAgents {
			s.writeError(c, apperr.New(apperr.Invalid, "agents names %d agents; a table holds at most %d", len(pick), maxWinRateAgents))
			return
		}
	}
	b, err := s.winRatesJSON(c.Param("name"), pick)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", b)
}

// winRatesJSON is the answer for the agents in pick (none: the default
// cut, which is cached with the table).
func (s *Server) winRatesJSON(name string, pick []string) ([]byte, error) {
	list, err := s.cfg.Contests.Leaderboard(name)
	if err != nil {
		return nil, err
	}
	fp := fingerprint(list)
	a := s.ratings.arena(name)
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.wrAll.ok || a.wrAll.fp != fp {
		wr, err := s.cfg.Contests.WinRates(name)
		if err != nil {
			return nil, err
		}
		a.wrAll = winRateTable{fp: fp, ok: true, wr: wr}
	}
	wr := a.wrAll.wr
	if len(pick) > 0 {
		return jsonMarshal(winRateView(name, wr, pick))
	}
	return a.wr.answer(fp, func() (any, error) {
		if len(wr.Agents) > maxWinRateAgents {
			pick = topByElo(list, maxWinRateAgents)
		}
		return winRateView(name, wr, pick), nil
	})
}

// topByElo lists the n best-rated agents of a rating table.
func topByElo(list []arena.RatingEntry, n int) []string {
	list = slices.Clone(list)
	slices.SortFunc(list, func(x, y arena.RatingEntry) int {
		return cmp.Or(cmp.Compare(y.Rating, x.Rating), strings.Compare(x.AgentID, y.AgentID))
	})
	ids := make([]string, 0, n)
	for _, e := range list[:min(n, len(list))] {
		ids = append(ids, e.AgentID)
	}
	return ids
}

// winRateView cuts the table to the agents in pick (all when nil), in the
// table's ascending id order; agents without battles here are left out.
func winRateView(name string, wr arena.WinRates, pick []string) any {
	var idx []int
	for i, id := range wr.Agents {
		if pick == nil || slices.Contains(pick, id) {
			idx = append(idx, i)
		}
	}
	agents := make([]string, len(idx))
	games := make([][]int, len(idx))
	rates := make([][]*float64, len(idx))
	for k, i := range idx {
		agents[k] = wr.Agents[i]
		games[k] = make([]int, len(idx))
		rates[k] = make([]*float64, len(idx))
		for l, j := range idx {
			games[k][l] = wr.Games[i][j]
			if r := wr.Rates[i][j]; !math.IsNaN(r) {
				rates[k][l] = &r
			}
		}
	}
	return struct {
		Agents      []string     `json:"agents"`
		AgentsTotal int          `json:"agents_total"`
		Arena       string       `json:"arena"`
		Games       [][]int      `json:"games"`
		Rates       [][]*float64 `json:"rates"`
	}{agents, len(wr.Agents), name, games, rates}
}
