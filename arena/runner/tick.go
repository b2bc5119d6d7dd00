package runner

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/agents/protocol"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/matchmaking"
)

// leaderTick is the runner's periodic sweep. Events make the runner react
// at once; the sweep catches whatever an event could not (deadlines, lost
// events, a fresh term).
func (r *Runner) leaderTick() {
	now := r.cfg.Now()
	active, err := r.node.SharedActiveContests()
	if err != nil {
		r.log.Warn("list active contests", "err", err)
		return
	}
	for _, c := range active {
		switch c.Status {
		case arena.StatusRunning:
			r.enforceDeadlines(c, now)
			r.enforceGrace(c, now)
			r.dispatch(c)
		case arena.StatusJudging:
			r.judge(c)
		}
	}
	r.fundHouse(now)
	r.requeueBots(active)
	r.matchmake(now)
	r.pruneDeliveries(now)
}

func (r *Runner) enforceDeadlines(c *arena.Contest, now time.Time) {
	for seat, due := range c.Deadlines {
		if due == 0 || now.UnixNano() < due {
			continue
		}
		id, due := c.ID, due
		r.goDo(fmt.Sprintf("timeout/%s/%d/%d", id, seat, due), func(ctx context.Context) {
			ctx, cancel := r.opCtx(ctx)
			defer cancel()
			if err := r.node.Timeout(ctx, id, seat, due); err != nil && !apperr.Is(err, apperr.Invalid) {
				r.log.Warn("timeout failed", "contest", id, "seat", seat, "err", err)
			}
		})
	}
}

// enforceGrace forfeits websocket agents that stayed away too long.
// Seats whose agent is connected are the common case and cost no read;
// the arena and game state are loaded only for a seat that may forfeit.
func (r *Runner) enforceGrace(c *arena.Contest, now time.Time) {
	var ar arena.Arena
	var toMove []int
	loaded := false
	for seat, s := range c.Seats {
		r.mu.Lock()
		_, connected := r.conns[s.AgentID]
		r.mu.Unlock()
		if connected {
			continue
		}
		kind, deleted := r.agentState(s.AgentID)
		if kind != agents.KindWebsocket && !deleted {
			continue
		}
		if !loaded {
			var err error
			if ar, err = r.node.Arena(c.Arena); err != nil {
				return
			}
			st, err := r.node.GameState(c)
			if err != nil {
				return
			}
			toMove, loaded = st.ToMove(), true
		}
		// Only a seat that still has to act can be forfeited; an agent
		// that left after its last move loses nothing by it.
		if !slices.Contains(toMove, seat) {
			continue
		}
		if deleted {
			// Its owner deleted it mid-contest: it will never move, so
			// its opponents need not wait out a grace period or a clock.
			r.forfeitDeleted(c.ID, s.AgentID)
			continue
		}
		r.mu.Lock()
		_, connected = r.conns[s.AgentID] // it may have come back meanwhile
		gone, seen := r.goneAt[s.AgentID]
		if !connected && !seen {
			r.goneAt[s.AgentID] = now // never connected this term: grace starts now
			gone = now
		}
		r.mu.Unlock()
		if connected || now.Sub(gone) < time.Duration(ar.GraceMS)*time.Millisecond {
			continue
		}
		id, agent := c.ID, s.AgentID
		r.goDo("grace/"+id+"/"+agent, func(ctx context.Context) {
			ctx, cancel := r.opCtx(ctx)
			defer cancel()
			if err := r.node.Resign(ctx, id, agent, "disconnected past the grace period"); err != nil && !apperr.Is(err, apperr.Invalid) {
				r.log.Warn("grace forfeit failed", "contest", id, "agent", agent, "err", err)
			}
		})
	}
}

// forfeitDeleted resigns a deleted agent's seat in a running contest.
func (r *Runner) forfeitDeleted(contestID, agentID string) {
	r.goDo("deleted/"+contestID+"/"+agentID, func(ctx context.Context) {
		ctx, cancel := r.opCtx(ctx)
		defer cancel()
		if err := r.node.Resign(ctx, contestID, agentID, "agent deleted by its owner"); err != nil && !apperr.Is(err, apperr.Invalid) {
			r.log.Warn("forfeit of a deleted agent failed", "contest", contestID, "agent", agentID, "err", err)
		}
	})
}

