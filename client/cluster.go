package client

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
)

// Cluster returns the answering node's view of the cluster. By default
// that view may be stale on a follower; linearizable asks the server to
// confirm it against the leader first, at the cost of a round trip.
func (c *Client) Cluster(ctx context.Context, linearizable bool) (*ClusterStatus, error) {
	var q url.Values
	if linearizable {
		q = url.Values{"consistency": {"linearizable"}}
	}
	var out ClusterStatus
	if _, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/cluster", query: q, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// JoinAnswer is the body of a successful POST /v1/cluster/join.
type JoinAnswer struct {
	// Nodes is the membership with the new node in it.
	Nodes []Node `json:"nodes"`
	// SecretsKey is the cluster's secrets key (hex), "" when it has none.
	// Only an operator-authenticated join gets it: the new member needs it
	// to open sealed model-endpoint keys once it leads.
	SecretsKey string `json:"secrets_key,omitempty"`
}

// Join adds a node to the Raft configuration and returns the resulting
// membership and the cluster's secrets key. It needs the operator token.
func (c *Client) Join(ctx context.Context, req JoinRequest) (*JoinAnswer, error) {
	var out JoinAnswer
	if _, err := c.do(ctx, request{method: http.MethodPost, path: "/v1/cluster/join", in: req, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// RemoveNode removes a node from the Raft configuration. It needs the
// operator token. The server refuses (409 conflict) a removal that would
// leave the voters without a quorum that answers the leader; force skips
// that check (?force=true), for an operator who knows the silent voters
// are coming back.
func (c *Client) RemoveNode(ctx context.Context, nodeID string, force bool) error {
	seg, err := pathID("node", nodeID)
	if err != nil {
		return err
	}
	var q url.Values
	if force {
		q = url.Values{"force": {"true"}}
	}
	_, err = c.do(ctx, request{method: http.MethodDelete, path: "/v1/cluster/nodes/" + seg, query: q})
	return err
}

// RotateOperatorToken replaces the cluster's operator token (the client's
// own key must be the current one) with token, or with one the node
// generates when token is empty, and returns the new token: the only
// time it is shown. Every member refuses the old token once it has
// applied the change.
func (c *Client) RotateOperatorToken(ctx context.Context, token string) (string, error) {
	in := map[string]any{"generate": true}
	if token != "" {
		in = map[string]any{"token": token}
	}
	var out struct {
		Token string `json:"operator_token"`
	}
	if _, err := c.do(ctx, request{method: http.MethodPost, path: "/v1/cluster/operator-token", in: in, out: &out}); err != nil {
		return "", err
	}
	return out.Token, nil
}

// Health reports whether the node's process is up; a nil error means it
// answered 200.
func (c *Client) Health(ctx context.Context) error {
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/healthz"})
	return err
}

// Ready reports whether the node can serve traffic. A node that answers
// 503 with a readiness body is not an error: it yields a Readiness whose
// IsReady is false and whose Reason says why.
func (c *Client) Ready(ctx context.Context) (*Readiness, error) {
	var out struct {
		Readiness
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	status, err := c.do(ctx, request{
		method: http.MethodGet, path: "/readyz", out: &out,
		asis: []int{http.StatusServiceUnavailable},
	})
	if err != nil {
		return nil, err
	}
	if status == http.StatusServiceUnavailable && out.Status == "" {
		// JSON, but not the readiness shape: report it as the error it is
		// rather than as an empty status.
		e := &APIError{Status: status, Code: CodeUnavailable, Message: "node is not ready"}
		if out.Error != nil {
			e.Code = cmp.Or(out.Error.Code, e.Code)
			e.Message = cmp.Or(out.Error.Message, e.Message)
		}
		return nil, e
	}
	return &out.Readiness, nil
}
