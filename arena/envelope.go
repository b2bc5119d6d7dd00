package arena

import (
	"encoding/json"
	"fmt"

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
	var env Envelope
	if err := strictjson.Unmarshal(b, &env); err != nil {
		return Envelope{}, apperr.Wrap(apperr.Invalid, err, "undecodable command envelope")
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
