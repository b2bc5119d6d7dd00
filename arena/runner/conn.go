package runner

import (
	"context"
	"slices"
	"sort"

	"github.com/agentarena/arena/agents/protocol"
	"github.com/agentarena/arena/arena"
)

// AgentConn is a live connection to an agent on this node (a websocket
// session). Send must not block: a full buffer drops the frame and the
// session is expected to close itself.
type AgentConn interface {
	Send(frame any) bool
	Close(reason string)
}

func (r *Runner) conn(agentID string) AgentConn {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.conns[agentID]
}

// Attach registers a live session for an agent, replacing an older one,
// and (on the leader) sends it its running contests and pending turns.
func (r *Runner) Attach(agentID string, conn AgentConn) (detach func()) {
	r.mu.Lock()
	old := r.conns[agentID]
	r.conns[agentID] = conn
	delete(r.goneAt, agentID)
	leading := r.leading
	r.mu.Unlock()
	if old != nil {
		old.Close("replaced by a newer connection of the same agent")
	}
	if leading {
		r.greet(agentID, conn)
	}
	return func() {
		r.mu.Lock()
		gone := r.conns[agentID] == conn
		if gone {
			delete(r.conns, agentID)
			r.goneAt[agentID] = r.cfg.Now()
		}
		r.mu.Unlock()
		if gone {
			// An agent that is not connected cannot play: take it out of
			// every queue rather than match it into a forfeit.
			r.goDo("dequeue/"+agentID, func(ctx context.Context) { r.dequeue(ctx, agentID) })
		}
	}
}

// greet resends contest_start and pending turns: a reconnecting agent
// resumes exactly where it was.
func (r *Runner) greet(agentID string, conn AgentConn) {
	ids := r.node.ContestsOf(agentID)
	sort.Strings(ids)
	for _, id := range ids {
		c, err := r.node.Contest(id)
		if err != nil || c.Status != arena.StatusRunning {
			continue
		}
		seat := c.SeatOf(agentID)
		r.announce(conn, agentID, c, seat)
		if st, err := r.node.GameState(c); err == nil && slices.Contains(st.ToMove(), seat) {
			conn.Send(turnFrame(c, st, seat, r.cfg.Now()))
		}
	}
}

// announce sends a session contest_start unless it already had it. A
// turn frame goes out only after announce: the event handler announces a
// contest it sees created, but the periodic sweep may dispatch the first
// turn first, and an agent that ignores turns of contests it was never
// told of (as PROTOCOL.md's order allows) would miss its move and forfeit
// on the deadline. A new session is announced again (greet).
func (r *Runner) announce(conn AgentConn, agentID string, c *arena.Contest, seat int) {
	r.announceWith(conn, agentID, c, seat, nil)
}

// announceWith is announce with the contest's frames built once for all
// its seats: frames, when not nil, holds them once the first seat needed
// them (each build reads every seat's rating, the arena and the stakes).
func (r *Runner) announceWith(conn AgentConn, agentID string, c *arena.Contest, seat int, frames *[]protocol.ContestStart) {
	key := c.ID + "\x00" + agentID
	r.announceMu.Lock()
	defer r.announceMu.Unlock()
	if r.announced[key] == conn {
		return
	}
	r.announced[key] = conn
	if frames == nil {
		frames = new([]protocol.ContestStart)
	}
	if *frames == nil {
		*frames = r.startFrames(c)
	}
	conn.Send((*frames)[seat])
}

// forget drops a finished contest's announcements.
func (r *Runner) forget(c *arena.Contest) {
	r.announceMu.Lock()
	defer r.announceMu.Unlock()
	for _, s := range c.Seats {
		delete(r.announced, c.ID+"\x00"+s.AgentID)
	}
}

// Disconnect closes an agent's live session on this node, e.g. after its
// key was rotated: the old key must not keep acting through an open socket.
func (r *Runner) Disconnect(agentID, reason string) {
	if c := r.conn(agentID); c != nil {
		c.Close(reason)
	}
}

// Sessions counts the agent websocket sessions attached to this node's
// runner (agents connect to the leader, so followers report 0).
func (r *Runner) Sessions() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.conns)
}

// dequeue takes a disconnected agent out of every arena's queue.
func (r *Runner) dequeue(ctx context.Context, agentID string) {
	arenas, err := r.node.Arenas()
	if err != nil {
		return
	}
	for _, ar := range arenas {
		tickets, err := r.node.Tickets(ar.Name)
		if err != nil {
			continue
		}
		for _, t := range tickets {
			if t.AgentID != agentID {
				continue
			}
			octx, cancel := r.opCtx(ctx)
			if err := r.node.Unqueue(octx, ar.Name, agentID); err != nil {
				r.log.Warn("dequeue disconnected agent", "agent", agentID, "arena", ar.Name, "err", err)
			}
			cancel()
		}
	}
}
