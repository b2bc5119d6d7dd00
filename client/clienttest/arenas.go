package clienttest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

type arena struct {
	Name                  string          `json:"name"`
	Game                  string          `json:"game"`
	Seats                 int             `json:"seats"`
	MoveDeadlineMS        int64           `json:"move_deadline_ms"`
	GraceMS               int64           `json:"grace_ms"`
	Forfeit               string          `json:"forfeit"`
	Stake                 int64           `json:"stake"`
	Rewards               []int           `json:"rewards"`
	Judges                []string        `json:"judges"`
	EloK                  float64         `json:"elo_k"`
	MaxConcurrentPerAgent int             `json:"max_concurrent_per_agent"`
	Injection             string          `json:"injection,omitempty"`
	Options               json.RawMessage `json:"options,omitempty"`
	CreatedAt             time.Time       `json:"created_at"`
	UpdatedAt             time.Time       `json:"updated_at"`
}

// defaultArenas mirrors what a fresh cluster seeds.
func defaultArenas() map[string]*arena {
	return map[string]*arena{
		"connect4": {Name: "connect4", Game: "connect4", Seats: 2, MoveDeadlineMS: 5000, GraceMS: 10000, Forfeit: "lose",
			Stake: 100, Rewards: []int{100}, Judges: []string{"referee"}, EloK: 32, MaxConcurrentPerAgent: 1,
			CreatedAt: Epoch, UpdatedAt: Epoch},
		"prompt": {Name: "prompt", Game: "prompt", Seats: 3, MoveDeadlineMS: 30000, GraceMS: 10000, Forfeit: "lose",
			Stake: 100, Rewards: []int{60, 30, 10}, Judges: []string{"rubric"}, EloK: 32, MaxConcurrentPerAgent: 1,
			CreatedAt: Epoch, UpdatedAt: Epoch},
	}
}

// LeaderboardEntry is an agent's standing, as SetLeaderboard takes it.
type LeaderboardEntry struct {
	AgentID, Name, OwnerID     string
	Elo                        float64
	Games, Wins, Draws, Losses int
	// BT is nil for an agent without Bradley–Terry battles.
	BT *BTRating
}

// BTRating is a Bradley–Terry rating with its 95% interval.
type BTRating struct {
	Rating, Lower, Upper float64
	Rank, Battles        int
}

// SetLeaderboard replaces an arena's standings.
func (s *Server) SetLeaderboard(arena string, entries ...LeaderboardEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.boards[arena] = slices.Clone(entries)
}

func (s *Server) listArenas(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.auth(w, r); !ok {
		return
	}
	list := []*arena{}
	for _, a := range s.arenas {
		list = append(list, a)
	}
	slices.SortFunc(list, func(a, b *arena) int { return cmp.Compare(a.Name, b.Name) })
	writeJSON(w, http.StatusOK, map[string]any{"arenas": list})
}

// arenaNamed finds the arena of the {name} path value and writes a 404
// when there is none; the caller must hold s.mu.
func (s *Server) arenaNamed(w http.ResponseWriter, name string) (*arena, bool) {
	a := s.arenas[name]
	if a == nil {
		writeError(w, http.StatusNotFound, "not_found", "arena "+name+" not found")
		return nil, false
	}
	return a, true
}

func (s *Server) getArena(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.auth(w, r); !ok {
		return
	}
	if a, ok := s.arenaNamed(w, r.PathValue("name")); ok {
		writeJSON(w, http.StatusOK, map[string]any{"arena": a})
	}
}

