package prompt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/agentarena/arena/games"
	"github.com/agentarena/arena/internal/strictjson"
)

// Name is the game's stable identifier in arenas and contests.
const Name = "prompt"

// Seat range: at least two answers to compare, at most what a judge can
// rank in one call without losing track.
const (
	MinSeats = 2
	MaxSeats = 8
)

// Answer size limits in bytes. The default suits a few paragraphs; the
// ceiling keeps any one contest's replicated state small whatever an
// arena is configured with.
const (
	DefaultMaxAnswerBytes = 4096
	MaxAnswerBytesLimit   = 1 << 20
)

// ReasonComplete is the Outcome reason once every seat is final or
// forfeited; the ranking itself comes from the judge.
const ReasonComplete = "answers complete"

// Options is the arena's game configuration (games.Setup.Options).
type Options struct {
	// MaxAnswerBytes caps each seat's whole answer, in bytes of UTF-8.
	// Zero means DefaultMaxAnswerBytes.
	MaxAnswerBytes int `json:"max_answer_bytes,omitempty"`
}

// Game is the prompt rule set over a fixed prompt set. It never changes
// after New, so one instance is safe to share.
type Game struct {
	set []Prompt
}

var (
	_ games.Game       = (*Game)(nil)
	_ games.TaskLister = (*Game)(nil)
	_ games.State      = (*State)(nil)
)

// New returns the game over a copy of set. Start fails on an empty set;
// callers that load their own sets should check them with ValidateSet.
func New(set []Prompt) *Game {
	g := &Game{set: make([]Prompt, len(set))}
	for i, p := range set {
		g.set[i] = p.clone()
	}
	return g
}

// Name returns "prompt".
func (*Game) Name() string { return Name }

// TakesTextAnswers marks the game as a games.TextAnswerer: its moves come
// in chunk and final frames.
func (*Game) TakesTextAnswers() {}

// Seats returns MinSeats, MaxSeats.
func (*Game) Seats() (min, max int) { return MinSeats, MaxSeats }

// Set returns a copy of the prompt set.
func (g *Game) Set() []Prompt { return New(g.set).set }

// Tasks returns the prompt set as the games package's public tasks.
func (g *Game) Tasks() []games.Task {
	out := make([]games.Task, len(g.set))
	for i, p := range g.set {
		c := p.clone()
		out[i] = games.Task{ID: c.ID, Text: c.Text, Criteria: c.Criteria}
	}
	return out
}

// Start picks the prompt as set[seed % len(set)]: the leader's seed is the
// only randomness, so every node picks the same one. The state keeps the
// whole prompt, so a later change to the set cannot alter a running
// contest or a replayed log.
func (g *Game) Start(s games.Setup) (games.State, error) {
	if s.Seats < MinSeats || s.Seats > MaxSeats {
		return nil, fmt.Errorf("prompt needs %d to %d seats, got %d", MinSeats, MaxSeats, s.Seats)
	}
	if len(g.set) == 0 {
		return nil, errors.New("prompt set is empty")
	}
	opts, err := ParseOptions(s.Options)
	if err != nil {
		return nil, err
	}
	p := g.set[s.Seed%uint64(len(g.set))].clone()
	return &State{
		seed:      s.Seed,
		prompt:    p,
		maxBytes:  opts.MaxAnswerBytes,
		answers:   make([]string, s.Seats),
		finals:    make([]bool, s.Seats),
		forfeited: make([]bool, s.Seats),
	}, nil
}

// ParseOptions reads arena options; nil, empty or null means defaults.
// Unknown fields are an error so a misspelt option is caught when the
// arena is created, not silently ignored.
func ParseOptions(raw json.RawMessage) (Options, error) {
	var o Options
	if t := bytes.TrimSpace(raw); len(t) > 0 && !bytes.Equal(t, []byte("null")) {
		if err := strictUnmarshal(t, &o); err != nil {
			return Options{}, fmt.Errorf("prompt options: %w", err)
		}
	}
	if o.MaxAnswerBytes == 0 {
		o.MaxAnswerBytes = DefaultMaxAnswerBytes
	}
	if o.MaxAnswerBytes < 0 || o.MaxAnswerBytes > MaxAnswerBytesLimit {
		return Options{}, fmt.Errorf("prompt options: max_answer_bytes %d not in 1..%d", o.MaxAnswerBytes, MaxAnswerBytesLimit)
	}
	return o, nil
}

// strictUnmarshal decodes exactly one JSON value with no unknown fields and
// nothing after it. Its trailing-data error says "after value", as agents'
// bad_move messages and arena option errors always have.
func strictUnmarshal(data []byte, v any) error {
	return strictjson.UnmarshalNamed(data, v, "value")
}

// clone copies p so the copy shares no slices with it.
func (p Prompt) clone() Prompt {
	c := p
	c.Criteria.Required = cloneStrings(p.Criteria.Required)
	c.Criteria.Forbidden = cloneStrings(p.Criteria.Forbidden)
	c.Criteria.JSONKeys = cloneStrings(p.Criteria.JSONKeys)
	return c
}

// cloneStrings keeps nil as nil so a clone encodes exactly as the original.
func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string{}, s...)
}
