// Package protocol defines the agent protocol's JSON frames (websocket text
// frames; webhook bodies reuse the turn frame) and parses what agents send.
package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/agentarena/arena/internal/strictjson"
)

// Version is sent in hello; bump it on incompatible changes.
const Version = 1

// Frame types.
const (
	TypeHello        = "hello"
	TypeContestStart = "contest_start"
	TypeTurn         = "turn"
	TypeContestEnd   = "contest_end"
	TypeError        = "error"
	TypeQueued       = "queued"
	TypeUnqueued     = "unqueued"
	TypeAck          = "ack"
	TypePong         = "pong"

	TypeQueue   = "queue"
	TypeUnqueue = "unqueue"
	TypeMove    = "move"
	TypeChunk   = "chunk"
	TypeFinal   = "final"
	TypePing    = "ping"
	TypeResign  = "resign"
)

// Hello greets a connected agent.
type Hello struct {
	Type     string   `json:"type"`
	Protocol int      `json:"protocol"`
	AgentID  string   `json:"agent_id"`
	Name     string   `json:"name"`
	Node     string   `json:"node"`
	Contests []string `json:"contests"` // contests the agent is seated in now
	// Queued lists the arenas whose queue the agent waits in as the
	// session starts: tickets its owner queued (keep among them) or that
	// a failed leader's successor kept for it through grace_ms.
	Queued []QueuedIn `json:"queued"`
}

// QueuedIn is one queue ticket as hello lists it.
type QueuedIn struct {
	Arena string `json:"arena"`
	// Keep: the arena queues the agent again after each contest, until
	// an unqueue.
	Keep bool `json:"keep"`
}

// SeatInfo names who sits where.
type SeatInfo struct {
	Seat    int    `json:"seat"`
	AgentID string `json:"agent_id"`
	Name    string `json:"name"`
	// Rating is the seat's Elo rating in the arena as the contest starts
	// (rating points); absent for an agent not rated there yet.
	Rating *float64 `json:"rating,omitempty"`
}

// ContestStart tells an agent it has a seat in a new (or resumed) contest.
type ContestStart struct {
	Type    string     `json:"type"`
	Contest string     `json:"contest"`
	Arena   string     `json:"arena"`
	Game    string     `json:"game"`
	Seat    int        `json:"seat"`
	Seats   []SeatInfo `json:"seats"`
	// The clock and the stakes, read from the arena's settings as the
	// frame is built (the ones each move is timed by).
	MoveDeadlineMS int64  `json:"move_deadline_ms"`
	GraceMS        int64  `json:"grace_ms"`
	Forfeit        string `json:"forfeit"`
	// Stake is what your owner staked for this seat (minor units; 0 in a
	// free arena).
	Stake int64 `json:"stake"`
}

// Turn asks an agent to move. Seq is the contest's turn counter the move
// must quote; View is the game's view for the agent's seat.
type Turn struct {
	Type       string          `json:"type"`
	Contest    string          `json:"contest"`
	Seq        uint64          `json:"seq"`
	Seat       int             `json:"seat"`
	Deadline   time.Time       `json:"deadline"`
	DeadlineMS int64           `json:"deadline_ms"`
	View       json.RawMessage `json:"view"`
	// Strikes counts the seat's missed deadlines in a row under the
	// three_strikes rule: a turn sent again after a strike says so.
	Strikes int `json:"strikes,omitempty"`
}

// ContestEnd reports a contest's result to a seated agent.
type ContestEnd struct {
	Type        string  `json:"type"`
	Contest     string  `json:"contest"`
	Status      string  `json:"status"`
	Reason      string  `json:"reason,omitempty"`
	Ranks       []int   `json:"ranks,omitempty"`
	Rank        int     `json:"rank"`
	RatingDelta float64 `json:"rating_delta"`
	Payout      int64   `json:"payout"`
	// Rating is your Elo rating in the arena after the contest (rating
	// points); absent when it moved no rating (aborted, void).
	Rating *float64 `json:"rating,omitempty"`
	// Forfeits are the seats that forfeited, in the order they did, and
	// why.
	Forfeits []Forfeit `json:"forfeits,omitempty"`
	// View is the final position as spectators see it, the view of GET
	// /v1/contests/{id}: connect4's board with the last move and the
	// winning cells, every seat's answer in a prompt or verifiable contest.
	View json.RawMessage `json:"view,omitempty"`
}

// Forfeit is one seat's forfeit in a contest_end frame.
type Forfeit struct {
	Seat   int    `json:"seat"`
	Reason string `json:"reason"`
}

