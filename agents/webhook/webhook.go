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
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/agentarena/arena/agents/protocol"
	"github.com/agentarena/arena/internal/egress"
	"github.com/agentarena/arena/internal/textcut"
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
// 60 s overall timeout; each call also ends at the turn's deadline) to the
// addresses policy allows: under egress.Public a webhook URL that is, or
// resolves to, a loopback, private or link-local address is not called,
// and the owner reads why in the call's error. It follows no redirects,
// whatever hc does: a redirect is an answer other than 200, and following
// a 301 or 302 would send the agent a GET without the turn, so the owner
// would see only the status of that GET.
func New(hc *http.Client, policy egress.Policy) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	own := *policy.Client(hc)
	own.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{http: &own, now: time.Now}
}

// notifyTimeout bounds a contest_end call, which has no turn deadline.
const notifyTimeout = 10 * time.Second

// reply is what a webhook agent answers to a turn.
type reply struct {
	Move json.RawMessage `json:"move"`
}

// Call is what the arena learned of one call: the delivery id it sent and
// the status the agent answered (0: no answer).
type Call struct {
	Delivery string
	Status   int
	// Location is the Location header of a redirect (3xx) answer.
	Location string
}

// Move POSTs turn as JSON to url, signed with secret ("" for an agent
// created before webhook secrets existed: unsigned), and returns the
// reply's "move". The call is cut off at the turn's deadline; a status
// other than 200, or a body that is not {"move": ...}, is an error and
// plays no move. The errors are what the agent's owner reads in its
// deliveries, so they quote the start of a reply that was not a move.
func (c *Client) Move(ctx context.Context, url, secret string, turn protocol.Turn) (json.RawMessage, Call, error) {
	parent := ctx
	ctx, cancel := context.WithDeadline(ctx, turn.Deadline)
	defer cancel()
	body, _ := json.Marshal(turn)
	start := time.Now()
	call, data, err := c.post(ctx, url, secret, protocol.TypeTurn, body)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) && parent.Err() == nil {
			return nil, call, fmt.Errorf("no answer before the turn's deadline: the call was cut off after %d ms", time.Since(start).Milliseconds())
		}
		return nil, call, err
	}
	if call.Status != http.StatusOK {
		return nil, call, fmt.Errorf("webhook answered %d %s%s", call.Status, http.StatusText(call.Status), answer(call, data))
	}
	if len(data) > maxReplyBytes {
		// Read no further: decoding the first MiB would only report the
		// JSON cut off at the limit ("unexpected end of JSON input").
		return nil, call, fmt.Errorf("webhook reply is over %d bytes, the most the arena reads: answer {\"move\": ...} without the rest%s", maxReplyBytes, quote(data))
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, call, errors.New("webhook reply must be {\"move\": ...}: the body is empty")
	}
	var r reply
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, call, fmt.Errorf("webhook reply must be {\"move\": ...}: %v%s", err, quote(data))
	}
	if len(r.Move) == 0 {
		return nil, call, fmt.Errorf("webhook reply must be {\"move\": ...}: it has no move%s", quote(data))
	}
	if string(r.Move) == "null" {
		// As on the websocket: a null is an unset variable, not a move.
		return nil, call, fmt.Errorf("webhook reply must be {\"move\": ...}: its move is null%s", quote(data))
	}
	if esc := protocol.LoneSurrogate(r.Move); esc != "" {
		// As on the websocket: encoding/json would keep U+FFFD in its place.
		return nil, call, fmt.Errorf("webhook reply's move holds %s, half of a UTF-16 surrogate pair without the other half; "+
			"it would be read as U+FFFD, so send a character past U+FFFF whole (both escapes in one string, or its UTF-8)", esc)
	}
	return r.Move, call, nil
}

// Notify POSTs a contest_end frame to url, signed like a turn. Any 2xx
// answer is success and its body is ignored.
func (c *Client) Notify(ctx context.Context, url, secret string, end protocol.ContestEnd) (Call, error) {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, notifyTimeout)
	defer cancel()
	body, _ := json.Marshal(end)
	call, data, err := c.post(ctx, url, secret, protocol.TypeContestEnd, body)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) && parent.Err() == nil {
			return call, fmt.Errorf("no answer to contest_end within %s: the call was cut off", notifyTimeout)
		}
		return call, err
	}
	if call.Status < 200 || call.Status > 299 {
		return call, fmt.Errorf("webhook answered %d %s to contest_end%s", call.Status, http.StatusText(call.Status), answer(call, data))
	}
	return call, nil
}

// answer is what an error says of a reply with a status the arena does
// not take: where a redirect points, or the start of the body.
func answer(call Call, data []byte) string {
	if call.Status >= 300 && call.Status < 400 {
		return fmt.Sprintf(", a redirect to %q: the arena does not follow redirects; set the agent's webhook URL to the address that answers", call.Location)
	}
	return quote(data)
}

// quoteBytes is how much of a reply an error quotes.
const quoteBytes = 200

// quote is ": " and the start of a reply body as one line of printable
// text, for an error about it; "" for an empty body.
func quote(data []byte) string {
	text := strings.TrimSpace(strings.ToValidUTF8(string(data), "\uFFFD"))
	if text == "" {
		return ""
	}
	cut := len(text) > quoteBytes
	text = textcut.Cut(text, quoteBytes)
	text = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, text)
	if cut {
		text += " …"
	}
	return ": " + text
}

// post sends one signed call and returns the status and the body, read
// to at most maxReplyBytes+1 bytes: more than maxReplyBytes is a reply
// over the limit.
func (c *Client) post(ctx context.Context, url, secret, event string, body []byte) (Call, []byte, error) {
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	call := Call{Delivery: "wd_" + hex.EncodeToString(id)}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return call, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "agent-arena-webhook/1")
	req.Header.Set(EventHeader, event)
	req.Header.Set(DeliveryHeader, call.Delivery)
	if secret != "" {
		req.Header.Set(SignatureHeader, Sign(secret, c.now(), body))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// A refused address is said plainly, without the transport's
		// layers: which host, what it resolved to, which rule. The URL's
		// path and query, where owners keep tokens, stay out of the error,
		// which the runner logs.
		return call, nil, egress.Explain(egress.RedactURL(err), "webhook_url", url)
	}
	defer resp.Body.Close()
	call.Status = resp.StatusCode
	call.Location = resp.Header.Get("Location")
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes+1))
	if err != nil {
		return call, nil, err
	}
	return call, data, nil
}
