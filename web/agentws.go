package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/agents/protocol"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/arena"
)

// Agent connection constants; the frame size and rate are Limits.
const (
	// agentSendBuffer bounds the frames queued for one agent: an agent
	// that stops reading is cut off once it fills (Send), so it holds at
	// most this many frames of the node's memory.
	agentSendBuffer  = 256
	agentActionLimit = 10 * time.Second
)

// agentSession is one websocket agent connected to this node.
type agentSession struct {
	s     *Server
	agent agents.Agent
	out   sessionOut

	// An action's answer comes from the frame's goroutine once the command
	// is applied; the turn or contest_end that the same apply causes comes
	// from the runner, which may be first. Those frames, for a contest with
	// an action in flight, are held until that action is answered, so an
	// agent always reads the ack first (PROTOCOL.md).
	mu       sync.Mutex
	inflight map[string]int   // contest -> actions being applied
	held     map[string][]any // contest -> frames waiting for them
}

// Send implements runner.AgentConn; it never blocks the runner.
func (a *agentSession) Send(frame any) bool {
	// A turn or contest_end that an action of this session caused (the
	// opponent answered at once, the move won) can be ready before that
	// action's ack: it waits for the ack, so the agent always reads the
	// answer to what it sent first.
	var contest string
	switch f := frame.(type) {
	case protocol.ContestEnd:
		contest = f.Contest
	case protocol.Turn:
		contest = f.Contest
	}
	// Queued under the mutex, as held frames are released under it: a
	// frame must not overtake the held frames being released before it.
	a.mu.Lock()
	defer a.mu.Unlock()
	if contest != "" && a.inflight[contest] > 0 {
		if a.held == nil {
			a.held = map[string][]any{}
		}
		a.held[contest] = append(a.held[contest], frame)
		return true
	}
	return a.send(frame)
}

// sessionOut is a session's outgoing side: a wsOut, whose writer goroutine
// owns the socket. trySend and close never block, so the session calls
// them with its mutex held.
type sessionOut interface {
	send(frame any) bool
	trySend(frame any) bool
	close(code int, reason string)
	readerStopped()
}

var _ sessionOut = (*wsOut)(nil)

// send queues a frame without waiting, closing a session that cannot
// take it; a.mu is held.
func (a *agentSession) send(frame any) bool {
	if a.out.trySend(frame) {
		return true
	}
	a.out.close(closeTooSlow, "agent is not reading its frames")
	return false
}

// begin marks an action on contest as in flight; the func it returns
// marks it answered and sends what was held for it. Call that after the
// answer is sent.
func (a *agentSession) begin(contest string) (answered func()) {
	a.mu.Lock()
	if a.inflight == nil {
		a.inflight = map[string]int{}
	}
	a.inflight[contest]++
	a.mu.Unlock()
	return func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.inflight[contest]--; a.inflight[contest] > 0 {
			return
		}
		delete(a.inflight, contest)
		// Released under the mutex: a frame the runner sends once the
		// contest has nothing in flight queues behind these (released
		// after the unlock, a contest_end could overtake the turn held
		// before it).
		for _, f := range a.held[contest] {
			if !a.send(f) {
				break
			}
		}
		delete(a.held, contest)
	}
}

// Close implements runner.AgentConn.
func (a *agentSession) Close(reason string) {
	a.out.close(websocket.CloseGoingAway, reason)
}

