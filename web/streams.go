package web

import (
	"errors"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/websocket"

	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/arena"
)

// Spectator frames.
type stateFrame struct {
	Type    string     `json:"type"` // "state"
	Seq     uint64     `json:"seq"`
	Contest contestOut `json:"contest"`
	View    any        `json:"view"`
}

type eventFrame struct {
	Type  string             `json:"type"` // "event"
	Event arena.ContestEvent `json:"event"`
}

// contestStream serves /v1/contests/{id}/stream: the full state first (or,
// with ?since=N, exactly the events after N), then every event as it
// commits, in sequence order, on any node.
func (s *Server) contestStream(c *gin.Context) {
	id := c.Param("id")
	var since uint64
	hasSince := false
	if v := c.Query("since"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			s.writeError(c, apperr.New(apperr.Invalid, "since must be a non-negative integer"))
			return
		}
		since, hasSince = n, true
	}
	if _, err := s.cfg.Contests.Contest(id); err != nil {
		s.writeError(c, err)
		return
	}
	release, ok := s.admitWS(c)
	if !ok {
		return
	}
	defer release()
	// Watch before reading the state, so no event falls between the two.
	w, unwatch := s.hub.WatchContest(id, s.cfg.StreamBuffer)
	defer unwatch()
	out, err := s.upgradeStream(c)
	if err != nil {
		return // the upgrader already answered
	}
	defer out.conn.Close()
	done := readDiscard(out.conn)

	last, err := s.sendBacklog(id, since, hasSince, out)
	if errors.Is(err, errStreamGone) {
		return
	}
	if err != nil {
		out.close(websocket.CloseInternalServerErr, "could not read contest")
		return
	}
	// While the contest runs, moves are shown as its game makes them
	// public, until an event says it has ended. live is the contest as
	// read here, running: events arrive without their contest.
	var live *arena.Contest
	if con, err := s.cfg.Contests.Contest(id); err == nil && con.Status == arena.StatusRunning {
		live = con
	}
	hiding := live != nil
	behind := func() string {
		return w.why() + "; reconnect with ?since=" + strconv.FormatUint(last, 10)
	}
	out.serve(w, done, behind, func(ev *hubEvent) *websocket.PreparedMessage {
		ce, ok := ev.Data.(arena.ContestEvent)
		if !ok || ce.Seq <= last {
			return nil
		}
		variant, redact := frameEvent, hiding && ce.Type == arena.EvMove
		if redact {
			variant = frameEventRedacted
		}
		if ce.Type == arena.EvJudging || ce.Type == arena.EvSettled || ce.Type == arena.EvAborted {
			hiding = false
		}
		frame := ev.prepared(variant, func() any {
			if redact {
				ce = s.cfg.Contests.PublicEvent(live, ce)
			}
			return eventFrame{Type: "event", Event: ce}
		})
		if frame != nil {
			// A frame that is not sent ends the stream, so this is
			// the last sequence the spectator holds once it is sent.
			last = ce.Seq
		}
		return frame
	})
}

// sendBacklog sends the missed events after since when they are all
// available, else the full state. It returns the last sequence sent.
func (s *Server) sendBacklog(id string, since uint64, hasSince bool, out streamConn) (uint64, error) {
	con, err := s.cfg.Contests.Contest(id)
	if err != nil {
		return 0, err
	}
	if hasSince && since <= con.Seq {
		evs, err := s.cfg.Contests.ContestEvents(id, since, 0)
		if err != nil {
			return 0, err
		}
		last := since
		for _, ev := range evs {
			if !out.send(eventFrame{Type: "event", Event: s.cfg.Contests.PublicEvent(con, ev)}) {
				return last, errStreamGone
			}
			last = ev.Seq
		}
		return last, nil
	}
	view, err := s.cfg.Contests.PublicView(con)
	if err != nil {
		return 0, err
	}
	seq := con.Seq
	con.State = nil
	// As GET /v1/contests/{id} shows it, so a page repainted from this
	// frame keeps the stakes and the deleted seats.
	shown, err := s.withStakes([]arena.Contest{*con})
	if err != nil {
		return 0, err
	}
	if !out.send(stateFrame{Type: "state", Seq: seq, Contest: shown[0], View: view}) {
		return seq, errStreamGone
	}
	return seq, nil
}

