package main

import (
	"encoding/json"
	"time"
)

// The few protocol frames this agent reads and writes, copied from
// docs/PROTOCOL.md so the example builds on its own outside the arena's
// repository: copy this directory, `go mod init`, `go get
// github.com/gorilla/websocket`, and it runs. The arena adds fields to
// frames over time; encoding/json ignores the ones a struct lacks.

// Frame types the server sends.
const (
	typeHello      = "hello"
	typeTurn       = "turn"
	typeContestEnd = "contest_end"
	typeError      = "error"
)

// Frame types the agent sends.
const (
	typeQueue  = "queue"
	typeMove   = "move"
	typeFinal  = "final"
	typeResign = "resign"
)

// turn asks the agent to move. Seq is the contest's turn counter a move
// must quote; View is the game's view for the agent's seat.
type turn struct {
	Type       string          `json:"type"`
	Contest    string          `json:"contest"`
	Seq        uint64          `json:"seq"`
	Seat       int             `json:"seat"`
	Deadline   time.Time       `json:"deadline"`
	DeadlineMS int64           `json:"deadline_ms"`
	View       json.RawMessage `json:"view"`
}

// outbound is any frame the agent sends; which fields matter depends on
// Type, and the server refuses fields a frame type does not take.
type outbound struct {
	Type    string          `json:"type"`
	Arena   string          `json:"arena,omitempty"`
	Contest string          `json:"contest,omitempty"`
	Seq     *uint64         `json:"seq,omitempty"`
	Move    json.RawMessage `json:"move,omitempty"`
	Text    string          `json:"text,omitempty"`
}