func (s *Server) putArena(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Game                  string          `json:"game"`
		Seats                 int             `json:"seats"`
		MoveDeadlineMS        int64           `json:"move_deadline_ms"`
		GraceMS               *int64          `json:"grace_ms"`
		Forfeit               string          `json:"forfeit"`
		Stake                 int64           `json:"stake"`
		Rewards               []int           `json:"rewards"`
		Judges                []string        `json:"judges"`
		EloK                  float64         `json:"elo_k"`
		MaxConcurrentPerAgent int             `json:"max_concurrent_per_agent"`
		Injection             string          `json:"injection"`
		Options               json.RawMessage `json:"options"`
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.requireOperator(w, r) || !decode(w, r, &req) {
		return
	}
	name := r.PathValue("name")
	if req.Game != "connect4" && req.Game != "prompt" {
		writeError(w, http.StatusBadRequest, "invalid", fmt.Sprintf("unknown game %q", req.Game))
		return
	}
	_, now := s.tick()
	a := &arena{Name: name, Game: req.Game, Seats: req.Seats, MoveDeadlineMS: cmp.Or(req.MoveDeadlineMS, 5000), GraceMS: 10000,
		Forfeit: cmp.Or(req.Forfeit, "lose"), Stake: req.Stake, Rewards: req.Rewards, Judges: req.Judges,
		EloK: cmp.Or(req.EloK, 32), MaxConcurrentPerAgent: cmp.Or(req.MaxConcurrentPerAgent, 1), Injection: req.Injection,
		Options: req.Options, CreatedAt: now, UpdatedAt: now}
	if req.GraceMS != nil {
		a.GraceMS = *req.GraceMS
	}
	if a.Rewards == nil {
		a.Rewards = []int{100}
	}
	if len(a.Judges) == 0 {
		a.Judges = []string{"referee"}
	}
	if old := s.arenas[name]; old != nil {
		if old.Game != a.Game {
			writeError(w, http.StatusConflict, "conflict", "arena "+name+" plays "+old.Game+"; its game cannot change")
			return
		}
		a.CreatedAt = old.CreatedAt
	}
	s.arenas[name] = a
	writeJSON(w, http.StatusOK, map[string]any{"arena": a})
}

type btCell struct {
	Rating  float64 `json:"rating"`
	Lower   float64 `json:"lower"`
	Upper   float64 `json:"upper"`
	Rank    int     `json:"rank"`
	Battles int     `json:"battles"`
}

type boardRow struct {
	Rank    int       `json:"rank"`
	AgentID string    `json:"agent_id"`
	Name    string    `json:"name"`
	OwnerID string    `json:"owner_id"`
	Elo     float64   `json:"elo"`
	Rating  int64     `json:"rating"`
	BT      *btCell   `json:"bt,omitempty"`
	Games   int       `json:"games"`
	Wins    int       `json:"wins"`
	Draws   int       `json:"draws"`
	Losses  int       `json:"losses"`
	LastAt  time.Time `json:"last_at"`
}

func (s *Server) leaderboard(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.auth(w, r); !ok {
		return
	}
	method := cmp.Or(r.URL.Query().Get("method"), "elo")
	if method != "elo" && method != "bt" {
		writeError(w, http.StatusBadRequest, "invalid", `method must be "elo" or "bt"`)
		return
	}
	name := r.PathValue("name")
	if _, ok := s.arenaNamed(w, name); !ok {
		return
	}
	rows := []boardRow{}
	for _, e := range s.boards[name] {
		row := boardRow{AgentID: e.AgentID, Name: e.Name, OwnerID: e.OwnerID, Elo: e.Elo, Rating: int64(e.Elo * 1000),
			Games: e.Games, Wins: e.Wins, Draws: e.Draws, Losses: e.Losses, LastAt: Epoch}
		if e.BT != nil {
			row.BT = &btCell{e.BT.Rating, e.BT.Lower, e.BT.Upper, e.BT.Rank, e.BT.Battles}
		}
		rows = append(rows, row)
	}
	slices.SortStableFunc(rows, func(a, b boardRow) int { return cmp.Compare(b.Elo, a.Elo) })
	if method == "bt" {
		slices.SortStableFunc(rows, func(a, b boardRow) int {
			switch {
			case a.BT == nil || b.BT == nil:
				return cmp.Compare(btMissing(a.BT), btMissing(b.BT))
			case a.BT.Rank != b.BT.Rank:
				return cmp.Compare(a.BT.Rank, b.BT.Rank)
			}
			return cmp.Compare(b.BT.Rating, a.BT.Rating)
		})
	}
	for i := range rows {
		rows[i].Rank = i + 1
		if method == "bt" && rows[i].BT != nil {
			rows[i].Rank = rows[i].BT.Rank
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"arena": name, "method": method, "entries": rows})
}

func btMissing(c *btCell) int {
	if c == nil {
		return 1
	}
	return 0
}

type ticket struct {
	Arena    string    `json:"arena"`
	AgentID  string    `json:"agent_id"`
	OwnerID  string    `json:"owner_id"`
	QueuedAt time.Time `json:"queued_at"`
	Seq      uint64    `json:"seq"`
}

