package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The owner routes below answer, for one page of an owner's agents, what
// would otherwise take a request per agent: whether each is connected and
// where it waits (GET /v1/owners/{id}/connections), and its row of every
// leaderboard it is on (GET /v1/owners/{id}/ratings). Their pages are
// those of GET /v1/agents?owner= (same order, same cursors), so a caller
// showing one page of ListAgents asks each for the same Limit and Cursor.

// OwnerAgentsOptions selects one page of an owner's agents.
type OwnerAgentsOptions struct {
	// Owner is an owner id, or "" or "me" for the owner of the client's
	// key.
	Owner string
	// Limit caps the page size (server default 100, at most 500).
	Limit int
	// Cursor continues from a previous page's NextCursor; an agent list's
	// NextCursor is a cursor here too.
	Cursor string
}

// OwnerConnectionPage is one page of GET /v1/owners/{id}/connections.
type OwnerConnectionPage struct {
	OwnerID string `json:"owner_id"`
	// NodeID is the node that answered: the leader, where agents connect,
	// unless none could be asked (the connections then read unknown).
	NodeID      string            `json:"node_id"`
	Connections []OwnerConnection `json:"connections"`
	// NextCursor is empty on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// OwnerConnection is one agent's connection and queue places.
type OwnerConnection struct {
	AgentID string    `json:"agent_id"`
	Kind    AgentKind `json:"kind"`
	// Queued lists the arenas the agent waits in; empty when none.
	Queued []QueueEntry `json:"queued"`
	// Connection is nil for agents the arena calls (webhook, openai,
	// builtin), which hold no socket.
	Connection *AgentConnection `json:"connection,omitempty"`
}

// OwnerRatingPage is one page of GET /v1/owners/{id}/ratings.
type OwnerRatingPage struct {
	OwnerID string         `json:"owner_id"`
	Ratings []AgentRatings `json:"ratings"`
	// NextCursor is empty on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// AgentRatings is one agent's current standing in every arena it has a
// settled contest in, by arena name; Arenas is empty when it has none.
type AgentRatings struct {
	AgentID string        `json:"agent_id"`
	Arenas  []ArenaRating `json:"arenas"`
}

// ArenaRating is an agent's leaderboard row in one arena, in the
// leaderboard's own fields: Elo in points, Rating in fixed point (1000
// per point), Games its settled contests there.
type ArenaRating struct {
	Arena  string    `json:"arena"`
	Elo    float64   `json:"elo"`
	Rating int64     `json:"rating"`
	Games  int       `json:"games"`
	Wins   int       `json:"wins"`
	Draws  int       `json:"draws"`
	Losses int       `json:"losses"`
	LastAt time.Time `json:"last_at"`
}

// GetAgentConnection answers GET /v1/agents/{id}/connection: whether a
// websocket agent is connected, as the leader sees it. Only the agent's
// owner and the operator may ask; other kinds of agent are invalid.
func (c *Client) GetAgentConnection(ctx context.Context, id string) (*AgentConnection, error) {
	seg, err := pathID("agent", id)
	if err != nil {
		return nil, err
	}
	var out struct {
		AgentID    string          `json:"agent_id"`
		Connection AgentConnection `json:"connection"`
	}
	if _, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/agents/" + seg + "/connection", out: &out}); err != nil {
		return nil, err
	}
	return &out.Connection, nil
}

// OwnerConnections returns one page of an owner's agents' connections and
// queue places. Only that owner's key and the operator token may ask (the
// operator names the owner's id). Use AllOwnerConnections to walk every
// page.
func (c *Client) OwnerConnections(ctx context.Context, opts OwnerAgentsOptions) (*OwnerConnectionPage, error) {
	var out OwnerConnectionPage
	if err := c.ownerPage(ctx, "/connections", opts, &out); err != nil {
		return nil, err
	}
	if out.Connections == nil {
		out.Connections = []OwnerConnection{}
	}
	for i := range out.Connections {
		if out.Connections[i].Queued == nil {
			out.Connections[i].Queued = []QueueEntry{}
		}
	}
	return &out, nil
}

// AllOwnerConnections iterates over every agent of OwnerConnections,
// following cursors; opts.Limit sets the page size. Iteration stops after
// the first error, which is yielded with a zero OwnerConnection.
func (c *Client) AllOwnerConnections(ctx context.Context, opts OwnerAgentsOptions) iter.Seq2[OwnerConnection, error] {
	return pages(ctx, opts.Cursor, func(ctx context.Context, cursor string) ([]OwnerConnection, string, error) {
		o := opts
		o.Cursor = cursor
		page, err := c.OwnerConnections(ctx, o)
		if err != nil {
			return nil, "", err
		}
		return page.Connections, page.NextCursor, nil
	})
}

// OwnerRatings returns one page of an owner's agents' current ratings.
// It needs no key for an owner id; "" and "me" need an owner key. Use
// AllOwnerRatings to walk every page.
func (c *Client) OwnerRatings(ctx context.Context, opts OwnerAgentsOptions) (*OwnerRatingPage, error) {
	var out OwnerRatingPage
	if err := c.ownerPage(ctx, "/ratings", opts, &out); err != nil {
		return nil, err
	}
	if out.Ratings == nil {
		out.Ratings = []AgentRatings{}
	}
	for i := range out.Ratings {
		if out.Ratings[i].Arenas == nil {
			out.Ratings[i].Arenas = []ArenaRating{}
		}
	}
	return &out, nil
}

// AllOwnerRatings iterates over every agent of OwnerRatings, following
// cursors; opts.Limit sets the page size. Iteration stops after the first
// error, which is yielded with a zero AgentRatings.
func (c *Client) AllOwnerRatings(ctx context.Context, opts OwnerAgentsOptions) iter.Seq2[AgentRatings, error] {
	return pages(ctx, opts.Cursor, func(ctx context.Context, cursor string) ([]AgentRatings, string, error) {
		o := opts
		o.Cursor = cursor
		page, err := c.OwnerRatings(ctx, o)
		if err != nil {
			return nil, "", err
		}
		return page.Ratings, page.NextCursor, nil
	})
}

// ownerPage GETs the owner route sub (under /v1/owners/{id}) for one page.
func (c *Client) ownerPage(ctx context.Context, sub string, opts OwnerAgentsOptions, out any) error {
	p, err := ownerPath(opts.Owner)
	if err != nil {
		return err
	}
	q := url.Values{}
	if opts.Limit > 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	if opts.Cursor != "" {
		q.Set("cursor", opts.Cursor)
	}
	_, err = c.do(ctx, request{method: http.MethodGet, path: p + sub, query: q, out: out})
	return err
}