// agentConnect serves /v1/agents/connect. Agents connect to the leader,
// which runs their contests; a follower answers 421 with the leader's URL
// so the agent can reconnect there.
func (s *Server) agentConnect(c *gin.Context) {
	p, ok := principal(c)
	if !ok {
		s.writeError(c, apperr.New(apperr.Unauthorized, "connect with \"Authorization: Bearer <agent key>\""))
		return
	}
	if p.Kind != agents.PrincipalAgent {
		s.writeError(c, apperr.New(apperr.Forbidden, "%s", wrongConnectKey(p.Kind)))
		return
	}
	if !s.cfg.Cluster.IsLeader() {
		if u, err := s.leaderURL(); err == nil {
			c.Header("X-Arena-Leader", u.String())
			s.writeError(c, apperr.New(apperr.NotLeader, "agents connect to the leader: %s", u.String()))
			return
		}
		s.writeError(c, apperr.New(apperr.NotLeader, "no leader is elected right now; retry shortly"))
		return
	}
	a, err := s.cfg.Accounts.GetAgent(p.ID)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if a.Kind == agents.KindWebhook || a.Kind == agents.KindOpenAI {
		// The arena reaches these agents itself: their turns go to the
		// webhook or the model endpoint, never to a websocket. A session
		// would let the agent queue itself and then only show it the
		// contest_start and contest_end of contests it cannot play here.
		s.writeError(c, apperr.New(apperr.Forbidden, "agent %s is a %s agent: the arena calls it for every turn, so it does not connect; only websocket agents connect (its owner queues it with POST /v1/agents/%s/queue)", a.ID, a.Kind, a.ID))
		return
	}
	if s.cfg.Runner == nil {
		s.writeError(c, apperr.New(apperr.Unavailable, "this node runs no contests"))
		return
	}
	release, ok := s.admitWS(c)
	if !ok {
		return
	}
	defer release()
	conn, err := s.upgrader().Upgrade(c.Writer, c.Request, nil)
	if err != nil {
		return
	}
	lim := s.lim.cfg
	// The frame size is checked by readAgentFrame, not gorilla's read
	// limit: that one writes its own 1009 close with no reason, past the
	// frames queued before it (the answer to the agent's previous frame).
	conn.SetReadLimit(0)
	frames := rate.NewLimiter(rate.Limit(lim.FramesPerSecond), lim.FrameBurst)
	if lim.FramesPerSecond < 0 {
		frames = rate.NewLimiter(rate.Inf, 0)
	}
	armReadDeadline(conn)
	sess := &agentSession{s: s, agent: a, out: newWSOut(conn, agentSendBuffer, s.cfg.WriteTimeout)}
	defer sess.out.readerStopped()
	sess.out.send(protocol.Hello{Type: protocol.TypeHello, Protocol: protocol.Version, AgentID: a.ID, Name: a.Name,
		Node: s.cfg.Cluster.ID(), Contests: nonNil(s.cfg.Contests.ContestsOf(a.ID)), Queued: s.queuedIn(a.ID)})
	s.conns.opened(a.ID, sess, time.Now())
	defer func() { s.conns.closedNow(a.ID, sess, time.Now()) }()
	detach := s.cfg.Runner.Attach(a.ID, sess)
	defer detach()
	s.log.Info("agent connected", "agent", a.ID)
	for {
		mt, data, err := readAgentFrame(conn, lim.FrameBytes)
		// gorilla's ErrReadLimit, with its own limit off, is a length
		// past 2^63-1 (a header's top bit set, or fragments adding up):
		// too large for any limit, not a goodbye (readEndClose's 1000).
		if errors.Is(err, errFrameTooLarge) || errors.Is(err, websocket.ErrReadLimit) {
			s.limitHit(limitFrameBytes)
			s.log.Info("agent frame over the limit", "agent", a.ID, "limit", lim.FrameBytes)
			// After the frames already queued (the answer to the frame
			// before), as every close of the session.
			reason := fmt.Sprintf("too_large: a frame may be at most %d bytes", lim.FrameBytes)
			if lim.FrameBytes <= 0 {
				reason = "too_large: a frame's length must fit in 63 bits"
			}
			sess.out.close(websocket.CloseMessageTooBig, reason)
			// Read on, discarding (the rest of the big frame too), until
			// the agent answers the close or the linger ends: unread
			// bytes in the kernel would turn the close into a reset.
			lingerRead(conn)
			s.log.Info("agent disconnected", "agent", a.ID)
			return
		}
		if err != nil {
			sess.out.close(readEndClose(err))
			s.log.Info("agent disconnected", "agent", a.ID)
			return
		}
		if !frames.Allow() {
			s.limitHit(limitFramesPerSecond)
			s.log.Info("agent over the frame rate", "agent", a.ID, "per_second", lim.FramesPerSecond)
			sess.out.close(websocket.ClosePolicyViolation, fmt.Sprintf("rate_limited: more than %g frames per second (burst %d)", lim.FramesPerSecond, lim.FrameBurst))
			// Read on, discarding, until the agent answers the close (or
			// the linger ends): its burst must not sit unread in the
			// kernel when the socket closes, or the close frame is lost
			// to a reset.
			lingerRead(conn)
			return
		}
		if mt != websocket.TextMessage {
			// The protocol is JSON text frames. A binary frame is answered
			// like any bad frame, so a client library that sends binary by
			// default learns why nothing happens instead of being obeyed
			// today and refused by a stricter server later.
			sess.Send(protocol.Error{Type: protocol.TypeError, Code: "bad_frame",
				Message: "frames must be websocket text frames holding JSON; got a binary frame"})
			continue
		}
		sess.handle(c.Request.Context(), data)
	}
}