// requeueBots keeps every idle built-in bot waiting in its arena.
func (r *Runner) requeueBots(active []*arena.Contest) {
	if len(r.bots) == 0 {
		return
	}
	busy := map[string]bool{}
	for _, c := range active {
		for _, s := range c.Seats {
			busy[c.Arena+"\x00"+s.AgentID] = true
		}
	}
	queued := map[string]bool{}
	exists := map[string]bool{}
	for _, spec := range r.BotSpecs() {
		if _, ok := exists[spec.Arena]; !ok {
			// An arena the operator deleted: its bots wait for none, rather
			// than propose a queue command that fails on every tick.
			_, err := r.node.Arena(spec.Arena)
			exists[spec.Arena] = err == nil
		}
		if !exists[spec.Arena] {
			continue
		}
		if _, ok := queued[spec.Arena]; !ok {
			ts, _ := r.node.Tickets(spec.Arena)
			for _, t := range ts {
				queued[spec.Arena+"\x00"+t.AgentID] = true
			}
			queued[spec.Arena] = true
		}
		key := spec.Arena + "\x00" + arena.BotAgentID(spec.Name)
		if busy[key] || queued[key] {
			continue
		}
		ctx, cancel := r.opCtx(r.termContext())
		_, err := r.node.Queue(ctx, spec.Arena, arena.BotAgentID(spec.Name))
		cancel()
		if err != nil && !apperr.Is(err, apperr.Conflict) && !apperr.Is(err, apperr.NotFound) {
			r.log.Warn("requeue bot", "bot", spec.Name, "err", err)
		}
	}
}

func (r *Runner) termContext() context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.termCtx
}

// matchmake turns each arena's queue into contests.
func (r *Runner) matchmake(now time.Time) {
	arenas, err := r.node.Arenas()
	if err != nil {
		return
	}
	recent, _ := r.node.RecentOpponents()
	for _, ar := range arenas {
		tickets, err := r.node.Tickets(ar.Name)
		if err != nil || len(tickets) == 0 {
			continue
		}
		// Every ticket passes absent, even a lone one, so that tickets of
		// deleted or long-gone agents leave the queue.
		mt := make([]matchmaking.Ticket, 0, len(tickets))
		taken := map[string]int64{} // stakes of the tickets let in, by owner
		for _, t := range tickets {
			if r.absent(ar, t, now) {
				continue
			}
			// An owner is matched only for the stakes it can pay: each of
			// its tickets (oldest first) needs one more. Checking each
			// ticket alone let two agents of an owner who could pay one
			// stake be paired on every tick, a contest the apply refused
			// each time, and neither ever played. The apply checks again;
			// this only avoids proposing doomed contests.
			if ar.Stake > 0 {
				if !r.node.CanAfford(t.OwnerID, taken[t.OwnerID]+ar.Stake) {
					continue
				}
				taken[t.OwnerID] += ar.Stake
			}
			rating := 1000.0
			if e, ok, _ := r.node.RatingOf(ar.Name, t.AgentID); ok {
				rating = e.Rating.Float()
			}
			mt = append(mt, matchmaking.Ticket{AgentID: t.AgentID, OwnerID: t.OwnerID, Rating: rating, QueuedAt: t.QueuedAt, Seq: t.Seq})
		}
		if len(mt) < ar.Seats {
			continue
		}
		groups, _ := matchmaking.Match(mt, now, matchmaking.Config{Seats: ar.Seats, AvoidRematch: true, DistinctOwners: ar.DistinctOwners}, matchmaking.History(recent))
		for _, g := range groups {
			ids := make([]string, len(g))
			for i, t := range g {
				ids[i] = t.AgentID
			}
			id, seed, err := newContestID(now)
			if err != nil {
				r.log.Error("contest id", "err", err)
				return
			}
			ctx, cancel := r.opCtx(r.termContext())
			_, err = r.node.CreateContest(ctx, id, ar.Name, ids, seed)
			cancel()
			if err != nil && !apperr.Is(err, apperr.InsufficientFunds) {
				r.log.Warn("create contest", "arena", ar.Name, "agents", ids, "err", err)
			}
		}
	}
}

