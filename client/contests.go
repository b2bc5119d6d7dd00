package client

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Contest statuses.
const (
	ContestRunning = "running"
	ContestJudging = "judging" // judge-ranked games, between the last move and the verdict
	ContestSettled = "settled"
	ContestAborted = "aborted" // stakes refunded
)

// Seat is one entrant of a contest, pinned to the agent version that
// played.
type Seat struct {
	AgentID string `json:"agent_id"`
	OwnerID string `json:"owner_id"`
	Name    string `json:"name"`
	Version int    `json:"version"`
}

// Contest is one contest's record.
type Contest struct {
	ID     string `json:"id"`
	Arena  string `json:"arena"`
	Game   string `json:"game"`
	Status string `json:"status"`
	Seats  []Seat `json:"seats"`
	Seed   uint64 `json:"seed"`
	// State is the game's internal state; GetContest leaves it out and
	// returns the spectator view instead.
	State json.RawMessage `json:"state,omitempty"`
	// Seq numbers the contest's last event; Turn counts applied moves.
	Seq  uint64 `json:"seq"`
	Turn uint64 `json:"turn"`
	// Deadlines[seat] is when the seat's move is due (Unix ns), 0 when it
	// is not to move.
	Deadlines []int64   `json:"deadlines"`
	Strikes   []int     `json:"strikes"`
	CreatedAt time.Time `json:"created_at"`
	EndedAt   time.Time `json:"ended_at,omitzero"`
	// Ranks[seat] is the final place, 0 for first, once settled.
	Ranks        []int     `json:"ranks,omitempty"`
	RatingDeltas []float64 `json:"rating_deltas,omitempty"`
	// Payouts[seat] is what the seat's owner received, in minor units.
	Payouts []int64         `json:"payouts,omitempty"`
	Reason  string          `json:"reason,omitempty"`
	Verdict json.RawMessage `json:"verdict,omitempty"`
}

// ContestEvent is one entry of a contest's history.
type ContestEvent struct {
	Contest string          `json:"contest"`
	Seq     uint64          `json:"seq"`
	Type    string          `json:"type"`
	At      time.Time       `json:"at"`
	Seat    *int            `json:"seat,omitempty"`
	Turn    uint64          `json:"turn"`
	Move    json.RawMessage `json:"move,omitempty"`
	// Auto marks a move the runner played for a seat that missed its
	// deadline.
	Auto   bool            `json:"auto,omitempty"`
	Reason string          `json:"reason,omitempty"`
	Data   json.RawMessage `json:"data,omitempty"`
}

// ContestDetail is GET /v1/contests/{id}: the contest, its spectator view
// and its whole event history (a replay).
type ContestDetail struct {
	Contest Contest         `json:"contest"`
	View    json.RawMessage `json:"view"`
	Events  []ContestEvent  `json:"events"`
}

// ListContestsOptions filters GET /v1/contests. Zero values are not sent.
type ListContestsOptions struct {
	Arena string
	Agent string
	// Status is one of the Contest* statuses.
	Status string
	// Limit caps the page size (server default 50, at most 500).
	Limit int
	// Cursor continues from a previous page's NextCursor.
	Cursor string
}

// ContestPage is one page of contests, newest first.
type ContestPage struct {
	Contests []Contest `json:"contests"`
	// NextCursor is empty on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// ContestPayouts is where a contest's money went.
type ContestPayouts struct {
	Contest string `json:"contest"`
	Status  string `json:"status"`
	// Payouts[seat] is what the seat's owner received, in minor units.
	Payouts []int64 `json:"payouts,omitempty"`
	// Transfers are every ledger transfer of the contest: stakes, payouts,
	// fee, refunds, in ledger order.
	Transfers []Transfer `json:"transfers"`
}

// ListContests returns one page of contests, newest first. Use AllContests
// to walk every page.
func (c *Client) ListContests(ctx context.Context, opts ListContestsOptions) (*ContestPage, error) {
	q := url.Values{}
	for k, v := range map[string]string{"arena": opts.Arena, "agent": opts.Agent, "status": opts.Status, "cursor": opts.Cursor} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if opts.Limit > 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	var out ContestPage
	if _, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/contests", query: q, out: &out}); err != nil {
		return nil, err
	}
	if out.Contests == nil {
		out.Contests = []Contest{}
	}
	return &out, nil
}

// AllContests iterates over every contest matching opts, newest first,
// following cursors; opts.Limit sets the page size. Iteration stops after
// the first error, which is yielded with a zero Contest.
func (c *Client) AllContests(ctx context.Context, opts ListContestsOptions) iter.Seq2[Contest, error] {
	return pages(ctx, opts.Cursor, func(ctx context.Context, cursor string) ([]Contest, string, error) {
		o := opts
		o.Cursor = cursor
		page, err := c.ListContests(ctx, o)
		if err != nil {
			return nil, "", err
		}
		return page.Contests, page.NextCursor, nil
	})
}

// GetContest returns a contest with its spectator view and event history.
func (c *Client) GetContest(ctx context.Context, id string) (*ContestDetail, error) {
	seg, err := pathID("contest", id)
	if err != nil {
		return nil, err
	}
	var out ContestDetail
	if _, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/contests/" + seg, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// ContestPayouts returns a contest's ledger transfers and per-seat payouts.
func (c *Client) ContestPayouts(ctx context.Context, id string) (*ContestPayouts, error) {
	seg, err := pathID("contest", id)
	if err != nil {
		return nil, err
	}
	var out ContestPayouts
	if _, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/contests/" + seg + "/payouts", out: &out}); err != nil {
		return nil, err
	}
	if out.Transfers == nil {
		out.Transfers = []Transfer{}
	}
	return &out, nil
}

// AbortContest ends a running contest and refunds its stakes. It needs the
// operator token; reason "" lets the server say "aborted by an operator".
func (c *Client) AbortContest(ctx context.Context, id, reason string) error {
	seg, err := pathID("contest", id)
	if err != nil {
		return err
	}
	in := struct {
		Reason string `json:"reason,omitempty"`
	}{reason}
	_, err = c.do(ctx, request{method: http.MethodPost, path: "/v1/contests/" + seg + "/abort", in: in})
	return err
}