// queuedIn is hello's list of the agent's tickets; [] when none, or when
// they cannot be read (the agent may queue again: a queue frame for a
// ticket it holds changes nothing).
func (s *Server) queuedIn(agentID string) []protocol.QueuedIn {
	out := []protocol.QueuedIn{}
	tickets, err := s.cfg.Contests.TicketsOf(agentID)
	if err != nil {
		s.log.Warn("read the agent's queue tickets for hello", "agent", agentID, "err", err)
		return out
	}
	for _, t := range tickets {
		out = append(out, protocol.QueuedIn{Arena: t.Arena, Keep: t.Keep})
	}
	return out
}

// wrongConnectKey says which key an agent connects with, to the holder of
// another kind of key.
func wrongConnectKey(kind string) string {
	const agentKey = "an agent connects with its own agent key (ara_...), which POST /v1/agents (arenactl agent create) showed once; POST /v1/agents/{id}/key issues a new one"
	switch kind {
	case agents.PrincipalOwner:
		return "this is an owner key (aro_...), for the owner's HTTP routes: " + agentKey
	case agents.PrincipalOperator:
		return "this is the operator token: " + agentKey
	default:
		return "this is a " + kind + " key: " + agentKey
	}
}

// errFrameTooLarge is an agent frame over the frame size limit.
var errFrameTooLarge = errors.New("agent frame over the size limit")

