package client

import (
	"context"
	"net/http"
)

// CreateOwner registers a new owner. It needs no key.
func (c *Client) CreateOwner(ctx context.Context, req CreateOwnerRequest) (*CreateOwnerResponse, error) {
	var out CreateOwnerResponse
	if _, err := c.do(ctx, request{method: http.MethodPost, path: "/v1/owners", in: req, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// Me returns the owner the client's API key belongs to.
func (c *Client) Me(ctx context.Context) (*Owner, error) {
	return c.getOwner(ctx, "/v1/owners/me")
}

// GetOwner returns an owner by id. Only that owner and the operator may
// read it.
func (c *Client) GetOwner(ctx context.Context, id string) (*Owner, error) {
	seg, err := pathID("owner", id)
	if err != nil {
		return nil, err
	}
	return c.getOwner(ctx, "/v1/owners/"+seg)
}

// RotateOwnerKey replaces the API key of the owner of c's key and returns
// the new one (shown once). The old key, which c holds, stops in the same
// apply: make a new client with the new key for further calls.
func (c *Client) RotateOwnerKey(ctx context.Context) (*OwnerKeyResponse, error) {
	var out OwnerKeyResponse
	if _, err := c.do(ctx, request{method: http.MethodPost, path: "/v1/owners/me/key", out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) getOwner(ctx context.Context, path string) (*Owner, error) {
	var out struct {
		Owner Owner `json:"owner"`
	}
	if _, err := c.do(ctx, request{method: http.MethodGet, path: path, out: &out}); err != nil {
		return nil, err
	}
	return &out.Owner, nil
}