// readDiscard reads (and ignores) what a spectator sends, so pongs and
// close frames are processed; done closes when the peer goes away.
func readDiscard(conn *websocket.Conn) <-chan struct{} {
	done := make(chan struct{})
	conn.SetReadLimit(4096)
	armReadDeadline(conn)
	go func() {
		defer close(done)
		for {
			if _, _, err := conn.NextReader(); err != nil {
				return
			}
		}
	}()
	return done
}

type arenaSnapshot struct {
	Type        string              `json:"type"` // "snapshot"
	Arena       arenaView           `json:"arena"`
	Live        []arena.Contest     `json:"live"`
	Leaderboard []arena.RatingEntry `json:"leaderboard"`
}

type arenaEventFrame struct {
	Type string `json:"type"` // "contest" or "leaderboard" or "arena"
	Data any    `json:"data"`
}

// arenaLive serves /v1/arenas/{name}/live: a snapshot (running contests,
// leaderboard), then contests starting and ending and leaderboard changes.
func (s *Server) arenaLive(c *gin.Context) {
	name := c.Param("name")
	ar, err := s.cfg.Contests.Arena(name)
	if err != nil {
		s.writeError(c, err)
		return
	}
	release, ok := s.admitWS(c)
	if !ok {
		return
	}
	defer release()
	w, unwatch := s.hub.WatchArena(name, s.cfg.StreamBuffer)
	defer unwatch()
	// Read again now that the feed watches the arena: a delete applied
	// between the check above and the watch sent its event to no watcher
	// of this feed, which would show an arena that is gone and then wait
	// for good. From here on a delete either shows in this read or comes
	// as an event. (The snapshot also shows any change made meanwhile.)
	ar, err = s.cfg.Contests.Arena(name)
	gone := apperr.Is(err, apperr.NotFound)
	if err != nil && !gone {
		s.writeError(c, err)
		return
	}
	out, err := s.upgradeStream(c)
	if err != nil {
		return
	}
	defer out.conn.Close()
	done := readDiscard(out.conn)
	if gone {
		// As the feed ends on a delete it sees.
		if out.send(arenaFrame(arena.ArenaDeleted{Name: name})) {
			out.close(websocket.CloseNormalClosure, "arena deleted")
		}
		return
	}

	running, _ := s.runningContests()
	live := make([]arena.Contest, 0, len(running))
	for _, c := range running {
		if c.Arena == name && len(live) < 100 {
			live = append(live, c)
		}
	}
	board, _ := s.cfg.Contests.Leaderboard(name)
	for i := range board { // as the leaderboard's rows are: current names
		if a, err := s.cfg.Accounts.GetAgent(board[i].AgentID); err == nil {
			board[i].Name = a.Name
		}
	}
	if !out.send(arenaSnapshot{Type: "snapshot", Arena: viewArena(ar), Live: live, Leaderboard: board}) {
		return
	}
	behind := func() string { return w.why() + "; reconnect" }
	// The deleted frame is the feed's last: the server closes it then, so
	// a spectator is not left on a socket that would go on to carry an
	// arena created later under the name (its own snapshot never sent).
	deleted := false
	out.ended = func() string {
		if deleted {
			return "arena deleted"
		}
		return ""
	}
	out.serve(w, done, behind, func(ev *hubEvent) *websocket.PreparedMessage {
		if deleted || !arenaCarries(ev.Data) {
			return nil
		}
		if _, ok := ev.Data.(arena.ArenaDeleted); ok {
			deleted = true
		}
		// Encoded once for every spectator of the arena, as contest
		// streams are: with thousands of spectators, a JSON encoding per
		// connection would dominate the feed's cost, and so did boxing
		// the frame for each one before it was built lazily.
		return ev.prepared(frameArena, func() any { return arenaFrame(ev.Data) })
	})
}

// arenaCarries reports whether the arena live feed carries an event.
func arenaCarries(data any) bool {
	switch data.(type) {
	case arena.ContestEvent, arena.LeaderboardChange, api.Arena, arena.ArenaDeleted:
		return true
	}
	return false
}

// arenaFrame is an arena live feed's frame for a hub event, or nil for an
// event the feed does not carry.
func arenaFrame(data any) any {
	switch d := data.(type) {
	case arena.ContestEvent:
		return arenaEventFrame{Type: "contest", Data: d}
	case arena.LeaderboardChange:
		return arenaEventFrame{Type: "leaderboard", Data: d}
	case api.Arena:
		return arenaEventFrame{Type: "arena", Data: viewArena(d)}
	case arena.ArenaDeleted:
		// The last frame the feed sends: nothing more will happen here.
		return arenaEventFrame{Type: "deleted", Data: d}
	}
	return nil
}
