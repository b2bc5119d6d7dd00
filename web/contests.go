package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/ledger"
	"github.com/agentarena/arena/ranking"
)

type contestListResp struct {
	Contests   []contestOut `json:"contests"`
	NextCursor string       `json:"next_cursor,omitempty"`
}

// contestOut is a contest as the API shows it: the stored record and what
// each seat staked, from the ledger (the arena's stake may have changed
// since, so a client cannot work it out).
type contestOut struct {
	arena.Contest
	// Seats shadows the record's seats in the JSON, to mark agents deleted
	// since; the record itself is replicated and never rewritten.
	Seats  []seatOut `json:"seats"`
	Stakes []int64   `json:"stakes,omitempty"`
}

// seatOut is a seat as the API shows it. Deleted is true when the agent has
// been deleted since it played: its page is gone, so pages name it without
// a link, as leaderboard rows do.
type seatOut struct {
	api.Seat
	Deleted bool `json:"deleted,omitempty"`
}

// withStakes pairs contests with their seats' stakes and marks seats whose
// agents are deleted.
func (s *Server) withStakes(cs []arena.Contest) ([]contestOut, error) {
	stakes, err := s.cfg.Contests.Stakes(cs)
	if err != nil {
		return nil, err
	}
	// An agent page lists up to maxListLimit contests against few
	// opponents: read each agent once.
	gone := make(map[string]bool)
	deleted := func(id string) bool {
		d, ok := gone[id]
		if !ok {
			_, err := s.cfg.Accounts.GetAgent(id)
			d = apperr.Is(err, apperr.NotFound)
			gone[id] = d
		}
		return d
	}
	out := make([]contestOut, len(cs))
	for i := range cs {
		seats := make([]seatOut, len(cs[i].Seats))
		for j, st := range cs[i].Seats {
			seats[j] = seatOut{Seat: st, Deleted: deleted(st.AgentID)}
		}
		out[i] = contestOut{Contest: cs[i], Seats: seats, Stakes: stakes[i]}
	}
	return out, nil
}

var contestStatuses = map[string]bool{"": true, arena.StatusRunning: true, arena.StatusJudging: true,
	arena.StatusSettled: true, arena.StatusAborted: true}

// listContests serves GET /v1/contests, newest first.
func (s *Server) listContests(c *gin.Context) {
	f := arena.ContestFilter{Arena: c.Query("arena"), Agent: c.Query("agent"), Status: c.Query("status")}
	if !contestStatuses[f.Status] {
		s.writeError(c, apperr.New(apperr.Invalid, "status must be one of running, judging, settled, aborted"))
		return
	}
	var err error
	if f.Limit, err = pageLimit(c, 50, maxListLimit); err != nil {
		s.writeError(c, err)
		return
	}
	if f.Before, err = pageCursor(c, contestCursor); err != nil {
		s.writeError(c, err)
		return
	}
	list, next, err := s.cfg.Contests.Contests(f)
	if err != nil {
		s.writeError(c, err)
		return
	}
	out, err := s.withStakes(list)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, contestListResp{Contests: out, NextCursor: next})
}

type contestResp struct {
	Contest contestOut           `json:"contest"`
	View    any                  `json:"view"`
	Events  []arena.ContestEvent `json:"events"`
}

// getContest returns a contest with its spectator view and its complete
// event history: a replay.
func (s *Server) getContest(c *gin.Context) {
	con, err := s.cfg.Contests.Contest(c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	view, err := s.cfg.Contests.PublicView(con)
	if err != nil {
		s.writeError(c, err)
		return
	}
	evs, err := s.cfg.Contests.ContestEvents(con.ID, 0, 0)
	if err != nil {
		s.writeError(c, err)
		return
	}
	for i := range evs {
		evs[i] = s.cfg.Contests.PublicEvent(con, evs[i])
	}
	con.State = nil
	out, err := s.withStakes([]arena.Contest{*con})
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, contestResp{Contest: out[0], View: view, Events: evs})
}

type abortReq struct {
	Reason string `json:"reason"`
}

