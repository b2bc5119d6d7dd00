package arena

import (
	"errors"
	"fmt"

	"github.com/agentarena/arena/games"
)

// What spectators see of a contest is each game's business: while a
// contest runs, its game decides what of its state and its moves is
// public (the prompt game shows answer sizes, not text, which rivals
// could copy). These reads apply that rule for any game in the node's
// registry, so the web layer serves every game without knowing one.

// PublicView is a contest's spectator view: the game's public view while
// the contest is running, the full spectator view once it has ended.
func (n *Node) PublicView(c *Contest) (any, error) {
	st, err := n.GameState(c)
	if err != nil {
		return nil, err
	}
	if c.Status == StatusRunning {
		return st.PublicView(), nil
	}
	return st.View(-1), nil
}

// PublicEvent is a contest event as spectators see it: while c is
// running, a move shows only what its game makes public; every other
// event, and every event once the contest has ended, is shown whole. A
// move of a game this node does not know is hidden, since nothing says
// what of it may be seen.
func (n *Node) PublicEvent(c *Contest, ev ContestEvent) ContestEvent {
	if ev.Type != EvMove || c.Status != StatusRunning || len(ev.Move) == 0 {
		return ev
	}
	g, ok := n.fsm.games[c.Game]
	if !ok {
		ev.Move = nil
		return ev
	}
	ev.Move = g.PublicMove(ev.Move)
	return ev
}

// CheckTextFrame refuses a chunk or final frame (frame names which) sent
// to contest c when its game takes move frames only: the game would read
// the text as its own kind of move and answer about that move's form
// (connect4: "a move is a column number"), which does not say what was
// wrong. The refusal is a bad_move, as MoveErrorOf reads it.
func (n *Node) CheckTextFrame(c *Contest, frame string) error {
	g, ok := n.fsm.games[c.Game]
	if !ok {
		return nil // the state machine answers for a game it does not know
	}
	if _, text := g.(games.TextAnswerer); text {
		return nil
	}
	return moveRejected(&games.MoveError{Code: "bad_move",
		Message: fmt.Sprintf("%s takes move frames with a move and seq; %s frames are for text answers (prompt, verifiable)", c.Game, frame)})
}

// MoveErrorOf reports whether err is a game's refusal of a move, with the
// game's stable code (not_your_turn, illegal_move, stale_turn, …) and
// message for the agent's error frame.
func MoveErrorOf(err error) (code, message string, ok bool) {
	var me *games.MoveError
	if !errors.As(err, &me) {
		return "", "", false
	}
	return me.Code, me.Message, true
}
