package prompt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"unicode/utf8"

	"github.com/agentarena/arena/games"
)

// State is one prompt contest: the prompt and every seat's answer so far.
// All seats write at once, each in its own answer, so the order in which
// the log interleaves their chunks never matters. Methods are not safe for
// concurrent use; the state machine applies moves one at a time.
type State struct {
	seed      uint64
	prompt    Prompt
	maxBytes  int
	answers   []string
	finals    []bool
	forfeited []bool
}

// Prompt returns the contest's prompt, criteria included, for the judge.
func (s *State) Prompt() Prompt { return s.prompt.clone() }

// Answers returns every seat's answer so far, indexed by seat. Forfeited
// seats keep whatever they sent; the judge must rank them last anyway.
func (s *State) Answers() []string { return slices.Clone(s.answers) }

// Finals reports, per seat, whether the seat has closed its answer.
func (s *State) Finals() []bool { return slices.Clone(s.finals) }

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

// MaxAnswerBytes is the cap on each seat's whole answer.
func (s *State) MaxAnswerBytes() int { return s.maxBytes }

// Seed returns the seed the contest started with.
func (s *State) Seed() uint64 { return s.seed }

// ToMove lists every seat still writing: not final and not forfeited.
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

// Apply appends a chunk to seat's answer and, if the move says final,
// closes it. Every rejection leaves the state as it was: in particular a
// chunk that would overflow MaxAnswerBytes is refused whole ("too_large"),
// never truncated, so the agent knows exactly what was kept.
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
	text, final, err := ParseMove(move)
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

// ParseMove reads a move: a JSON object {"text": string, "final": bool},
// both optional, no other keys. Keys must match exactly (encoding/json
// alone would accept "TEXT"), and the raw bytes must be valid UTF-8,
// because encoding/json would silently turn bad bytes into U+FFFD and the
// agent would never learn its text was altered.
func ParseMove(move json.RawMessage) (text string, final bool, err error) {
	if !utf8.Valid(move) {
		return "", false, moveErr("bad_move", "move is not valid UTF-8")
	}
	b := bytes.TrimSpace(move)
	if len(b) == 0 || b[0] != '{' {
		return "", false, moveErr("bad_move", `a move is an object {"text": "...", "final": false}`)
	}
	var fields map[string]json.RawMessage
	if err := strictUnmarshal(b, &fields); err != nil {
		return "", false, moveErr("bad_move", "move is not a JSON object: "+err.Error())
	}
	// Sorted so that, with several bad keys, the error names the same one
	// on every node.
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		var err error
		switch k {
		case "text":
			err = json.Unmarshal(fields[k], &text)
		case "final":
			err = json.Unmarshal(fields[k], &final)
		default:
			return "", false, moveErr("bad_move", fmt.Sprintf(`unknown field %q; a move has only "text" and "final"`, k))
		}
		if err != nil {
			return "", false, moveErr("bad_move", fmt.Sprintf("field %q has the wrong type", k))
		}
	}
	return text, final, nil
}

// Forfeit removes seat from play: it stops writing and ranks last. It is a
// no-op for a seat that is already final (its answer is complete; a later
// disconnect must not cost it the contest), already forfeited, or absent.
func (s *State) Forfeit(seat int) {
	if seat < 0 || seat >= len(s.answers) || s.finals[seat] {
		return
	}
	s.forfeited[seat] = true
}

// Outcome asks for a judge: the rules cannot rank text. It is the zero
// Outcome until Done. Even when one seat is left, the judge still scores
// it (scores feed preference data), and forfeited seats rank last.
func (s *State) Outcome() games.Outcome {
	if !s.Done() {
		return games.Outcome{}
	}
	return games.Outcome{NeedsJudge: true, Forfeited: s.Forfeited(), Reason: ReasonComplete}
}

func moveErr(code, msg string) error { return &games.MoveError{Code: code, Message: msg} }

// OneDeadlinePerAnswer marks the prompt game as games.Answering.
func (s *State) OneDeadlinePerAnswer() {}
