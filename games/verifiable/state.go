package verifiable

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/agentarena/arena/games"
	"github.com/agentarena/arena/games/prompt"
)

// State is one contest: the task and every seat's answer so far. Seats
// write at once, each its own answer, so the order of their chunks in the
// log never matters. Not safe for concurrent use.
type State struct {
	seed      uint64
	task      Task
	maxBytes  int
	answers   []string
	finals    []bool
	forfeited []bool
	// rev is the generator revision the contest started at; the checker
	// words its verdicts as that revision did.
	rev int
}

// Checker names the checker that scores this contest's answers.
func (s *State) Checker() string { return CheckerNameAt(s.rev) }

// Task returns the contest's task, ground truth included.
func (s *State) Task() Task { return s.task }

// Answers returns every seat's answer so far, indexed by seat.
func (s *State) Answers() []string { return slices.Clone(s.answers) }

// Forfeited lists the forfeited seats in ascending order (nil if none).
func (s *State) Forfeited() []int {
	var seats []int
	for i, f := range s.forfeited {
		if f {
			seats = append(seats, i)
		}
	}
	return seats
}

// Results checks every seat's answer as it stands, indexed by seat. A
// forfeited seat is checked too (its result is reported) but ranks last.
func (s *State) Results() []Result {
	out := make([]Result, len(s.answers))
	for i, a := range s.answers {
		out[i] = checkAt(s.task.Want, a, s.rev)
	}
	return out
}

// ToMove lists every seat still writing.
func (s *State) ToMove() []int {
	seats := []int{}
	for i := range s.answers {
		if !s.finals[i] && !s.forfeited[i] {
			seats = append(seats, i)
		}
	}
	return seats
}

// Done reports whether every seat is final or forfeited.
func (s *State) Done() bool { return len(s.ToMove()) == 0 }

// Apply appends a chunk ({"text": ..., "final": bool}, the prompt game's
// move) to seat's answer. A rejected move changes nothing; a chunk that
// would pass the size limit is refused whole ("too_large").
func (s *State) Apply(seat int, move json.RawMessage) error {
	if s.Done() {
		return moveErr("game_over", "every answer is final")
	}
	switch {
	case seat < 0 || seat >= len(s.answers):
		return moveErr("not_your_turn", fmt.Sprintf("no seat %d in this contest", seat))
	case s.forfeited[seat]:
		return moveErr("not_your_turn", fmt.Sprintf("seat %d has forfeited", seat))
	case s.finals[seat]:
		return moveErr("not_your_turn", fmt.Sprintf("seat %d's answer is already final", seat))
	}
	text, final, err := prompt.ParseMove(move)
	if err != nil {
		return err
	}
	if n := len(s.answers[seat]) + len(text); n > s.maxBytes {
		return moveErr("too_large", fmt.Sprintf("answer would be %d bytes, the limit is %d", n, s.maxBytes))
	}
	s.answers[seat] += text
	s.finals[seat] = final
	return nil
}

// Forfeit removes seat from play; a final answer is kept (no-op).
func (s *State) Forfeit(seat int) {
	if seat < 0 || seat >= len(s.answers) || s.finals[seat] {
		return
	}
	s.forfeited[seat] = true
}

// Outcome ranks the seats by checker score, best first; equal scores tie
// and forfeited seats share the last place. Scores carries each seat's
// checker score (forfeited seats' too) for the verdict.
func (s *State) Outcome() games.Outcome {
	if !s.Done() {
		return games.Outcome{}
	}
	results := s.Results()
	key := make([]float64, len(results))
	for i, r := range results {
		key[i] = r.Score
		if s.forfeited[i] {
			key[i] = -1
		}
	}
	return games.Outcome{Ranks: ranksOf(key), Forfeited: s.Forfeited(), Reason: ReasonChecked}
}

// ranksOf gives each seat the number of seats with a strictly higher key.
func ranksOf(key []float64) []int {
	ranks := make([]int, len(key))
	for i, k := range key {
		for _, o := range key {
			if o > k {
				ranks[i]++
			}
		}
	}
	return ranks
}

func moveErr(code, msg string) error { return &games.MoveError{Code: code, Message: msg} }

// OneDeadlinePerAnswer marks the verifiable game as games.Answering.
func (s *State) OneDeadlinePerAnswer() {}
