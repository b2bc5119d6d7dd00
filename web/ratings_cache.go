package web

import (
	"encoding/json"
	"math"
	"sync"
	"time"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/ranking"
)

// An arena's Bradley–Terry table and win-rate matrix are computed from
// every battle it ever had: the node reads and decodes them all (about
// 0.2 s for 100,000 battles, which a busy arena's bots reach in a day or
// two) even when its Bradley–Terry cache is fresh, and the win rates were
// not cached at all. Each anonymous GET of a leaderboard, of the home
// page's data or of the win rates paid that, so one address allowed 100
// requests a second could keep 20 cores busy, and concurrent requests
// after a settlement all computed the same table at once.
//
// ratingsCache keeps both per arena, tagged with a fingerprint of the
// arena's rating table, which is cheap to read (one row per agent) and
// changes in the same transaction as the battles: a settlement adds
// battles and gives every seat one more game and a new last_at. The
// fingerprint is read before the battles, so a result is never older than
// its tag; a request made after a settlement sees a new fingerprint and
// computes afresh (read-your-writes holds). One computation per arena runs
// at a time; requests arriving meanwhile wait for it and use its result
// when it is still current.
type ratingsCache struct {
	mu     sync.Mutex
	arenas map[string]*arenaRatings
}

type arenaRatings struct {
	// mu is held while computing, so concurrent requests compute once.
	mu sync.Mutex
	bt struct {
		fp   ratingsPrint
		ok   bool
		rows map[string]ranking.BTRow
	}
	wr struct {
		fp   ratingsPrint
		ok   bool
		json []byte // the whole GET /v1/arenas/{name}/winrates answer
	}
}

// ratingsPrint fingerprints an arena's rating table.
type ratingsPrint struct {
	agents int
	games  int64
	last   time.Time
}

func fingerprint(list []arena.RatingEntry) ratingsPrint {
	var p ratingsPrint
	p.agents = len(list)
	for _, e := range list {
		p.games += int64(e.Games)
		if e.LastAt.After(p.last) {
			p.last = e.LastAt
		}
	}
	return p
}

func (c *ratingsCache) arena(name string) *arenaRatings {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.arenas == nil {
		c.arenas = map[string]*arenaRatings{}
	}
	a := c.arenas[name]
	if a == nil {
		a = &arenaRatings{}
		c.arenas[name] = a
	}
	return a
}

// forget drops a deleted arena's tables.
func (c *ratingsCache) forget(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.arenas, name)
}

// bradleyTerry is Contests.BradleyTerry for the arena whose rating table
// list is (read just before).
func (s *Server) bradleyTerry(name string, list []arena.RatingEntry) (map[string]ranking.BTRow, error) {
	fp := fingerprint(list)
	if fp.agents == 0 {
		return map[string]ranking.BTRow{}, nil // no rating, no battle
	}
	a := s.ratings.arena(name)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.bt.ok && a.bt.fp == fp {
		return a.bt.rows, nil
	}
	rows, err := s.cfg.Contests.BradleyTerry(name)
	if err != nil {
		return nil, err
	}
	a.bt.fp, a.bt.ok, a.bt.rows = fp, true, rows
	return rows, nil
}

// winRatesJSON is the GET /v1/arenas/{name}/winrates answer.
func (s *Server) winRatesJSON(name string) ([]byte, error) {
	list, err := s.cfg.Contests.Leaderboard(name)
	if err != nil {
		return nil, err
	}
	fp := fingerprint(list)
	a := s.ratings.arena(name)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.wr.ok && a.wr.fp == fp {
		return a.wr.json, nil
	}
	wr, err := s.cfg.Contests.WinRates(name)
	if err != nil {
		return nil, err
	}
	agentIDs, games := wr.Agents, wr.Games
	out := make([][]*float64, len(wr.Rates))
	for i, row := range wr.Rates {
		out[i] = make([]*float64, len(row))
		for j, r := range row {
			if !math.IsNaN(r) {
				v := r
				out[i][j] = &v
			}
		}
	}
	if agentIDs == nil {
		agentIDs, games = []string{}, [][]int{}
	}
	b, err := json.Marshal(struct {
		Agents []string     `json:"agents"`
		Arena  string       `json:"arena"`
		Games  [][]int      `json:"games"`
		Rates  [][]*float64 `json:"rates"`
	}{agentIDs, name, games, out})
	if err != nil {
		return nil, err
	}
	a.wr.fp, a.wr.ok, a.wr.json = fp, true, b
	return b, nil
}
