package client

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"strconv"

	"github.com/agentarena/arena/api"
)

// Contest statuses.
const (
	ContestRunning = api.StatusRunning
	ContestJudging = api.StatusJudging // judge-ranked games, between the last move and the verdict
	ContestSettled = api.StatusSettled
	ContestAborted = api.StatusAborted // stakes refunded
)

// Seat is one entrant of a contest, pinned to the agent version that
// played.
type Seat = api.Seat

// Contest is one contest's record. Its State is the game's internal state;
// GetContest returns it as null and the spectator view beside it instead.
type Contest = api.Contest

// ContestEvent is one entry of a contest's history. Its Data, when set, is
// the decoded JSON value (the contest summary on created, judging, settled
// and aborted events).
type ContestEvent = api.ContestEvent

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