// absent reports whether t belongs to an agent that was deleted, or to a
// websocket agent with no live session on this leader: it could only be
// matched into a contest it forfeits. A clean disconnect already took its tickets away (Attach);
// a session lost with a failed leader leaves them in the log, so an agent
// that has not come back within the arena's grace period (counted from
// when this leader saw it go, or from its ticket if that is later) is
// taken out of the queue here.
func (r *Runner) absent(ar arena.Arena, t arena.Ticket, now time.Time) bool {
	r.mu.Lock()
	_, connected := r.conns[t.AgentID]
	_, bot := r.bots[t.AgentID]
	r.mu.Unlock()
	if connected || bot {
		return false
	}
	a, err := r.node.GetAgent(t.AgentID)
	if apperr.Is(err, apperr.NotFound) {
		// Deleted while queued (the delete leaves its tickets): a contest
		// with it cannot be created, and trying every tick would hold
		// back whoever it was paired with.
		r.unqueueAbsent(ar.Name, t.AgentID)
		return true
	}
	if err != nil || a.Kind != agents.KindWebsocket {
		return false
	}
	r.mu.Lock()
	gone, seen := r.goneAt[t.AgentID]
	if !seen {
		r.goneAt[t.AgentID] = now // never connected this term: grace starts now
		gone = now
	}
	r.mu.Unlock()
	if t.QueuedAt.After(gone) {
		gone = t.QueuedAt
	}
	if now.Sub(gone) >= time.Duration(ar.GraceMS)*time.Millisecond {
		r.unqueueAbsent(ar.Name, t.AgentID)
	}
	return true
}

func (r *Runner) unqueueAbsent(arenaName, agentID string) {
	r.goDo("unqueue-absent/"+arenaName+"/"+agentID, func(ctx context.Context) {
		ctx, cancel := r.opCtx(ctx)
		defer cancel()
		if err := r.node.Unqueue(ctx, arenaName, agentID); err != nil && !apperr.Is(err, apperr.NotFound) {
			r.log.Warn("unqueue absent agent", "agent", agentID, "arena", arenaName, "err", err)
		}
	})
}

// onEvent reacts to a committed contest event, or an arena's deletion,
// at once.
func (r *Runner) onEvent(ev arena.Event) {
	if d, ok := ev.Data.(arena.ArenaDeleted); ok {
		r.arenaDeleted(d)
		return
	}
	if ev.Type != arena.EventContest {
		return
	}
	ce, ok := ev.Data.(arena.ContestEvent)
	if !ok {
		return
	}
	c, err := r.node.SharedContest(ce.Contest)
	if err != nil {
		return
	}
	switch ce.Type {
	case arena.EvCreated:
		var frames []protocol.ContestStart // built for the first seat that needs them
		for i, s := range c.Seats {
			if conn := r.conn(s.AgentID); conn != nil {
				r.announceWith(conn, s.AgentID, c, i, &frames)
			}
		}
		r.dispatch(c)
	case arena.EvSettled, arena.EvAborted:
		r.ended(c)
	case arena.EvJudging:
		r.judge(c)
	default:
		if c.Status == arena.StatusRunning {
			r.dispatch(c)
		}
	}
}

// ended tells a finished contest's seats so: contest_end on each
// connected session and to each webhook agent.
func (r *Runner) ended(c *arena.Contest) {
	r.forget(c)
	var frames []protocol.ContestEnd // built once a seat needs them: bots do not
	frame := func(seat int) protocol.ContestEnd {
		if frames == nil {
			frames = r.endFrames(c)
		}
		return frames[seat]
	}
	for i, s := range c.Seats {
		if conn := r.conn(s.AgentID); conn != nil {
			conn.Send(frame(i)) // a websocket agent: no webhook to tell
			continue
		}
		if r.agentKind(s.AgentID) == agents.KindWebhook {
			end, agentID := frame(i), s.AgentID
			r.goDo("hook-end/"+c.ID+"/"+agentID, func(ctx context.Context) { r.notifyWebhook(ctx, agentID, end) })
		}
	}
	r.mu.Lock()
	delete(r.dispatched, c.ID)
	delete(r.judgeRetry, c.ID) // judged, given up, or aborted by an operator
	r.mu.Unlock()
}

// arenaDeleted tells each connected agent whose ticket the arena's delete
// dropped that it waits there no more: without a frame it would wait for
// a contest that cannot come. Its session stays open, to queue elsewhere.
// Agents the arena reaches itself (webhook, model endpoint, bots) have no
// session here: their tickets just go.
func (r *Runner) arenaDeleted(d arena.ArenaDeleted) {
	for _, id := range d.Unqueued {
		if conn := r.conn(id); conn != nil {
			conn.Send(protocol.Unqueued{Type: protocol.TypeUnqueued, Arena: d.Name, Reason: protocol.ReasonArenaDeleted})
		}
	}
}
