package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/agentarena/arena/arena"
)

// client talks to the nodes' HTTP API as an operator.
type client struct {
	http  *http.Client
	token string
}

func newClient(token string) *client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 16
	return &client{http: &http.Client{Timeout: 20 * time.Second, Transport: tr}, token: token}
}

// apiError is a non-2xx answer; Status 0 means no answer at all (refused,
// reset, timed out): the outcome of a write is then unknown.
type apiError struct {
	Status int
	Code   string
	Msg    string
}

func (e *apiError) Error() string {
	if e.Status == 0 {
		return "no answer: " + e.Msg
	}
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Msg)
}

// do sends one request and decodes a 2xx JSON answer into out.
func (c *client) do(ctx context.Context, method, url string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &apiError{Msg: err.Error()}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return &apiError{Msg: "read body: " + err.Error()}
	}
	if resp.StatusCode/100 != 2 {
		var eb struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		_ = json.Unmarshal(data, &eb)
		return &apiError{Status: resp.StatusCode, Code: eb.Error.Code, Msg: eb.Error.Message}
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("decode %s %s: %w", method, url, err)
		}
	}
	return nil
}

func (c *client) status(ctx context.Context, base string) (arena.Status, error) {
	var st arena.Status
	err := c.do(ctx, http.MethodGet, base+"/v1/cluster", nil, &st)
	return st, err
}

func (c *client) ready(ctx context.Context, base string) bool {
	return c.do(ctx, http.MethodGet, base+"/readyz", nil, nil) == nil
}

// retryable reports whether a write may be sent again under the same id:
// no answer, not the leader, unavailable, rate limited, or a server error.
func retryable(err error) bool {
	e, ok := err.(*apiError)
	if !ok {
		return false
	}
	switch {
	case e.Status == 0, e.Status == http.StatusMisdirectedRequest, e.Status == http.StatusServiceUnavailable,
		e.Status == http.StatusTooManyRequests, e.Status == http.StatusGatewayTimeout, e.Status >= 500:
		return true
	}
	return false
}

func statusOf(err error) int {
	if e, ok := err.(*apiError); ok {
		return e.Status
	}
	return -1
}
