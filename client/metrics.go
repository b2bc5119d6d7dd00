package client

import (
	"context"
	"net/http"
)

// Metrics returns the node's Prometheus metrics in the text exposition
// format, as GET /metrics serves them.
func (c *Client) Metrics(ctx context.Context) ([]byte, error) {
	var out []byte
	if _, err := c.do(ctx, request{method: http.MethodGet, path: "/metrics", raw: &out}); err != nil {
		return nil, err
	}
	return out, nil
}
