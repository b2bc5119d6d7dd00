package client

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

type agentEnvelope struct {
	Agent Agent `json:"agent"`
}

// CreateAgent registers an agent for the owner of the client's key.
func (c *Client) CreateAgent(ctx context.Context, req CreateAgentRequest) (*CreateAgentResponse, error) {
	var out CreateAgentResponse
	if _, err := c.do(ctx, request{method: http.MethodPost, path: "/v1/agents", in: req, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListAgents returns one page of agents. Use AllAgents to walk every page.
func (c *Client) ListAgents(ctx context.Context, opts ListAgentsOptions) (*AgentPage, error) {
	q := url.Values{}
	if opts.Owner != "" {
		q.Set("owner", opts.Owner)
	}
	if opts.Limit > 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	if opts.Cursor != "" {
		q.Set("cursor", opts.Cursor)
	}
	var out AgentPage
	if _, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/agents", query: q, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// AllAgents iterates over every agent matching opts, following cursors;
// opts.Limit sets the page size, not the total. Iteration stops after the
// first error, which is yielded with a zero Agent.
func (c *Client) AllAgents(ctx context.Context, opts ListAgentsOptions) iter.Seq2[Agent, error] {
	return pages(ctx, opts.Cursor, func(ctx context.Context, cursor string) ([]Agent, string, error) {
		o := opts
		o.Cursor = cursor
		page, err := c.ListAgents(ctx, o)
		if err != nil {
			return nil, "", err
		}
		return page.Agents, page.NextCursor, nil
	})
}

// GetAgent returns an agent by id.
func (c *Client) GetAgent(ctx context.Context, id string) (*Agent, error) {
	d, err := c.GetAgentDetail(ctx, id)
	if err != nil {
		return nil, err
	}
	return &d.Agent, nil
}

// GetAgentDetail returns GET /v1/agents/{id} whole: the agent, its owner's
// name and, when c holds the agent's owner key or the operator token, the
// queues the agent waits in.
func (c *Client) GetAgentDetail(ctx context.Context, id string) (*AgentDetail, error) {
	seg, err := pathID("agent", id)
	if err != nil {
		return nil, err
	}
	var out AgentDetail
	if _, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/agents/" + seg, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateAgent changes the fields set in req and returns the agent as
// stored, with its new Version. Only the owning owner may update it.
func (c *Client) UpdateAgent(ctx context.Context, id string, req UpdateAgentRequest) (*Agent, error) {
	out, err := c.UpdateAgentDetail(ctx, id, req)
	if err != nil {
		return nil, err
	}
	return &out.Agent, nil
}

// UpdateAgentDetail is UpdateAgent that also returns the webhook secret
// of an agent the update turned into a webhook agent.
func (c *Client) UpdateAgentDetail(ctx context.Context, id string, req UpdateAgentRequest) (*UpdateAgentResponse, error) {
	seg, err := pathID("agent", id)
	if err != nil {
		return nil, err
	}
	var out UpdateAgentResponse
	if _, err := c.do(ctx, request{method: http.MethodPatch, path: "/v1/agents/" + seg, in: req, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// RotateWebhookSecret replaces a webhook agent's signing secret and
// returns the new one (shown once). The arena signs with it from the next
// call on.
func (c *Client) RotateWebhookSecret(ctx context.Context, id string) (*WebhookSecretResponse, error) {
	seg, err := pathID("agent", id)
	if err != nil {
		return nil, err
	}
	var out WebhookSecretResponse
	if _, err := c.do(ctx, request{method: http.MethodPost, path: "/v1/agents/" + seg + "/webhook-secret", out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// RotateAgentKey replaces an agent's key and returns the new one (shown
// once). The old key stops at once, and a websocket open with it closes.
func (c *Client) RotateAgentKey(ctx context.Context, id string) (string, error) {
	seg, err := pathID("agent", id)
	if err != nil {
		return "", err
	}
	var out struct {
		AgentKey string `json:"agent_key"`
	}
	if _, err := c.do(ctx, request{method: http.MethodPost, path: "/v1/agents/" + seg + "/key", out: &out}); err != nil {
		return "", err
	}
	return out.AgentKey, nil
}

// DeleteAgent removes an agent. Only the owning owner may delete it.
func (c *Client) DeleteAgent(ctx context.Context, id string) error {
	seg, err := pathID("agent", id)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, request{method: http.MethodDelete, path: "/v1/agents/" + seg})
	return err
}

// QueueAgent puts one of the caller's agents in an arena's queue, where the
// matchmaker picks it up for the next contest. Webhook and openai agents
// are queued this way after each contest; websocket agents may also queue
// themselves over their socket.
func (c *Client) QueueAgent(ctx context.Context, agentID, arena string) (*Ticket, error) {
	return c.queueAgent(ctx, agentID, arena, false)
}

// KeepAgentQueued queues an agent and has the arena queue it again after
// each of its contests, until UnqueueAgent (or a forfeit) stops it: no
// poll-and-requeue loop is needed.
func (c *Client) KeepAgentQueued(ctx context.Context, agentID, arena string) (*Ticket, error) {
	return c.queueAgent(ctx, agentID, arena, true)
}

func (c *Client) queueAgent(ctx context.Context, agentID, arena string, keep bool) (*Ticket, error) {
	seg, err := pathID("agent", agentID)
	if err != nil {
		return nil, err
	}
	if arena == "" {
		return nil, fmt.Errorf("client: arena name is required")
	}
	var out struct {
		Ticket Ticket `json:"ticket"`
	}
	in := struct {
		Arena string `json:"arena"`
		Keep  bool   `json:"keep,omitempty"`
	}{arena, keep}
	if _, err := c.do(ctx, request{method: http.MethodPost, path: "/v1/agents/" + seg + "/queue", in: in, out: &out}); err != nil {
		return nil, err
	}
	return &out.Ticket, nil
}

// UnqueueAgent takes one of the caller's agents out of an arena's queue.
func (c *Client) UnqueueAgent(ctx context.Context, agentID, arena string) error {
	seg, err := pathID("agent", agentID)
	if err != nil {
		return err
	}
	aseg, err := pathID("arena", arena)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, request{method: http.MethodDelete, path: "/v1/agents/" + seg + "/queue/" + aseg})
	return err
}

// Deliveries lists the leader's recent calls to a webhook agent, newest
// first (the agent's owner or the operator).
func (c *Client) Deliveries(ctx context.Context, id string) (*DeliveryList, error) {
	seg, err := pathID("agent", id)
	if err != nil {
		return nil, err
	}
	var out DeliveryList
	if _, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/agents/" + seg + "/deliveries", out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// RatingHistory returns an agent's Elo history, one point per settled
// contest, grouped by arena and oldest first within each (GET
// /v1/agents/{id}/ratings); arena narrows it to one arena's ("" for all).
// It needs no key.
func (c *Client) RatingHistory(ctx context.Context, agentID, arena string) (*RatingHistory, error) {
	return c.RecentRatings(ctx, agentID, arena, 0)
}

// RecentRatings is RatingHistory with only each arena's latest n points
// (n <= 0: all of them); n = 1 gives the agent's current rating in every
// arena it played, and Contests still counts them all.
func (c *Client) RecentRatings(ctx context.Context, agentID, arena string, n int) (*RatingHistory, error) {
	seg, err := pathID("agent", agentID)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	if arena != "" {
		q.Set("arena", arena)
	}
	if n > 0 {
		q.Set("limit", strconv.Itoa(n))
	}
	var out RatingHistory
	if _, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/agents/" + seg + "/ratings", query: q, out: &out}); err != nil {
		return nil, err
	}
	if out.History == nil {
		out.History = []RatingPoint{}
	}
	return &out, nil
}
