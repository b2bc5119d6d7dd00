// Package webhook reaches webhook agents: it POSTs each turn frame to the
// agent's URL and reads the move from the reply, as if the agent had sent a
// move frame over a websocket.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/agentarena/arena/agents/protocol"
)

// maxReplyBytes bounds what is read of a reply: a move is small, and an
// agent must not make the leader buffer an unbounded body.
const maxReplyBytes = 1 << 20

// Client calls webhook agents. It holds no per-agent state, so one Client
// serves every agent and turn.
type Client struct {
	http *http.Client
}

// New returns a client that sends requests with hc (nil: a client with a
// 60 s overall timeout; each call also ends at the turn's deadline).
func New(hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	return &Client{http: hc}
}

// reply is what a webhook agent answers to a turn.
type reply struct {
	Move json.RawMessage `json:"move"`
}

// Move POSTs turn as JSON to url and returns the reply's "move". The call
// is cut off at the turn's deadline; a status other than 200, or a body
// that is not {"move": ...}, is an error and plays no move.
func (c *Client) Move(ctx context.Context, url string, turn protocol.Turn) (json.RawMessage, error) {
	ctx, cancel := context.WithDeadline(ctx, turn.Deadline)
	defer cancel()
	body, _ := json.Marshal(turn)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "agent-arena-webhook/1")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("webhook answered %s", resp.Status)
	}
	var r reply
	if err := json.Unmarshal(data, &r); err != nil || len(r.Move) == 0 {
		return nil, fmt.Errorf("webhook reply must be {\"move\": ...}: %v", err)
	}
	return r.Move, nil
}
