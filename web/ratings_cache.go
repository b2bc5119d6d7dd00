package web

import (
	"context"
	"encoding/json"
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
		// cost is how long the last fit took and done when it ended;
		// refitting is set while a background refit runs.
		cost      time.Duration
		done      time.Time
		refitting bool
	}
	wr     cachedAnswer // GET /v1/arenas/{name}/winrates (winrates.go)
	wrAll  winRateTable // the whole table the answers are cut from
	trends cachedAnswer // GET /v1/arenas/{name}/trends
}

// cachedAnswer is a whole JSON answer and the table it was computed for.
type cachedAnswer struct {
	fp   ratingsPrint
	ok   bool
	json []byte
}

// answer returns slot's answer for the rating table list, computing it
// with compute when the table changed since (the caller holds a.mu).
func (slot *cachedAnswer) answer(fp ratingsPrint, compute func() (any, error)) ([]byte, error) {
	if slot.ok && slot.fp == fp {
		return slot.json, nil
	}
	v, err := compute()
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	slot.fp, slot.ok, slot.json = fp, true, b
	return b, nil
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

// btFreshness says which settlements an arena's Bradley–Terry column
// covers: asOf is the newest one it includes, and stale is set while
// newer ones wait for a refit under way or due.
type btFreshness struct {
	asOf  time.Time
	stale bool
}

// A Bradley–Terry fit with its bootstrap grows with the pairs that met:
// 100 agents and 100,000 battles take about a second of CPU, 1,000 agents
// several seconds. Refitting on the first request after every settlement,
// and making that request (and all that arrive meanwhile) wait, left a
// busy large arena's leaderboard loading for seconds each time and a core
// fitting without pause. A board whose last fit cost more than
// btInlineBudget is therefore refitted in the background, no sooner than
// btRefitGap after the previous fit ended, while requests get the last
// fitted board marked stale (Chatbot Arena publishes its board
// periodically for the same reason). Cheaper boards are fitted on the
// request, so read-your-writes holds for them.
const btInlineBudget = 250 * time.Millisecond

// btLargeBoard is how many rated agents make a board costly before it was
// ever fitted (after a restart, on a new node): its first fit, too, runs
// in the background, and until it lands the board has no Bradley–Terry
// cells. The cost grows with the agents more than with the battles:
// 923 agents with 15,500 battles took 3.8 s on an idle core (11 s on a
// busy one), 100 agents with 100,000 battles 0.13 s.
const btLargeBoard = 200

// btRefitGap is how long a costly board rests after a fit that took cost:
// four times as long, so refits take at most a fifth of a core per arena.
func btRefitGap(cost time.Duration) time.Duration { return 4 * cost }

// bradleyTerry is Contests.BradleyTerry for the arena whose rating table
// list is (read just before), and how fresh it is.
func (s *Server) bradleyTerry(name string, list []arena.RatingEntry) (map[string]ranking.BTRow, btFreshness, error) {
	fp := fingerprint(list)
	if fp.agents == 0 {
		return map[string]ranking.BTRow{}, btFreshness{}, nil // no rating, no battle
	}
	a := s.ratings.arena(name)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.bt.ok && a.bt.fp == fp {
		return a.bt.rows, btFreshness{asOf: fp.last}, nil
	}
	if !a.bt.ok && fp.agents >= btLargeBoard && s.running() {
		if !a.bt.refitting && time.Since(a.bt.done) >= btRefitGap(btInlineBudget) {
			a.bt.refitting = s.spawn(func(ctx context.Context) { s.refitBT(ctx, name, a) })
		}
		return map[string]ranking.BTRow{}, btFreshness{stale: true}, nil
	}
	if a.bt.ok && a.bt.cost > btInlineBudget && s.running() {
		if !a.bt.refitting && time.Since(a.bt.done) >= btRefitGap(a.bt.cost) {
			a.bt.refitting = s.spawn(func(ctx context.Context) { s.refitBT(ctx, name, a) })
		}
		return a.bt.rows, btFreshness{asOf: a.bt.fp.last, stale: true}, nil
	}
	start := time.Now()
	rows, err := s.cfg.Contests.BradleyTerry(s.runContext(), name)
	if err != nil {
		return nil, btFreshness{}, err
	}
	a.bt.fp, a.bt.ok, a.bt.rows = fp, true, rows
	a.bt.done = time.Now()
	a.bt.cost = a.bt.done.Sub(start)
	return rows, btFreshness{asOf: fp.last}, nil
}

// refitBT fits arena name's current battles off the request path and
// keeps the board unless a newer one was stored meanwhile.
func (s *Server) refitBT(ctx context.Context, name string, a *arenaRatings) {
	list, err := s.cfg.Contests.Leaderboard(name)
	var rows map[string]ranking.BTRow
	start := time.Now()
	if err == nil {
		rows, err = s.cfg.Contests.BradleyTerry(ctx, name)
	}
	done := time.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.bt.refitting = false
	if err != nil {
		if ctx.Err() == nil {
			s.cfg.Logger.Warn("refitting a leaderboard's Bradley–Terry column failed; it shows the previous fit", "arena", name, "err", err)
		}
		a.bt.done = done // try again after the gap, not on the next request
		return
	}
	fp := fingerprint(list)
	if fp.last.Before(a.bt.fp.last) || fp.games < a.bt.fp.games {
		return
	}
	a.bt.fp, a.bt.ok, a.bt.rows, a.bt.done, a.bt.cost = fp, true, rows, done, done.Sub(start)
}

// trendsJSON is the GET /v1/arenas/{name}/trends answer: for every agent
// on the leaderboard, its last trendPoints Elo ratings. The node reads
// each agent's whole history to find them (two points a battle), so it is
// cached like the tables above: the settlement that adds a point changes
// the rating table in the same transaction.
func (s *Server) trendsJSON(name string) ([]byte, error) {
	board, err := s.cfg.Contests.Leaderboard(name)
	if err != nil {
		return nil, err
	}
	fp := fingerprint(board)
	a := s.ratings.arena(name)
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.trends.answer(fp, func() (any, error) {
		trends := make(map[string][]float64, len(board))
		for _, e := range board {
			hist, err := s.cfg.Contests.RatingHistory(e.AgentID, name)
			if err != nil {
				return nil, err
			}
			if len(hist) > trendPoints-1 {
				hist = hist[len(hist)-(trendPoints-1):]
			}
			pts := make([]float64, 0, len(hist)+1)
			if len(hist) > 0 {
				pts = append(pts, hist[0].Before.Float())
			}
			for _, h := range hist {
				pts = append(pts, h.After.Float())
			}
			trends[e.AgentID] = pts
		}
		return struct {
			Arena  string               `json:"arena"`
			Trends map[string][]float64 `json:"trends"`
		}{name, trends}, nil
	})
}
