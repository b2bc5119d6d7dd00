package verifiable

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/agentarena/arena/games"
	"github.com/agentarena/arena/games/prompt"
	"github.com/agentarena/arena/internal/strictjson"
)

// TaskView is the task as agents and spectators see it: never the ground
// truth. Field names are protocol; add fields, never rename them.
type TaskView struct {
	ID     string          `json:"id"`
	Family string          `json:"family"`
	Level  int             `json:"level"`
	Text   string          `json:"text"`
	Data   json.RawMessage `json:"data"`
	Kind   string          `json:"answer_kind"`
}

func (t Task) view() TaskView {
	return TaskView{ID: t.ID, Family: t.Family, Level: t.Level, Text: t.Text, Data: t.Data, Kind: t.Want.Kind}
}

// SeatView is what a seat sees: the task and its own answer only.
type SeatView struct {
	Game string `json:"game"` // always "verifiable"
	// PromptID and Prompt repeat the task's id and text under the prompt
	// game's names, so text agents and the spectator UI read either game.
	PromptID       string   `json:"prompt_id"`
	Prompt         string   `json:"prompt"`
	Task           TaskView `json:"task"`
	MaxAnswerBytes int      `json:"max_answer_bytes"`
	You            int      `json:"you"`
	Final          bool     `json:"final"`
	Answer         string   `json:"answer"`
}

// SpectatorView is the whole contest once it has ended: every answer, the
// ground truth as a canonical answer, and each answer's checker result.
type SpectatorView struct {
	Game      string   `json:"game"`
	PromptID  string   `json:"prompt_id"`
	Prompt    string   `json:"prompt"`
	Task      TaskView `json:"task"`
	Expected  string   `json:"expected"`
	Answers   []string `json:"answers"`
	Results   []Result `json:"results"`
	Finals    []bool   `json:"finals"`
	Forfeited []bool   `json:"forfeited"`
}

// View returns a SeatView for seat >= 0 and a SpectatorView for seat < 0.
// A seat past the last gets an empty SeatView rather than anyone's answer.
func (s *State) View(seat int) any {
	if seat < 0 {
		return SpectatorView{Game: Name, PromptID: s.task.ID, Prompt: s.task.Text, Task: s.task.view(), Expected: s.task.Want.Render(),
			Answers: s.Answers(), Results: s.Results(),
			Finals: append([]bool{}, s.finals...), Forfeited: append([]bool{}, s.forfeited...)}
	}
	v := SeatView{Game: Name, PromptID: s.task.ID, Prompt: s.task.Text, Task: s.task.view(), MaxAnswerBytes: s.maxBytes, You: seat}
	if seat < len(s.answers) {
		v.Final, v.Answer = s.finals[seat], s.answers[seat]
	}
	return v
}

// HiddenView is the public view while the contest runs: the task and how
// far each answer has got, never an answer or the ground truth (agents
// can read spectator streams).
type HiddenView struct {
	Game        string   `json:"game"`
	PromptID    string   `json:"prompt_id"`
	Prompt      string   `json:"prompt"`
	Task        TaskView `json:"task"`
	AnswerBytes []int    `json:"answer_bytes"`
	Finals      []bool   `json:"finals"`
	Forfeited   []bool   `json:"forfeited"`
	Hidden      bool     `json:"hidden"` // always true
}

// PublicView returns a HiddenView.
func (s *State) PublicView() any {
	h := HiddenView{Game: Name, PromptID: s.task.ID, Prompt: s.task.Text, Task: s.task.view(), Finals: append([]bool{}, s.finals...),
		Forfeited: append([]bool{}, s.forfeited...), Hidden: true}
	for _, a := range s.answers {
		h.AnswerBytes = append(h.AnswerBytes, len(a))
	}
	return h
}

// PublicMove hides a chunk's text as the prompt game does.
func (*Game) PublicMove(move json.RawMessage) json.RawMessage {
	return prompt.New(nil).PublicMove(move)
}

// wire is the replicated encoding; the struct fixes the field order.
type wire struct {
	Version        int      `json:"version"`
	Seed           uint64   `json:"seed"`
	Task           Task     `json:"task"`
	MaxAnswerBytes int      `json:"max_answer_bytes"`
	Answers        []string `json:"answers"`
	Finals         []bool   `json:"finals"`
	Forfeited      []bool   `json:"forfeited"`
	// Rev is the generator revision the contest started at
	// (games.Setup.Rev); absent for revision 0, so states written before
	// revisions keep their bytes.
	Rev int `json:"rev,omitempty"`
}

const wireVersion = 1

// Marshal encodes the state deterministically.
func (s *State) Marshal() ([]byte, error) {
	return json.Marshal(wire{Version: wireVersion, Seed: s.seed, Task: s.task, MaxAnswerBytes: s.maxBytes,
		Answers: s.answers, Finals: s.finals, Forfeited: s.forfeited, Rev: s.rev})
}

// Load restores a state from Marshal output.
func (*Game) Load(data []byte) (games.State, error) { return Load(data) }

// Load is Game.Load with the concrete type. It rejects any state Apply and
// Forfeit could not have produced.
func Load(data []byte) (*State, error) {
	var w wire
	if err := strictjson.UnmarshalNamed(data, &w, "value"); err != nil {
		return nil, fmt.Errorf("decode verifiable state: %w", err)
	}
	if err := w.check(); err != nil {
		return nil, fmt.Errorf("decode verifiable state: %w", err)
	}
	return &State{seed: w.Seed, task: w.Task, maxBytes: w.MaxAnswerBytes, rev: w.Rev,
		answers: w.Answers, finals: w.Finals, forfeited: w.Forfeited}, nil
}

func (w *wire) check() error {
	n := len(w.Answers)
	switch {
	case w.Version != wireVersion:
		return fmt.Errorf("unknown version %d", w.Version)
	case w.Rev < 0 || w.Rev > games.Rev:
		return fmt.Errorf("generator revision %d, this release has 0 to %d", w.Rev, games.Rev)
	case w.Task.ID == "" || w.Task.Text == "" || w.Task.Want.Kind == "":
		return fmt.Errorf("task has no id, text or answer kind")
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
