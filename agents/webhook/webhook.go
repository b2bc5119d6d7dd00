// Package webhook reaches webhook agents: it POSTs each turn frame to the
// agent's URL and reads the move from the reply, as if the agent had sent a
// move frame over a websocket, and POSTs the contest_end frame when a
// contest is over. Every call is signed with the agent's webhook secret
// (sign.go).
package webhook

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
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
	now  func() time.Time
}

// New returns a client that sends requests with hc (nil: a client with a
// 60 s overall timeout; each call also ends at the turn's deadline).
func New(hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	return &Client{http: hc, now: time.Now}
}

// notifyTimeout bounds a contest_end call, which has no turn deadline.
const notifyTimeout = 10 * time.Second

// reply is what a webhook agent answers to a turn.
type reply struct {
	Move json.RawMessage `json:"move"`
}

// Move POSTs turn as JSON to url, signed with secret ("" for an agent
// created before webhook secrets existed: unsigned), and returns the
// reply's "move". The call is cut off at the turn's deadline; a status
// other than 200, or a body that is not {"move": ...}, is an error and
// plays no move.
func (c *Client) Move(ctx context.Context, url, secret string, turn protocol.Turn) (json.RawMessage, error) {
	ctx, cancel := context.WithDeadline(ctx, turn.Deadline)
	defer cancel()
	body, _ := json.Marshal(turn)
	status, data, err := c.post(ctx, url, secret, protocol.TypeTurn, body)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("webhook answered %d %s", status, http.StatusText(status))
	}
	var r reply
	if err := json.Unmarshal(data, &r); err != nil || len(r.Move) == 0 {
		return nil, fmt.Errorf("webhook reply must be {\"move\": ...}: %v", err)
	}
	return r.Move, nil
}

// Notify POSTs a contest_end frame to url, signed like a turn. Any 2xx
// answer is success and its body is ignored.
func (c *Client) Notify(ctx context.Context, url, secret string, end protocol.ContestEnd) error {
	ctx, cancel := context.WithTimeout(ctx, notifyTimeout)
	defer cancel()
	body, _ := json.Marshal(end)
	status, _, err := c.post(ctx, url, secret, protocol.TypeContestEnd, body)
	if err != nil {
		return err
	}
	if status < 200 || status > 299 {
		return fmt.Errorf("webhook answered %d %s to contest_end", status, http.StatusText(status))
	}
	return nil
}

// post sends one signed call and returns the status and (bounded) body.
func (c *Client) post(ctx context.Context, url, secret, event string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "agent-arena-webhook/1")
	req.Header.Set(EventHeader, event)
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	req.Header.Set(DeliveryHeader, "wd_"+hex.EncodeToString(id))
	if secret != "" {
		req.Header.Set(SignatureHeader, Sign(secret, c.now(), body))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes))
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, data, nil
}
