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
	return func(yield func(Agent, error) bool) {
		seen := map[string]bool{}
		for {
			page, err := c.ListAgents(ctx, opts)
			if err != nil {
				yield(Agent{}, err)
				return
			}
			for _, a := range page.Agents {
				if !yield(a, nil) {
					return
				}
			}
			if page.NextCursor == "" {
				return
			}
			// A server bug that hands back a cursor it already gave would
			// otherwise loop forever.
			if seen[page.NextCursor] {
				yield(Agent{}, fmt.Errorf("client: server repeated list cursor %q", page.NextCursor))
				return
			}
			seen[page.NextCursor] = true
			opts.Cursor = page.NextCursor
		}
	}
}

// GetAgent returns an agent by id.
func (c *Client) GetAgent(ctx context.Context, id string) (*Agent, error) {
	seg, err := pathID("agent", id)
	if err != nil {
		return nil, err
	}
	var out agentEnvelope
	if _, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/agents/" + seg, out: &out}); err != nil {
		return nil, err
	}
	return &out.Agent, nil
}

// UpdateAgent changes the fields set in req and returns the agent as
// stored, with its new Version. Only the owning owner may update it.
func (c *Client) UpdateAgent(ctx context.Context, id string, req UpdateAgentRequest) (*Agent, error) {
	seg, err := pathID("agent", id)
	if err != nil {
		return nil, err
	}
	var out agentEnvelope
	if _, err := c.do(ctx, request{method: http.MethodPatch, path: "/v1/agents/" + seg, in: req, out: &out}); err != nil {
		return nil, err
	}
	return &out.Agent, nil
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
