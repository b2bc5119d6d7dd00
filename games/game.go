// Package games defines the rules interface every arena game implements.
// Rules are pure and deterministic: the same setup and the same moves give
// the same states, byte for byte, on every node, because the state machine
// applies them inside Raft's apply.
package games

import (
	"encoding/json"
	"errors"

	"github.com/agentarena/arena/task"
)

// Setup is everything a game needs to start: how many seats and a seed
// chosen by the leader (the only randomness a game may use).
type Setup struct {
	Seats int
	Seed  uint64
	// Options is game-specific configuration from the arena (may be nil),
	// e.g. the prompt game's answer size limit.
	Options json.RawMessage
	// Rev is the revision of the games' generators to start with (0 is
	// the first). A game whose generator changes keeps producing what
	// every earlier revision produced, so a log written before the change
	// replays to the same states; the leader stamps the newest revision
	// the whole cluster runs on each new contest.
	Rev int
}

// Rev is the newest generator revision of this release's games.
//
// Revision 1: the verifiable game's logic puzzles state each clue once
// (clues that narrow nothing down, repeats among them, are left out), and
// its checker says "an integer answer", not "a integer answer".
const Rev = 1

// Game is a rule set. Implementations must be safe for concurrent use
// (they hold no mutable state); all mutable state lives in State.
type Game interface {
	// Name is the stable identifier stored in arenas and contests.
	Name() string
	// Seats returns the allowed seat count range.
	Seats() (min, max int)
	// Start returns the initial state.
	Start(s Setup) (State, error)
	// Load restores a state from State.Marshal output.
	Load(data []byte) (State, error)
	// PublicMove is what the public sees of a move (as an agent sent it)
	// while its contest is running. A game whose moves give nothing away
	// returns move unchanged; the prompt game returns only the answer's
	// size, since a rival could copy the text. Nil hides the move
	// entirely. Once the contest has ended, the public sees every move.
	PublicMove(move json.RawMessage) json.RawMessage
}

// Cloner is a State that copies itself deeply. The state machine
// remembers loaded states of games whose states implement it, so that a
// move need not rebuild its game from the stored form (connect4 replays
// every move so far) on every node.
type Cloner interface {
	Clone() State
}

// Task is one entry of a game's public task set: what agents are shown
// and the measurable criteria their answers are judged against.
type Task struct {
	ID       string
	Text     string
	Criteria task.Criteria
}

// TaskLister is implemented by games whose contests draw their task from
// a fixed set (the prompt game). The set is public on purpose: an owner
// should see what its agent will be judged on, and test answers against
// it, before entering. Games with no such set (connect4, whose rules are
// the whole task) do not implement it.
type TaskLister interface {
	// Tasks returns a copy of the set, in the game's order.
	Tasks() []Task
}

// TextAnswerer is a Game whose moves are text answers, sent in chunk and
// final frames (prompt, verifiable). A game that does not implement it
// takes move frames only, and the transport refuses a text frame for it
// before the game would misread the text as its own kind of move.
type TextAnswerer interface {
	Game
	TakesTextAnswers()
}

// State is one contest's game position. Apply and Forfeit mutate it in
// place; a failed Apply leaves it unchanged.
type State interface {
	// ToMove lists the seats (0-based, ascending) that may act now; empty
	// when the game is over.
	ToMove() []int
	// Apply plays a move for a seat. The move is the JSON the agent sent
	// (connect4: a column number; prompt: {"text":..., "final":bool}).
	// Errors are *MoveError values naming what was wrong.
	Apply(seat int, move json.RawMessage) error
	// Forfeit removes a seat from play (missed deadline, disconnect): it
	// ranks last, and the game may end because of it.
	Forfeit(seat int)
	// Done reports whether the game is over (possibly awaiting judging).
	Done() bool
	// Outcome is the final result; valid only when Done.
	Outcome() Outcome
	// View is what agents and spectators see, as a JSON-able value. For seat
	// >= 0 it is that seat's turn view (including legal moves when it is the
	// seat's turn); for seat < 0 the spectator view.
	View(seat int) any
	// PublicView is the spectator view while the contest is running, as a
	// JSON-able value: View(-1) for a game that hides nothing, less for
	// one whose running state must not be seen (the prompt game's
	// answers). Once the contest has ended, spectators get View(-1).
	PublicView() any
	// Marshal encodes the full state deterministically.
	Marshal() ([]byte, error)
}

// Answering is a State in which every seat writes one answer at the same
// time as the others, in as many chunks as it likes, until it sends a
// final one (prompt, verifiable). Such a seat has one deadline for its
// whole answer: neither its own chunks nor another seat's answer restart
// it, so a slow seat gets no extra time and one turn frame.
type Answering interface {
	State
	OneDeadlinePerAnswer()
}

// Outcome is how a finished game ranks its seats.
type Outcome struct {
	// Ranks[seat] is the seat's place, 0 = first; ties share a place.
	// Empty when NeedsJudge is true.
	Ranks []int `json:"ranks,omitempty"`
	// NeedsJudge is true for games whose ranking comes from a judge (the
	// prompt game). Forfeited seats are listed in Forfeited and must rank
	// last whatever the judge says.
	NeedsJudge bool   `json:"needs_judge,omitempty"`
	Forfeited  []int  `json:"forfeited,omitempty"`
	Reason     string `json:"reason"` // e.g. "four in a row", "draw", "forfeit"
}

// MoveError is a rejected move. Code is stable for agents to branch on:
// "not_your_turn", "illegal_move", "bad_move" (unparseable), "too_large",
// "game_over".
type MoveError struct {
	Code    string
	Message string
}

func (e *MoveError) Error() string { return e.Code + ": " + e.Message }

// IsMoveError reports whether err is a *MoveError.
func IsMoveError(err error) bool {
	var me *MoveError
	return errors.As(err, &me)
}
