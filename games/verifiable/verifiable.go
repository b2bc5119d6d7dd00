// Package verifiable is the verifiable-task game: every seat answers the
// same procedurally generated task (arithmetic, dates, lists, JSON
// extraction, counting, string transformations, logic puzzles), streamed
// in chunks like the prompt game, and the rules check each answer against
// the task's ground truth. The game ranks the seats itself, so contests
// settle without a judge, and its preference pairs carry the checker's
// result: the arena's sound source of training data.
//
// A task is a pure function of the contest's seed and the arena's
// options, and the whole task (ground truth included) is stored in the
// state, so every replica generates the same one and any stored contest
// can be re-checked.
package verifiable

import (
	"fmt"

	"github.com/agentarena/arena/games"
)

// Name is the game's stable identifier in arenas and contests.
const Name = "verifiable"

// CheckerName names the checker's verdicts and the pairs it yields, as
// this release's newest generator revision scores them; bump it when a
// change to the checks would score an answer differently.
//
// checker-v2 (generator revision 1): a logic answer scores 1 only when
// every clue holds, 0 otherwise. checker-v1 scored the share of clues an
// order met, and the people in the order the task lists them met about
// half the clues of any puzzle, so a guess outranked honest wrong answers
// and became the chosen side of preference pairs.
const CheckerName = "checker-v2"

// CheckerNameAt is the checker's name for a contest of the given
// generator revision.
func CheckerNameAt(rev int) string {
	if rev == 0 {
		return "checker-v1"
	}
	return CheckerName
}

// Seat range, as for the prompt game.
const (
	MinSeats = 2
	MaxSeats = 8
)

// ReasonChecked is the Outcome reason once every answer is final or
// forfeited and checked.
const ReasonChecked = "answers checked against the ground truth"

// Game is the verifiable-task rule set; it holds no state.
type Game struct{}

var (
	_ games.Game  = (*Game)(nil)
	_ games.State = (*State)(nil)
)

// New returns the rule set.
func New() *Game { return &Game{} }

// Name returns "verifiable".
func (*Game) Name() string { return Name }

// TakesTextAnswers marks the game as a games.TextAnswerer: its moves come
// in chunk and final frames.
func (*Game) TakesTextAnswers() {}

// Seats returns MinSeats, MaxSeats.
func (*Game) Seats() (min, max int) { return MinSeats, MaxSeats }

// Start generates the contest's task from the seed and arena options.
func (*Game) Start(s games.Setup) (games.State, error) {
	if s.Seats < MinSeats || s.Seats > MaxSeats {
		return nil, fmt.Errorf("verifiable needs %d to %d seats, got %d", MinSeats, MaxSeats, s.Seats)
	}
	o, err := ParseOptions(s.Options)
	if err != nil {
		return nil, err
	}
	t, err := GenerateAt(s.Seed, o, s.Rev)
	if err != nil {
		return nil, err
	}
	return &State{
		seed: s.Seed, task: t, maxBytes: o.MaxAnswerBytes, rev: s.Rev,
		answers: make([]string, s.Seats), finals: make([]bool, s.Seats), forfeited: make([]bool, s.Seats),
	}, nil
}
