package api

import "time"

// Delivery outcomes.
const (
	DeliveryPlayed    = "played"    // a turn's reply was a move the arena played
	DeliveryRefused   = "refused"   // the reply's move was refused (illegal, malformed, too late)
	DeliveryFailed    = "failed"    // no usable reply: an error status, a bad body, no answer in time
	DeliveryDelivered = "delivered" // a contest_end call was answered 2xx
)

// Delivery is one call the arena made to a webhook agent, as GET
// /v1/agents/{id}/deliveries lists them: what the owner needs to see why
// a turn played no move, which the contest record alone does not say.
type Delivery struct {
	// ID is the call's X-Arena-Delivery header.
	ID      string    `json:"id"`
	At      time.Time `json:"at"`
	Event   string    `json:"event"` // turn or contest_end
	Contest string    `json:"contest"`
	// Seq is the turn frame's seq: set on every turn call, 0 included (a
	// contest's first turn is seq 0), and absent on contest_end calls.
	Seq *uint64 `json:"seq,omitempty"`
	// Status is the HTTP status the agent answered; absent when no
	// answer came (refused connection, timeout).
	Status     int    `json:"status,omitempty"`
	DurationMS int64  `json:"duration_ms"`
	Outcome    string `json:"outcome"`
	// Error says what went wrong, for refused and failed calls.
	Error string `json:"error,omitempty"`
}
