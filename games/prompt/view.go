package prompt

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/agentarena/arena/games"
)

// SeatView is what a seat sees: the prompt and its own answer only, so no
// agent can copy another's. Criteria are deliberately absent: agents get
// the constraints from the prompt text, never the rubric itself. Field
// names are protocol; add fields, never rename them.
type SeatView struct {
	Game           string `json:"game"` // always "prompt"
	PromptID       string `json:"prompt_id"`
	Prompt         string `json:"prompt"`
	MaxAnswerBytes int    `json:"max_answer_bytes"`
	You            int    `json:"you"`
	Final          bool   `json:"final"`  // whether your answer is closed
	Answer         string `json:"answer"` // your answer so far
}

// SpectatorView shows every answer, indexed by seat, with per-seat final
// and forfeited flags. Criteria are absent here too: spectator streams are
// public, and agents could read them.
type SpectatorView struct {
	Game      string   `json:"game"`
	PromptID  string   `json:"prompt_id"`
	Prompt    string   `json:"prompt"`
	Answers   []string `json:"answers"`
	Finals    []bool   `json:"finals"`
	Forfeited []bool   `json:"forfeited"`
}

// View returns a SeatView for seat >= 0 and a SpectatorView for seat < 0.
// A seat number past the last seat gets an empty SeatView rather than
// anyone's answer.
func (s *State) View(seat int) any {
	if seat < 0 {
		return SpectatorView{
			Game:      Name,
			PromptID:  s.prompt.ID,
			Prompt:    s.prompt.Text,
			Answers:   s.Answers(),
			Finals:    s.Finals(),
			Forfeited: append([]bool{}, s.forfeited...),
		}
	}
	v := SeatView{Game: Name, PromptID: s.prompt.ID, Prompt: s.prompt.Text, MaxAnswerBytes: s.maxBytes, You: seat}
	if seat < len(s.answers) {
		v.Final, v.Answer = s.finals[seat], s.answers[seat]
	}
	return v
}

// HiddenView is the public view of a running contest: how far each answer
// has got, not its text. An agent could otherwise watch its rivals'
// answers stream in and copy them; the text appears once every answer is
// final (judging) and stays in the replay.
type HiddenView struct {
	Game        string `json:"game"`
	PromptID    string `json:"prompt_id"`
	Prompt      string `json:"prompt"`
	AnswerBytes []int  `json:"answer_bytes"`
	Finals      []bool `json:"finals"`
	Forfeited   []bool `json:"forfeited"`
	Hidden      bool   `json:"hidden"` // always true
}

// PublicView returns a HiddenView.
func (s *State) PublicView() any {
	h := HiddenView{Game: Name, PromptID: s.prompt.ID, Prompt: s.prompt.Text,
		Finals: s.Finals(), Forfeited: append([]bool{}, s.forfeited...), Hidden: true}
	for _, a := range s.answers {
		h.AnswerBytes = append(h.AnswerBytes, len(a))
	}
	return h
}

// hiddenMove is the public form of a chunk or final while the contest
// runs: the size of the text, never the text.
type hiddenMove struct {
	Bytes  int  `json:"bytes"`
	Final  bool `json:"final"`
	Hidden bool `json:"hidden"` // always true
}

// PublicMove replaces a move's text with its size; a move that does not
// parse (never stored, since Apply refuses it) is hidden entirely.
func (*Game) PublicMove(move json.RawMessage) json.RawMessage {
	text, final, err := ParseMove(move)
	if err != nil {
		return nil
	}
	b, err := json.Marshal(hiddenMove{Bytes: len(text), Final: final, Hidden: true})
	if err != nil {
		return nil
	}
	return b
}

// wire is the replicated encoding; the struct fixes the field order, so
// equal states give equal bytes. It carries the whole prompt so a contest
// never depends on the prompt set a node happens to run with.
type wire struct {
	Version        int      `json:"version"`
	Seed           uint64   `json:"seed"`
	Prompt         Prompt   `json:"prompt"`
	MaxAnswerBytes int      `json:"max_answer_bytes"`
	Answers        []string `json:"answers"`
	Finals         []bool   `json:"finals"`
	Forfeited      []bool   `json:"forfeited"`
}

const wireVersion = 1

// Marshal encodes the state deterministically.
func (s *State) Marshal() ([]byte, error) {
	return json.Marshal(wire{
		Version: wireVersion, Seed: s.seed, Prompt: s.prompt, MaxAnswerBytes: s.maxBytes,
		Answers: s.answers, Finals: s.finals, Forfeited: s.forfeited,
	})
}

// Load restores a state from Marshal output. The prompt comes from the
// data, not the game's set.
func (*Game) Load(data []byte) (games.State, error) { return Load(data) }

// Load is Game.Load with the concrete type. It rejects any state Apply and
// Forfeit could not have produced.
func Load(data []byte) (*State, error) {
	var w wire
	if err := strictUnmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("decode prompt state: %w", err)
	}
	if err := w.check(); err != nil {
		return nil, fmt.Errorf("decode prompt state: %w", err)
	}
	return &State{
		seed: w.Seed, prompt: w.Prompt, maxBytes: w.MaxAnswerBytes,
		answers: w.Answers, finals: w.Finals, forfeited: w.Forfeited,
	}, nil
}

func (w *wire) check() error {
	n := len(w.Answers)
	switch {
	case w.Version != wireVersion:
		return fmt.Errorf("unknown version %d", w.Version)
	case w.Prompt.ID == "" || w.Prompt.Text == "":
		return fmt.Errorf("prompt has no id or text")
	case w.MaxAnswerBytes < 1 || w.MaxAnswerBytes > MaxAnswerBytesLimit:
		return fmt.Errorf("max_answer_bytes %d out of range", w.MaxAnswerBytes)
	case n < MinSeats || n > MaxSeats:
		return fmt.Errorf("%d seats, want %d to %d", n, MinSeats, MaxSeats)
	case len(w.Finals) != n || len(w.Forfeited) != n:
		return fmt.Errorf("finals and forfeited do not match %d seats", n)
	}
	for i, a := range w.Answers {
		switch {
		case len(a) > w.MaxAnswerBytes:
			return fmt.Errorf("seat %d answer over the limit", i)
		case !utf8.ValidString(a):
			return fmt.Errorf("seat %d answer not valid UTF-8", i)
		case w.Finals[i] && w.Forfeited[i]:
			return fmt.Errorf("seat %d both final and forfeited", i)
		}
	}
	return nil
}