// readAgentFrame reads one message of at most limit bytes (no limit when
// limit <= 0). A longer one is errFrameTooLarge, read no further than one
// byte past the limit.
func readAgentFrame(conn *websocket.Conn, limit int64) (int, []byte, error) {
	mt, r, err := conn.NextReader()
	if err != nil {
		return mt, nil, err
	}
	if limit <= 0 {
		data, err := io.ReadAll(r)
		return mt, data, err
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err == nil && int64(len(data)) > limit {
		return mt, nil, errFrameTooLarge
	}
	return mt, data, err
}

// lingerRead reads on, discarding, until the peer's answering close, an
// error or closeLinger: frames left unread in the kernel when the socket
// closes make it send a reset, and the peer may lose the close frame.
func lingerRead(conn *websocket.Conn) {
	conn.SetReadDeadline(time.Now().Add(closeLinger))
	for {
		if _, _, err := conn.NextReader(); err != nil {
			return
		}
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// handle acts on one agent frame and answers it: an ack, a queued frame, a
// pong, or an error frame naming what was wrong. It never closes the
// connection for a bad frame.
func (a *agentSession) handle(parent context.Context, data []byte) {
	in, err := protocol.Parse(data)
	if err != nil {
		var pe *protocol.ParseError
		if errors.As(err, &pe) {
			a.Send(errorFrame(pe.Code, pe.Message, in))
		}
		return
	}
	ctx, cancel := context.WithTimeout(parent, agentActionLimit)
	defer cancel()
	if in.Contest != "" {
		// Deferred before anything answers, so it runs after the answer.
		defer a.begin(in.Contest)()
	}
	node := a.s.cfg.Contests
	switch in.Type {
	case protocol.TypePing:
		a.Send(protocol.Pong{Type: protocol.TypePong})
		return
	case protocol.TypeQueue:
		if err := a.s.checkQueue(in.Arena, a.agent); err != nil {
			a.s.countStateLimit(err)
			a.fail(in, err)
			return
		}
		if _, err := node.Queue(ctx, in.Arena, a.agent.ID); err != nil {
			a.s.countStateLimit(err)
			a.fail(in, err)
			return
		}
		a.Send(protocol.Queued{Type: protocol.TypeQueued, Arena: in.Arena})
		return
	case protocol.TypeUnqueue:
		// As DELETE /v1/agents/{id}/queue/{arena}: the ticket goes, and a
		// keep ticket playing now does not come back when its contest ends.
		if err := node.Unqueue(ctx, in.Arena, a.agent.ID); err != nil {
			a.fail(in, err)
			return
		}
		a.Send(protocol.Unqueued{Type: protocol.TypeUnqueued, Arena: in.Arena})
		return
	case protocol.TypeResign:
		if _, err := a.checkSeat(in.Contest); err != nil {
			a.fail(in, err)
			return
		}
		if err := node.Resign(ctx, in.Contest, a.agent.ID, "resigned"); err != nil {
			a.fail(in, err)
			return
		}
	case protocol.TypeMove, protocol.TypeChunk, protocol.TypeFinal:
		c, err := a.checkSeat(in.Contest)
		if err != nil {
			a.fail(in, err)
			return
		}
		if in.Type != protocol.TypeMove {
			if err := node.CheckTextFrame(c, in.Type); err != nil {
				a.fail(in, err)
				return
			}
		}
		move, turn := in.Move, in.Seq
		if in.Type != protocol.TypeMove {
			move, turn = protocol.TextMove(in.Text, in.Type == protocol.TypeFinal), nil
		}
		next, err := node.Play(ctx, in.Contest, a.agent.ID, turn, move)
		if err != nil {
			a.fail(in, err)
			return
		}
		a.Send(protocol.Ack{Type: protocol.TypeAck, Ref: in.Type, Contest: in.Contest, Seq: next})
		return
	}
	ack := protocol.Ack{Type: protocol.TypeAck, Ref: in.Type, Contest: in.Contest}
	if c, err := a.contest(in.Contest); err == nil {
		ack.Seq = c.Turn
	}
	a.Send(ack)
}

// sharedContests is a node that can read a contest without copying what
// it remembers (arena.Node.SharedContest): the session only reads the
// contest it checks a frame against, once per move.
type sharedContests interface {
	SharedContest(id string) (*arena.Contest, error)
}

// contest reads a contest for reading only: the session changes nothing
// in what it returns.
func (a *agentSession) contest(id string) (*arena.Contest, error) {
	if sc, ok := a.s.cfg.Contests.(sharedContests); ok {
		return sc.SharedContest(id)
	}
	return a.s.cfg.Contests.Contest(id)
}

// checkSeat refuses actions on contests the agent is not seated in before
// they cost a log entry. The contest it returns is for reading only.
func (a *agentSession) checkSeat(contest string) (*arena.Contest, error) {
	c, err := a.contest(contest)
	if err != nil {
		return nil, err
	}
	if c.SeatOf(a.agent.ID) < 0 {
		return nil, apperr.New(apperr.Forbidden, "you have no seat in contest %s", contest)
	}
	return c, nil
}

// fail answers a frame with an error frame. Game errors keep the game's
// code (not_your_turn, illegal_move, stale_turn, …).
func (a *agentSession) fail(in protocol.Inbound, err error) {
	code, msg := string(apperr.CodeOf(err)), err.Error()
	moveCode, moveMsg, isMove := arena.MoveErrorOf(err)
	var ae *apperr.Error
	switch {
	case isMove:
		code, msg = moveCode, moveMsg
		if moveCode == "too_large" {
			a.s.limitHit(limitAnswerBytes)
		}
	case errors.As(err, &ae):
		msg = ae.Message
		if ae.Code == apperr.NotFound && in.Contest != "" {
			code = "unknown_contest"
		}
		if ae.Code == apperr.Forbidden && in.Contest != "" {
			code = "not_in_contest"
		}
	}
	if apperr.CodeOf(err) == apperr.Internal {
		a.s.log.Error("agent action failed", "agent", a.agent.ID, "frame", in.Type, "err", err)
		msg = "internal error"
	}
	a.Send(errorFrame(code, msg, in))
}

// maxEcho bounds each value an error frame echoes from the frame it
// answers: any real type, contest id or arena name fits, and a frame of
// 64 KiB of junk in "type" is not sent back whole.
const maxEcho = 128

// errorFrame answers a frame with an error, echoing its type, contest and
// arena as far as they are readable, each cut to maxEcho bytes, in its
// fields and in its message ("arena <name> not found").
func errorFrame(code, msg string, in protocol.Inbound) protocol.Error {
	msg = cutEchoed(msg, in.Type, in.Contest, in.Arena)
	return protocol.Error{Type: protocol.TypeError, Code: code, Message: msg,
		Ref: truncate(in.Type, maxEcho), Contest: truncate(in.Contest, maxEcho), Arena: truncate(in.Arena, maxEcho)}
}