// Error names what was wrong with a frame or action. Ref echoes the frame
// type it answers, and Contest and Arena the frame's contest and arena,
// when known.
type Error struct {
	Type    string `json:"type"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Ref     string `json:"ref,omitempty"`
	Contest string `json:"contest,omitempty"`
	Arena   string `json:"arena,omitempty"`
}

// Queued confirms a queue frame.
type Queued struct {
	Type  string `json:"type"`
	Arena string `json:"arena"`
}

// Unqueued confirms an unqueue frame: the agent waits in the arena's
// queue no more, and a keep ticket will not bring it back. The server
// also sends it unasked, with Reason, when it drops the agent's ticket
// itself (ReasonArenaDeleted).
type Unqueued struct {
	Type   string `json:"type"`
	Arena  string `json:"arena"`
	Reason string `json:"reason,omitempty"`
}

// ReasonArenaDeleted is an unasked unqueued frame's reason: an operator
// deleted the arena, and its queue with it.
const ReasonArenaDeleted = "arena_deleted"

// Ack confirms an applied move, chunk or final.
type Ack struct {
	Type    string `json:"type"`
	Ref     string `json:"ref"`
	Contest string `json:"contest"`
	Seq     uint64 `json:"seq"`
}

// Pong answers ping.
type Pong struct {
	Type string `json:"type"`
}

// Inbound is any frame an agent sends; which fields matter depends on Type.
type Inbound struct {
	Type    string          `json:"type"`
	Arena   string          `json:"arena,omitempty"`
	Contest string          `json:"contest,omitempty"`
	Seq     *uint64         `json:"seq,omitempty"`
	Move    json.RawMessage `json:"move,omitempty"`
	Text    string          `json:"text,omitempty"`
}

// describeDecodeError says what is wrong with a frame in the protocol's
// terms: encoding/json's own text names Go types (protocol.Inbound,
// uint64) that an agent author never sees.
func describeDecodeError(err error) string {
	var typ *json.UnmarshalTypeError
	if !errors.As(err, &typ) {
		return "malformed JSON frame: " + strings.TrimPrefix(err.Error(), "json: ")
	}
	if typ.Field == "" {
		return fmt.Sprintf("a frame must be a JSON object, not %s", article(typ.Value))
	}
	want := "a string"
	switch typ.Type.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		want = "a non-negative integer"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		want = "an integer"
	}
	return fmt.Sprintf("field %q must be %s, not %s", typ.Field, want, article(typ.Value))
}

// article names a JSON value kind as encoding/json reports it ("array",
// "number -1") with its article.
func article(kind string) string {
	if kind == "bool" {
		kind = "boolean"
	}
	if kind != "" && strings.ContainsRune("aeiou", rune(kind[0])) {
		return "an " + kind
	}
	return "a " + kind
}

// ParseError is a frame that could not be accepted; Code is the error
// frame's code.
type ParseError struct {
	Code    string
	Message string
}

func (e *ParseError) Error() string { return e.Code + ": " + e.Message }

func bad(code, format string, args ...any) *ParseError {
	return &ParseError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Parse decodes and validates an agent frame. On a refusal the Inbound
// holds what could be read of the frame, for the error frame's echo.
func Parse(data []byte) (Inbound, error) {
	if in, ok := parseFast(data); ok {
		return in, nil
	}
	return parseStrict(data)
}

// parseStrict is Parse through encoding/json: the decoder that judges
// every frame parseFast does not accept, and writes every refusal.
func parseStrict(data []byte) (Inbound, error) {
	var in Inbound
	if !utf8.Valid(data) {
		return in, bad("bad_frame", "frame is not valid UTF-8")
	}
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		return in, bad("bad_frame", "a frame must be a JSON object, not null")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return readable(data), bad("bad_frame", "%s", describeDecodeError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return readable(data), bad("bad_frame", "trailing data after the JSON frame")
	}
	if err := strictjson.CheckKeys(data, &in); err != nil {
		return readable(data), bad("bad_frame", "malformed JSON frame: %v", err)
	}
	if esc := LoneSurrogate(data); esc != "" {
		return readable(data), bad("bad_frame", "the frame holds %s, half of a UTF-16 surrogate pair without the other half; it would be read as U+FFFD, so send a character past U+FFFF whole (both escapes in one string, or its UTF-8)", esc)
	}
	if err := onlyFieldsOf(in.Type, data); err != nil {
		return in, err
	}
	switch in.Type {
	case TypePing:
	case TypeQueue, TypeUnqueue:
		if in.Arena == "" {
			return in, bad("bad_frame", "%s frame needs \"arena\"", in.Type)
		}
	case TypeMove:
		switch noContest, noMove := in.Contest == "", len(in.Move) == 0; {
		case noContest && noMove:
			return in, bad("bad_frame", "move frame needs \"contest\" and \"move\"")
		case noContest:
			return in, bad("bad_frame", "move frame needs \"contest\"")
		case noMove:
			return in, bad("bad_frame", "move frame needs \"move\"")
		}
		if in.Seq == nil {
			return in, bad("bad_frame", "move frame needs \"seq\", the turn it answers")
		}
	case TypeChunk, TypeFinal:
		if in.Contest == "" {
			return in, bad("bad_frame", "%s frame needs \"contest\"", in.Type)
		}
		if in.Type == TypeChunk && in.Text == "" {
			return in, bad("bad_frame", "chunk frame needs non-empty \"text\"")
		}
	case TypeResign:
		if in.Contest == "" {
			return in, bad("bad_frame", "resign frame needs \"contest\"")
		}
	case "":
		return in, bad("bad_frame", "frame has no \"type\"")
	default:
		return in, bad("unknown_type", "unknown frame type %q", clip(in.Type))
	}
	return in, nil
}

// takes lists, for each frame type, the fields besides "type" it takes.
var takes = map[string][]string{
	TypePing:    nil,
	TypeQueue:   {"arena"},
	TypeUnqueue: {"arena"},
	TypeMove:    {"contest", "seq", "move"},
	TypeChunk:   {"contest", "text"},
	TypeFinal:   {"contest", "text"},
	TypeResign:  {"contest"},
}

// onlyFieldsOf refuses a field that the frame's type does not take: a
// final frame's "seq" or a move frame's "text" would otherwise be
// dropped in silence, and the agent would believe it had an effect (a
// final frame is not checked against the turn counter). data has already
// decoded into Inbound, so it is one JSON object of known fields.
func onlyFieldsOf(typ string, data []byte) error {
	allowed, known := takes[typ]
	if !known {
		return nil // unknown_type or a missing type is reported below
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil
	}
	for _, f := range []string{"arena", "contest", "seq", "move", "text"} {
		v, ok := fields[f]
		if !ok {
			continue
		}
		if !slices.Contains(allowed, f) {
			if len(allowed) == 0 {
				return bad("bad_frame", "a %s frame takes no %q (it takes only \"type\")", typ, f)
			}
			return bad("bad_frame", "a %s frame takes no %q (it takes %s)", typ, f, quoteList(allowed))
		}
		// encoding/json reads null as "absent", so "text":null was an
		// empty final and "move":null a move of nothing: most likely an
		// agent's unset variable, sent in the belief that it said
		// something.
		if string(bytes.TrimSpace(v)) == "null" {
			return bad("bad_frame", "field %q must be %s, not null%s", f, nullWant[f], nullAdvice[typ+"."+f])
		}
	}
	return nil
}

// nullWant names what each field takes, for the refusal of a null.
var nullWant = map[string]string{
	"arena": "a string", "contest": "a string", "text": "a string",
	"seq": "a non-negative integer", "move": "the game's move",
}

var nullAdvice = map[string]string{
	TypeFinal + ".text": " (leave \"text\" out to end the answer with what was sent)",
}

func quoteList(fields []string) string {
	q := make([]string, len(fields))
	for i, f := range fields {
		q[i] = fmt.Sprintf("%q", f)
	}
	return strings.Join(q, ", ")
}

// readable is what can still be read of a refused frame: its "type",
// "contest" and "arena", each when the frame starts with a well-formed
// JSON object that gives it exactly once, spelled in that case, as a
// string. The error frame echoes them as ref, contest and arena
// (PROTOCOL.md), so an agent with several frames in flight can tell which
// one was refused even when the frame was malformed elsewhere (an unknown
// field, a negative seq, trailing data).
func readable(data []byte) Inbound {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return Inbound{}
	}
	seen := map[string]int{}
	vals := map[string]string{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return Inbound{}
		}
		key, _ := t.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return Inbound{}
		}
		if key != "type" && key != "contest" && key != "arena" {
			continue
		}
		seen[key]++
		var v string
		if json.Unmarshal(raw, &v) == nil {
			vals[key] = v
		} else {
			delete(vals, key)
		}
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return Inbound{}
	}
	var in Inbound
	if seen["type"] == 1 {
		in.Type = vals["type"]
	}
	if seen["contest"] == 1 {
		in.Contest = vals["contest"]
	}
	if seen["arena"] == 1 {
		in.Arena = vals["arena"]
	}
	return in
}

// TextMove is the prompt game's move for chunk and final frames.
func TextMove(text string, final bool) json.RawMessage {
	b, _ := json.Marshal(struct {
		Text  string `json:"text"`
		Final bool   `json:"final"`
	}{text, final})
	return b
}

func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}