// Queued reports whether an agent waits in an arena's queue.
func (s *Server) Queued(agentID, arena string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queue[arena+"/"+agentID] != nil
}

func (s *Server) queueAgent(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Arena string `json:"arena"`
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.ownedAgent(w, r)
	if !ok || !decode(w, r, &req) {
		return
	}
	if _, ok := s.arenaNamed(w, req.Arena); !ok {
		return
	}
	key := req.Arena + "/" + a.ID
	if t := s.queue[key]; t != nil {
		writeJSON(w, http.StatusOK, map[string]any{"ticket": t})
		return
	}
	n, now := s.tick()
	t := &ticket{Arena: req.Arena, AgentID: a.ID, OwnerID: a.OwnerID, QueuedAt: now, Seq: uint64(100 + n)}
	s.queue[key] = t
	writeJSON(w, http.StatusOK, map[string]any{"ticket": t})
}

func (s *Server) unqueueAgent(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.ownedAgent(w, r)
	if !ok {
		return
	}
	key := r.PathValue("arena") + "/" + a.ID
	if s.queue[key] == nil {
		writeError(w, http.StatusNotFound, "not_found", "agent "+a.ID+" is not queued in arena "+r.PathValue("arena"))
		return
	}
	delete(s.queue, key)
	w.WriteHeader(http.StatusNoContent)
}

type seat struct {
	AgentID string `json:"agent_id"`
	OwnerID string `json:"owner_id"`
	Name    string `json:"name"`
	Version int    `json:"version"`
}

type contest struct {
	ID           string    `json:"id"`
	Arena        string    `json:"arena"`
	Game         string    `json:"game"`
	Status       string    `json:"status"`
	Seats        []seat    `json:"seats"`
	Seed         uint64    `json:"seed"`
	Seq          uint64    `json:"seq"`
	Turn         uint64    `json:"turn"`
	Deadlines    []int64   `json:"deadlines"`
	Strikes      []int     `json:"strikes"`
	CreatedAt    time.Time `json:"created_at"`
	EndedAt      time.Time `json:"ended_at,omitzero"`
	Ranks        []int     `json:"ranks,omitempty"`
	RatingDeltas []float64 `json:"rating_deltas,omitempty"`
	Payouts      []int64   `json:"payouts,omitempty"`
	Reason       string    `json:"reason,omitempty"`
}

// AddContest starts a contest of the given agents in an arena, moving each
// seat's stake into its escrow. With ranks (ranks[seat], 0 for first) it
// also settles it: the pot is paid by the arena's rewards and any remainder
// goes to the house. It returns the contest id.
func (s *Server) AddContest(arenaName string, agentIDs []string, ranks []int) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ar := s.arenas[arenaName]
	if ar == nil {
		return "", fmt.Errorf("clienttest: no arena %q", arenaName)
	}
	if len(agentIDs) != ar.Seats {
		return "", fmt.Errorf("clienttest: arena %s seats %d agents, not %d", ar.Name, ar.Seats, len(agentIDs))
	}
	if ranks != nil && len(ranks) != len(agentIDs) {
		return "", fmt.Errorf("clienttest: %d ranks for %d seats", len(ranks), len(agentIDs))
	}
	n, now := s.tick()
	c := &contest{ID: fmt.Sprintf("ct_%d", n), Arena: ar.Name, Game: ar.Game, Status: "running", Seed: uint64(n),
		Seq: 1, Deadlines: make([]int64, len(agentIDs)), Strikes: make([]int, len(agentIDs)), CreatedAt: now}
	escrow := "escrow:" + c.ID
	for i, id := range agentIDs {
		a := s.agents[id]
		if a == nil {
			return "", fmt.Errorf("clienttest: no agent %q", id)
		}
		c.Seats = append(c.Seats, seat{AgentID: a.ID, OwnerID: a.OwnerID, Name: a.Name, Version: a.Version})
		if ar.Stake > 0 {
			if _, err := s.move(fmt.Sprintf("stake/%s/%d", c.ID, i), wallet(a.OwnerID), escrow, ar.Stake, "stake", c.ID, ""); err != nil {
				return "", err
			}
		}
	}
	if ranks != nil {
		pot := s.balances[escrow]
		c.Status, c.Ranks, c.EndedAt, c.Seq, c.Turn = "settled", slices.Clone(ranks), now, 2, 7
		for i, rank := range ranks {
			var share int64
			if rank < len(ar.Rewards) {
				share = pot * int64(ar.Rewards[rank]) / 100
			}
			c.Payouts = append(c.Payouts, share)
			c.RatingDeltas = append(c.RatingDeltas, map[bool]float64{true: 16, false: -16}[rank == 0])
			if share > 0 {
				if _, err := s.move(fmt.Sprintf("payout/%s/%d", c.ID, i), escrow, wallet(c.Seats[i].OwnerID), share, "payout", c.ID, ""); err != nil {
					return "", err
				}
			}
		}
		if rest := s.balances[escrow]; rest > 0 {
			if _, err := s.move("fee/"+c.ID, escrow, "house", rest, "fee", c.ID, ""); err != nil {
				return "", err
			}
		}
	}
	s.contests[c.ID] = c
	s.contestOrder = append(s.contestOrder, c.ID)
	return c.ID, nil
}