func (s *Server) abortContest(c *gin.Context) {
	var req abortReq
	if err := s.readJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	if req.Reason == "" {
		req.Reason = "aborted by an operator"
	}
	ctx, cancel := s.writeCtx(c)
	defer cancel()
	if err := s.cfg.Contests.AbortContest(ctx, c.Param("id"), req.Reason); err != nil {
		s.writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) listArenas(c *gin.Context) {
	list, err := s.cfg.Contests.Arenas()
	if err != nil {
		s.writeError(c, err)
		return
	}
	queued := make(map[string]int, len(list))
	for _, a := range list {
		t, err := s.cfg.Contests.Tickets(a.Name)
		if err != nil {
			s.writeError(c, err)
			return
		}
		queued[a.Name] = len(t)
	}
	// currency tells displays how to show stakes and payouts, which are
	// minor units of the ledger's default currency.
	c.JSON(http.StatusOK, gin.H{"arenas": viewArenas(list), "queued": queued, "currency": ledgerCurrency()})
}

func (s *Server) getArena(c *gin.Context) {
	a, err := s.cfg.Contests.Arena(c.Param("name"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	t, err := s.cfg.Contests.Tickets(a.Name)
	if err != nil {
		s.writeError(c, err)
		return
	}
	// The queue depth tells owners whether waiting is worth it and lets an
	// operator see that a drained arena will start nothing more.
	c.JSON(http.StatusOK, gin.H{"arena": viewArena(a), "queued": len(t)})
}

// putArenaReq is the operator's arena definition; omitted fields take the
// defaults of a new arena.
type putArenaReq struct {
	Game                  string   `json:"game"`
	Seats                 int      `json:"seats"`
	MoveDeadlineMS        int64    `json:"move_deadline_ms"`
	GraceMS               *int64   `json:"grace_ms"`
	Forfeit               string   `json:"forfeit"`
	Stake                 int64    `json:"stake"`
	Rewards               []int    `json:"rewards"`
	Judges                []string `json:"judges"`
	EloK                  float64  `json:"elo_k"`
	MaxConcurrentPerAgent int      `json:"max_concurrent_per_agent"`
	MaxQueuedPerOwner     int      `json:"max_queued_per_owner"`
	Injection             string   `json:"injection"`
	RewardMode            string   `json:"reward_mode"`
	HouseFeeBps           int      `json:"house_fee_bps"`
	RankBy                string   `json:"rank_by"`
	ProvisionalGames      int      `json:"provisional_games"`
	// VoidAllForfeit is nil for the default (true): a contest every seat
	// forfeits is void, not a draw.
	VoidAllForfeit *bool `json:"void_all_forfeit"`
	// OneDeadlinePerAnswer is nil for the default (true).
	OneDeadlinePerAnswer *bool `json:"one_deadline_per_answer"`
	DistinctOwners       bool  `json:"distinct_owners"`
	Options              any   `json:"options"`
}

func (s *Server) putArena(c *gin.Context) {
	var req putArenaReq
	if err := s.readJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	a := api.Arena{Name: c.Param("name"), Game: req.Game, Seats: req.Seats, MoveDeadlineMS: req.MoveDeadlineMS,
		GraceMS: 10000, Forfeit: req.Forfeit, Stake: req.Stake, Rewards: req.Rewards, Judges: req.Judges,
		EloK: req.EloK, MaxConcurrentPerAgent: req.MaxConcurrentPerAgent, MaxQueuedPerOwner: req.MaxQueuedPerOwner, Injection: req.Injection,
		RewardMode: req.RewardMode, HouseFeeBps: req.HouseFeeBps,
		RankBy: api.RankMethod(req.RankBy), ProvisionalGames: req.ProvisionalGames, VoidAllForfeit: true, OneDeadlinePerAnswer: true,
		DistinctOwners: req.DistinctOwners}
	if req.VoidAllForfeit != nil {
		a.VoidAllForfeit = *req.VoidAllForfeit
	}
	if req.OneDeadlinePerAnswer != nil {
		a.OneDeadlinePerAnswer = *req.OneDeadlinePerAnswer
	}
	if req.GraceMS != nil {
		a.GraceMS = *req.GraceMS
	}
	if a.Forfeit == "" {
		a.Forfeit = arena.ForfeitLose
	}
	if a.EloK == 0 {
		a.EloK = 32
	}
	if a.MaxConcurrentPerAgent == 0 {
		a.MaxConcurrentPerAgent = 1
	}
	if a.MoveDeadlineMS == 0 {
		a.MoveDeadlineMS = 5000
	}
	if a.Rewards == nil {
		a.Rewards = []int{100}
	}
	if len(a.Judges) == 0 {
		// Rule-judged games need no panel; judged games get the offline
		// rubric judge, which needs no model server.
		a.Judges = []string{"referee"}
		if a.Game == "prompt" {
			a.Judges = []string{"rubric"}
		}
	}
	if req.Options != nil {
		raw, err := jsonMarshal(req.Options)
		if err != nil {
			s.writeError(c, apperr.New(apperr.Invalid, "options must be JSON"))
			return
		}
		a.Options = raw
	}
	if err := arena.CheckArenaPut(&a); err != nil {
		s.writeError(c, err)
		return
	}
	if err := s.arenaJudgesRunnable(a); err != nil {
		s.writeError(c, err)
		return
	}
	ctx, cancel := s.writeCtx(c)
	defer cancel()
	a, err := s.cfg.Contests.PutArena(ctx, a)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"arena": viewArena(a)})
}

// arenaJudgesRunnable refuses an arena naming a judge this node cannot
// run. Judging runs on the leader, which is where a write is answered, so
// the check is the leader's. Before it, an arena naming "ai" on a cluster
// started without a model server was taken, and its contests were judged
// by the rubric alone without a word to the organizer (the runner falls
// back to it and logs a warning per contest).
func (s *Server) arenaJudgesRunnable(a api.Arena) error {
	if s.cfg.Judges == nil {
		return nil
	}
	for _, j := range a.Judges {
		if j != "referee" && !slices.Contains(s.cfg.Judges, j) {
			return apperr.New(apperr.Invalid, "judge %q is not configured on this cluster: start every node with --judge-base-url and --judge-model to use it, or name the rubric judge", j)
		}
	}
	return nil
}

// deleteArena serves DELETE /v1/arenas/{name}[?abort=true] (operator):
// 204 once the arena, its queue, ratings and battles are gone; without
// abort, 409 while any of its contests runs or awaits judging. Its
// contests and their payouts stay readable.
func (s *Server) deleteArena(c *gin.Context) {
	abort := false
	for k, v := range c.Request.URL.Query() {
		if k != "abort" {
			s.writeError(c, apperr.New(apperr.Invalid, "unknown query parameter %q (known: abort)", truncate(k, 32)))
			return
		}
		b, err := strconv.ParseBool(v[0])
		if err != nil {
			s.writeError(c, apperr.New(apperr.Invalid, "abort must be true or false, got %q", truncate(v[0], 32)))
			return
		}
		abort = b
	}
	ctx, cancel := s.writeCtx(c)
	defer cancel()
	if _, err := s.cfg.Contests.DeleteArena(ctx, c.Param("name"), abort); err != nil {
		s.writeError(c, err)
		return
	}
	s.ratings.forget(c.Param("name"))
	c.Status(http.StatusNoContent)
}

// leaderboard serves GET /v1/arenas/{name}/leaderboard: Elo and
// Bradley–Terry (with bootstrap intervals) side by side, ordered by
// ?method=elo or ?method=bt; without one, by the arena's default
// (api.Arena.DefaultRankMethod: Bradley–Terry for judged arenas). Under
// either method provisional agents (fewer games than the arena's
// provisional_games) rank after every established agent and never hold
// rank 1 (ranking/provisional.go).
func (s *Server) leaderboard(c *gin.Context) {
	a, err := s.cfg.Contests.Arena(c.Param("name"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	method := api.RankMethod(c.DefaultQuery("method", string(a.DefaultRankMethod())))
	if method != api.RankElo && method != api.RankBT {
		s.writeError(c, apperr.New(apperr.Invalid, "method must be \"elo\" or \"bt\""))
		return
	}
	rows, fresh, err := s.rankedBoard(a, method)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, api.Leaderboard{Arena: a.Name, Method: method, Entries: rows, BTFreshness: fresh})
}

// rankedBoard is an arena's leaderboard rows, Elo and Bradley–Terry side
// by side, ordered and ranked by method with provisional agents flagged
// and ranked after the established ones, and which settlements the
// Bradley–Terry cells cover.
func (s *Server) rankedBoard(a api.Arena, method api.RankMethod) ([]api.LeaderboardRow, api.BTFreshness, error) {
	list, err := s.cfg.Contests.Leaderboard(a.Name)
	if err != nil {
		return nil, api.BTFreshness{}, err
	}
	bt, btf, err := s.bradleyTerry(a.Name, list)
	if err != nil {
		return nil, api.BTFreshness{}, err
	}
	fresh := api.BTFreshness{BTStale: btf.stale}
	if !btf.asOf.IsZero() {
		at := btf.asOf
		fresh.BTAsOf = &at
	}
	rows := make([]api.LeaderboardRow, len(list))
	for i, e := range list {
		rows[i] = api.LeaderboardRow{AgentID: e.AgentID, Name: e.Name, OwnerID: e.OwnerID, Elo: e.Rating.Float(), Rating: int64(e.Rating),
			Games: e.Games, Wins: e.Wins, Draws: e.Draws, Losses: e.Losses, LastAt: e.LastAt,
			Provisional: ranking.IsProvisional(e.Games, a.ProvisionalGames)}
		if r, ok := bt[e.AgentID]; ok {
			rows[i].BT = &api.BTCell{Rating: r.Rating, Lower: r.Lower, Upper: r.Upper, Rank: r.Rank, Battles: r.Battles}
		}
	}
	s.nameRows(rows)
	rankBT(rows)
	if method == api.RankBT {
		orderByBT(rows)
		return rows, fresh, nil
	}
	return orderByElo(rows), fresh, nil
}

// rankBT replaces each BT cell's interval rank with the provisional-aware
// one, so that the BT column, too, never shows a provisional agent at 1.
func rankBT(rows []api.LeaderboardRow) {
	var idx []int
	var lower, upper []float64
	var prov []bool
	for i, r := range rows {
		if r.BT != nil {
			idx = append(idx, i)
			lower, upper, prov = append(lower, r.BT.Lower), append(upper, r.BT.Upper), append(prov, r.Provisional)
		}
	}
	for k, rank := range ranking.ProvisionalIntervalRanks(lower, upper, prov) {
		rows[idx[k]].BT.Rank = rank
	}
}

// orderByBT sorts rows by BT rank, then BT rating, then agent id; rows
// without a BT rating (no battles yet) come last, numbered on from the
// last BT rank.
func orderByBT(rows []api.LeaderboardRow) {
	sort.SliceStable(rows, func(i, j int) bool {
		bi, bj := rows[i].BT, rows[j].BT
		switch {
		case bi == nil || bj == nil:
			return bj == nil && bi != nil
		case bi.Rank != bj.Rank:
			return bi.Rank < bj.Rank
		case bi.Rating != bj.Rating:
			return bi.Rating > bj.Rating
		default:
			return rows[i].AgentID < rows[j].AgentID
		}
	})
	for i := range rows {
		rows[i].Rank = i + 1
		if rows[i].BT != nil {
			rows[i].Rank = rows[i].BT.Rank
		}
	}
}

// orderByElo keeps the Elo order (best first) with established agents
// ahead of provisional ones, ranked by position.
func orderByElo(rows []api.LeaderboardRow) []api.LeaderboardRow {
	prov := make([]bool, len(rows))
	for i, r := range rows {
		prov[i] = r.Provisional
	}
	order, ranks := ranking.ProvisionalPositions(prov)
	out := make([]api.LeaderboardRow, len(rows))
	for k, i := range order {
		out[k] = rows[i]
		out[k].Rank = ranks[k]
	}
	return out
}

// prompts serves GET /v1/arenas/{name}/prompts: the task set the arena's
// game draws from (ids, texts and the criteria answers are judged
// against), public so that owners can see what they will be judged on.
func (s *Server) prompts(c *gin.Context) {
	set, err := s.cfg.Contests.Prompts(c.Param("name"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, set)
}

type queueReq struct {
	Arena string `json:"arena"`
	// Keep keeps the agent queued: the arena queues it again after each
	// contest until DELETE /v1/agents/{id}/queue/{arena}.
	Keep bool `json:"keep"`
}

// queueAgent lets an owner queue any of its agents (webhook agents cannot
// send queue frames themselves).
func (s *Server) queueAgent(c *gin.Context) {
	p, _ := principal(c)
	var req queueReq
	if err := s.readJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	a, err := s.cfg.Accounts.GetAgent(c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	if a.OwnerID != p.ID || a.Kind == agents.KindBuiltin {
		s.writeError(c, apperr.New(apperr.Forbidden, "agent %s belongs to another owner", a.ID))
		return
	}
	if req.Arena == "" {
		s.writeError(c, apperr.New(apperr.Invalid, "arena is required: the name of the arena to queue in"))
		return
	}
	if err := s.checkQueue(req.Arena, a); err != nil {
		s.writeError(c, err)
		return
	}
	ctx, cancel := s.writeCtx(c)
	defer cancel()
	t, err := s.cfg.Contests.QueueKeep(ctx, req.Arena, a.ID, req.Keep)
	if err != nil {
		if apperr.Is(err, apperr.RateLimited) {
			c.Header("Retry-After", "5")
		}
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"ticket": t})
}

func (s *Server) unqueueAgent(c *gin.Context) {
	a, ok := s.ownAgent(c, false)
	if !ok {
		return
	}
	ctx, cancel := s.writeCtx(c)
	defer cancel()
	if err := s.cfg.Contests.Unqueue(ctx, c.Param("arena"), a.ID); err != nil {
		s.writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// ratingHistory serves GET /v1/agents/{id}/ratings: every settled
// contest's before/after rating, oldest first (?arena= narrows it).
func (s *Server) ratingHistory(c *gin.Context) {
	a, err := s.cfg.Accounts.GetAgent(c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	limit, err := pageLimit(c, 0, maxRatingPoints)
	if err != nil {
		s.writeError(c, err)
		return
	}
	// Each arena's latest limit points: a bot's history grows by one point
	// a contest for good (265 KB after half an hour), and a page showing
	// its current rating needs one.
	list, counts, err := s.cfg.Contests.RatingHistoryTail(a.ID, c.Query("arena"), limit)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"agent_id": a.ID, "history": list, "contests": counts})
}

// maxRatingPoints bounds ?limit= of a rating history.
const maxRatingPoints = 100_000

// verdict serves GET /v1/contests/{id}/verdict: the judges' verdict of a
// judged contest (rankings, scores, rationale, flags, agreement).
func (s *Server) verdict(c *gin.Context) {
	con, err := s.cfg.Contests.Contest(c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	if len(con.Verdict) == 0 {
		s.writeError(c, apperr.New(apperr.NotFound, "contest %s has no judge verdict (status %s, game %s)", con.ID, con.Status, con.Game))
		return
	}
	c.JSON(http.StatusOK, gin.H{"contest": con.ID, "ranks": con.Ranks, "verdict": json.RawMessage(con.Verdict)})
}

// checkQueue is what the front door answers before proposing a queue
// (POST /v1/agents/{id}/queue and the queue frame), read from this node's
// state; the state machine decides again when it applies the queue, so a
// race between the two only changes which of them refuses. An unknown
// arena is left to the queue's own answer.
//
//   - Already queued in the arena: nothing is checked, the queue answers
//     with the ticket it holds (idempotent, and keep may upgrade it).
//   - Already playing as many contests of the arena as it allows: 409
//     conflict naming the contests, as the state machine would answer.
//     This is checked before the stake, because a seated agent's stake
//     sits in the contest's escrow: an owner whose wallet held only that
//     stake was told insufficient_funds, "add funds first", when more
//     funds would not have let the agent queue.
//   - Else the stake (checkStake).
func (s *Server) checkQueue(arenaName string, a agents.Agent) error {
	ar, err := s.cfg.Contests.Arena(arenaName)
	if err != nil {
		return nil
	}
	tickets, err := s.cfg.Contests.TicketsOf(a.ID)
	if err != nil {
		return err
	}
	for _, t := range tickets {
		if t.Arena == ar.Name {
			return nil
		}
	}
	var playing []string
	for _, id := range s.cfg.Contests.ContestsOf(a.ID) {
		if con, err := s.cfg.Contests.Contest(id); err == nil && con.Arena == ar.Name {
			playing = append(playing, id)
		}
	}
	if len(playing) >= ar.MaxConcurrentPerAgent {
		return apperr.Wrap(apperr.Conflict, &arena.LimitError{Limit: arena.LimitContestsPerAgent},
			"agent %s is already playing in %s (%s; the arena allows %d contest(s) at a time per agent): queue it again once that ends",
			a.ID, ar.Name, strings.Join(playing, ", "), ar.MaxConcurrentPerAgent)
	}
	return s.checkStake(ar, a.OwnerID)
}

// checkStake refuses to queue an agent whose owner cannot pay the arena's
// stake now: the matchmaker skips such a ticket, so it would wait unmatched
// with nothing saying why. A keep ticket queued again after a contest is
// not checked here (the state machine does that, and skips it).
func (s *Server) checkStake(ar api.Arena, ownerID string) error {
	if ar.Stake <= 0 {
		return nil
	}
	acct, err := s.cfg.Ledger.Balance(ownerID)
	if err != nil || acct.Balance >= ar.Stake {
		return nil
	}
	return apperr.New(apperr.InsufficientFunds, "owner %s has %s, and arena %s's stake is %s: the agent would wait unmatched; add funds first",
		ownerID, ledger.ShowAmount(acct.Balance, ledgerCurrency().Code), ar.Name, ledger.ShowAmount(ar.Stake, ledgerCurrency().Code))
}
