package arena

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/internal/strictjson"
)

// EnvelopeVersion is the only envelope layout this build understands. A node
// that meets another version rejects the entry (deterministically, as every
// node of the same build does) instead of guessing.
const EnvelopeVersion = 1

// Envelope is what a Raft log entry holds: a typed, versioned command with
// the leader's clock reading. Replicas never read their own clocks.
type Envelope struct {
	V    int             `json:"v"`
	Type string          `json:"type"`
	TS   int64           `json:"ts"` // leader wall clock, Unix nanoseconds
	Data json.RawMessage `json:"data"`
}

// EncodeCommand builds the log entry bytes for a command.
func EncodeCommand(typ string, ts int64, payload any) ([]byte, error) {
	data, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("encode %s payload: %w", typ, err)
	}
	b, err := json.Marshal(Envelope{V: EnvelopeVersion, Type: typ, TS: ts, Data: data})
	if err != nil {
		return nil, fmt.Errorf("encode %s envelope: %w", typ, err)
	}
	return b, nil
}

// DecodeEnvelope parses log entry bytes. Any defect is an Invalid error, never
// a panic: a corrupt entry must be rejected the same way on every node.
func DecodeEnvelope(b []byte) (Envelope, error) {
	env, ok := decodeCanonicalEnvelope(b)
	if !ok {
		if err := strictjson.Unmarshal(b, &env); err != nil {
			return Envelope{}, apperr.Wrap(apperr.Invalid, err, "undecodable command envelope")
		}
	}
	if env.V != EnvelopeVersion {
		return Envelope{}, apperr.New(apperr.Invalid, "unsupported command envelope version %d", env.V)
	}
	if env.Type == "" {
		return Envelope{}, apperr.New(apperr.Invalid, "command envelope has no type")
	}
	if env.TS < 0 {
		return Envelope{}, apperr.New(apperr.Invalid, "command envelope has a negative timestamp")
	}
	// EncodeCommand always writes data (null at least). An envelope without
	// it would decode to an empty payload that re-encodes as null, so two
	// spellings would mean one command; refuse it here, once, for all types.
	if len(env.Data) == 0 {
		return Envelope{}, apperr.New(apperr.Invalid, "command envelope has no data")
	}
	return env, nil
}

// decodePayload decodes a command payload, rejecting unknown fields so two
// builds that disagree on a command's shape fail loudly rather than silently.
func decodePayload(env Envelope, v any) error {
	if err := strictjson.Unmarshal(env.Data, v); err != nil {
		return apperr.Wrap(apperr.Invalid, err, "bad %s payload: %v", env.Type, err)
	}
	return nil
}

// decodeCanonicalEnvelope reads an envelope in exactly the form
// EncodeCommand writes (fields in order, no spaces, a type without
// escapes) and reports false for anything else, which the strict decoder
// then reads. Every node decodes every entry, and reflection was a tenth
// of a grant's apply; whatever this accepts, the strict decoder reads to
// the same Envelope (FuzzDecodeCanonicalEnvelope).
func decodeCanonicalEnvelope(b []byte) (env Envelope, ok bool) {
	rest, ok := cutPrefix(b, `{"v":`)
	if !ok {
		return Envelope{}, false
	}
	v, rest, ok := cutInt(rest, ',')
	if !ok || v != EnvelopeVersion {
		return Envelope{}, false
	}
	if rest, ok = cutPrefix(rest, `"type":"`); !ok {
		return Envelope{}, false
	}
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return Envelope{}, false
	}
	typ := rest[:end]
	for _, c := range typ {
		if c < 0x20 || c > 0x7e || c == '\\' {
			return Envelope{}, false
		}
	}
	if rest, ok = cutPrefix(rest[end+1:], `,"ts":`); !ok {
		return Envelope{}, false
	}
	ts, rest, ok := cutInt(rest, ',')
	if !ok {
		return Envelope{}, false
	}
	if rest, ok = cutPrefix(rest, `"data":`); !ok || len(rest) < 2 || rest[len(rest)-1] != '}' {
		return Envelope{}, false
	}
	data := rest[:len(rest)-1]
	// json.Valid allows white space around the value, which the strict
	// decoder leaves out of the raw data.
	if isSpace(data[0]) || isSpace(data[len(data)-1]) || !json.Valid(data) {
		return Envelope{}, false
	}
	return Envelope{V: int(v), Type: string(typ), TS: ts, Data: json.RawMessage(bytes.Clone(data))}, true
}

func cutPrefix(b []byte, prefix string) ([]byte, bool) {
	if !bytes.HasPrefix(b, []byte(prefix)) {
		return nil, false
	}
	return b[len(prefix):], true
}

// cutInt reads a JSON integer in canonical form (what json.Marshal writes
// for an int) up to the separator, and the bytes after the separator.
func cutInt(b []byte, sep byte) (int64, []byte, bool) {
	i := bytes.IndexByte(b, sep)
	if i <= 0 || i > 20 {
		return 0, nil, false
	}
	n, err := strconv.ParseInt(string(b[:i]), 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != string(b[:i]) {
		return 0, nil, false
	}
	return n, b[i+1:], true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