func (s *Server) listContests(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.auth(w, r); !ok {
		return
	}
	q := r.URL.Query()
	switch q.Get("status") {
	case "", "running", "judging", "settled", "aborted":
	default:
		writeError(w, http.StatusBadRequest, "invalid", "status must be one of running, judging, settled, aborted")
		return
	}
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			writeError(w, http.StatusBadRequest, "invalid", "limit must be an integer from 1 to 500")
			return
		}
		limit = n
	}
	page := []*contest{}
	more := false
	started := q.Get("cursor") == ""
	for i := len(s.contestOrder) - 1; i >= 0; i-- {
		c := s.contests[s.contestOrder[i]]
		if !started {
			started = c.ID == q.Get("cursor")
			continue
		}
		if (q.Get("arena") != "" && c.Arena != q.Get("arena")) || (q.Get("status") != "" && c.Status != q.Get("status")) ||
			(q.Get("agent") != "" && !slices.ContainsFunc(c.Seats, func(s seat) bool { return s.AgentID == q.Get("agent") })) {
			continue
		}
		if len(page) == limit {
			more = true
			break
		}
		page = append(page, c)
	}
	resp := map[string]any{"contests": page}
	if more {
		resp["next_cursor"] = page[len(page)-1].ID
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) contestByID(w http.ResponseWriter, r *http.Request) (*contest, bool) {
	if _, ok := s.auth(w, r); !ok {
		return nil, false
	}
	c := s.contests[r.PathValue("id")]
	if c == nil {
		writeError(w, http.StatusNotFound, "not_found", "contest "+r.PathValue("id")+" not found")
		return nil, false
	}
	return c, true
}

func (s *Server) getContest(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.contestByID(w, r)
	if !ok {
		return
	}
	events := []map[string]any{{"contest": c.ID, "seq": 1, "type": "created", "at": c.CreatedAt, "turn": 0}}
	if !c.EndedAt.IsZero() {
		events = append(events, map[string]any{"contest": c.ID, "seq": c.Seq, "type": "ended", "at": c.EndedAt, "turn": c.Turn, "reason": c.Reason})
	}
	writeJSON(w, http.StatusOK, map[string]any{"contest": c, "view": map[string]any{"turn": c.Turn}, "events": events})
}

func (s *Server) contestPayouts(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.contestByID(w, r)
	if !ok {
		return
	}
	list := []*transfer{}
	for _, t := range s.transfers {
		if t.Contest == c.ID {
			list = append(list, t)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"contest": c.ID, "status": c.Status, "payouts": c.Payouts, "transfers": list})
}

func (s *Server) abortContest(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Reason string `json:"reason"`
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.requireOperator(w, r) || !decode(w, r, &req) {
		return
	}
	c, ok := s.contestByID(w, r)
	if !ok {
		return
	}
	if c.Status != "running" && c.Status != "judging" {
		writeError(w, http.StatusConflict, "conflict", "contest "+c.ID+" already ended ("+c.Status+")")
		return
	}
	_, now := s.tick()
	for _, t := range slices.Clone(s.transfers) {
		if t.Contest == c.ID && t.Kind == "stake" {
			if _, err := s.move("refund/"+t.ID, t.To, t.From, t.Amount, "refund", c.ID, ""); err != nil {
				writeError(w, http.StatusInternalServerError, "internal", err.Error())
				return
			}
		}
	}
	c.Status, c.EndedAt, c.Reason = "aborted", now, cmp.Or(req.Reason, "aborted by an operator")
	w.WriteHeader(http.StatusNoContent)
}
