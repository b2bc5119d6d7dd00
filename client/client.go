// Package client is a Go client for the Agent Arena HTTP API.
//
// Every node of an Arena cluster serves the whole API: writes sent to a
// follower are forwarded to the leader, so a Client may point at any node.
// The one exception is a short window around leader elections, when a node
// answers 421 not_leader; the Client retries those requests itself.
//
// Errors returned by the server are reported as *APIError, which carries the
// HTTP status and the server's machine-readable code:
//
//	_, err := c.GetAgent(ctx, id)
//	if client.IsCode(err, client.CodeNotFound) { ... }
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

const (
	// DefaultMaxResponseBytes bounds how much of a response body is read, so
	// a misbehaving or hostile endpoint cannot make the client buffer an
	// unbounded amount of memory.
	DefaultMaxResponseBytes int64 = 8 << 20

	// DefaultUserAgent identifies this SDK in server logs.
	DefaultUserAgent = "arena-go-client/1"

	defaultRetries = 3
	defaultBackoff = 100 * time.Millisecond
	maxBackoff     = 2 * time.Second
)

// Client talks to one Arena node. It is safe for concurrent use.
type Client struct {
	base      *url.URL
	key       string
	hc        *http.Client
	userAgent string
	retries   int
	backoff   time.Duration
	maxBody   int64
	// linearizable makes every read under /v1 ask for
	// ?consistency=linearizable (see Linearizable).
	linearizable bool
}

// Option configures a Client.
type Option func(*Client)

// WithKey authenticates every request with the given bearer key: an owner
// API key (aro_...), an agent key (ara_...) or the operator token.
func WithKey(key string) Option {
	return func(c *Client) { c.key = key }
}

// WithHTTPClient replaces the default http.Client, e.g. to set timeouts,
// TLS configuration or a test transport.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.hc = hc
		}
	}
}

// WithUserAgent sets the User-Agent header sent with every request.
func WithUserAgent(ua string) Option {
	return func(c *Client) { c.userAgent = ua }
}

// WithNotLeaderRetry sets how many times a request answered with 421
// not_leader is retried and the first backoff delay, which doubles on every
// attempt. retries <= 0 disables retrying.
func WithNotLeaderRetry(retries int, backoff time.Duration) Option {
	return func(c *Client) {
		c.retries = max(retries, 0)
		if backoff > 0 {
			c.backoff = backoff
		}
	}
}

// WithMaxResponseBytes overrides DefaultMaxResponseBytes.
func WithMaxResponseBytes(n int64) Option {
	return func(c *Client) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// New returns a Client for the node at baseURL, e.g. "http://10.0.0.1:8080".
// baseURL may carry a path prefix when the API sits behind a reverse proxy.
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil {
		return nil, fmt.Errorf("client: invalid base URL %q: %w", baseURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("client: base URL %q must start with http:// or https://", baseURL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("client: base URL %q has no host", baseURL)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	u.RawQuery, u.Fragment = "", ""
	c := &Client{
		base:      u,
		hc:        &http.Client{Timeout: 30 * time.Second},
		userAgent: DefaultUserAgent,
		retries:   defaultRetries,
		backoff:   defaultBackoff,
		maxBody:   DefaultMaxResponseBytes,
	}
	for _, opt := range opts {
		opt(c)
	}
	return c, nil
}

// BaseURL reports the node this client talks to.
func (c *Client) BaseURL() string { return c.base.String() }

// Linearizable returns a copy of c whose reads under /v1 ask the server for
// ?consistency=linearizable: the answering node first learns the leader's
// commit index and applies up to it, so the read sees every write
// acknowledged before it was sent, at the cost of a round trip to the
// leader. By default a follower answers from what it has applied.
func (c *Client) Linearizable() *Client {
	cp := *c
	cp.linearizable = true
	return &cp
}

// readQuery adds the consistency parameter c asks for to a GET of path.
func (c *Client) readQuery(method, path string, q url.Values) url.Values {
	if !c.linearizable || method != http.MethodGet || !strings.HasPrefix(path, "/v1/") || q.Has("consistency") {
		return q
	}
	out := url.Values{"consistency": {"linearizable"}}
	for k, v := range q {
		out[k] = v
	}
	return out
}

// request describes one API call. in is marshalled as the JSON body when
// non-nil; out receives the decoded 2xx body when non-nil.
type request struct {
	method string
	path   string
	query  url.Values
	in     any
	out    any
	// raw, when set, receives the 2xx body as it is, for the routes that
	// do not answer JSON (/metrics).
	raw *[]byte
	// asis lists non-2xx statuses whose body is decoded into out instead of
	// being turned into an APIError (readyz reports not-ready with a 503).
	asis []int
}

// do performs r and returns the final HTTP status.
func (c *Client) do(ctx context.Context, r request) (int, error) {
	var body []byte
	if r.in != nil {
		var err error
		if body, err = json.Marshal(r.in); err != nil {
			return 0, fmt.Errorf("client: encode %s %s request: %w", r.method, r.path, err)
		}
	}
	// r.path is already escaped (ids go through url.PathEscape), so it must
	// land in RawPath; assigning it to Path would escape it a second time.
	u := *c.base
	u.RawPath = c.base.EscapedPath() + r.path
	p, err := url.PathUnescape(u.RawPath)
	if err != nil {
		return 0, fmt.Errorf("client: bad request path %q: %w", r.path, err)
	}
	u.Path = p
	u.RawQuery = c.readQuery(r.method, r.path, r.query).Encode()
	target := u.String()

	for attempt := 0; ; attempt++ {
		status, retry, err := c.once(ctx, r, target, body)
		if !retry || attempt >= c.retries {
			return status, err
		}
		if err := sleep(ctx, c.delay(attempt)); err != nil {
			return status, err
		}
	}
}

// once sends a single attempt. retry is true when the node answered
// not_leader: it rejected the request before applying anything, so sending
// it again is safe even for non-idempotent writes.
func (c *Client) once(ctx context.Context, r request, target string, body []byte) (status int, retry bool, err error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, rd)
	if err != nil {
		return 0, false, fmt.Errorf("client: build request: %w", err)
	}
	accept := "application/json"
	if r.raw != nil {
		accept = "text/plain"
	}
	c.setHeaders(req, accept)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, false, &noAnswerError{err}
	}
	defer closeBody(resp.Body)

	data, err := readLimited(resp.Body, c.maxBody)
	if err != nil {
		err = fmt.Errorf("client: %s %s: read response: %w", r.method, r.path, err)
		if !errors.Is(err, errTooLarge) {
			err = &noAnswerError{err}
		}
		return resp.StatusCode, false, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if slices.Contains(r.asis, resp.StatusCode) && json.Unmarshal(data, r.out) == nil {
			return resp.StatusCode, false, nil
		}
		apiErr := decodeError(resp.StatusCode, data)
		return resp.StatusCode, apiErr.Code == CodeNotLeader, apiErr
	}
	if r.raw != nil {
		*r.raw = data
		return resp.StatusCode, false, nil
	}
	if r.out == nil || resp.StatusCode == http.StatusNoContent {
		return resp.StatusCode, false, nil
	}
	if err := decodeBody(data, r.out); err != nil {
		return resp.StatusCode, false, fmt.Errorf("client: %s %s: decode response: %w", r.method, r.path, err)
	}
	return resp.StatusCode, false, nil
}

// setHeaders sets what every request of the client carries: what it
// accepts, its user agent and its key.
func (c *Client) setHeaders(req *http.Request, accept string) {
	req.Header.Set("Accept", accept)
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
}

// decodeBody keeps numbers inside free-form fields (an event's data, a
// game state) as json.Number: a 64-bit seed read as float64 would lose
// digits, and re-encoding it (arenactl --json) would print another seed.
func decodeBody(data []byte, out any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(out)
}

// delay is exponential with jitter so that many clients waiting out the
// same election do not all return to the new leader in lockstep.
func (c *Client) delay(attempt int) time.Duration {
	d := c.backoff << min(attempt, 16)
	if d <= 0 || d > maxBackoff {
		d = maxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// errTooLarge is wrapped into the returned error when a body exceeds the
// configured limit.
var errTooLarge = errors.New("response body exceeds size limit")

func readLimited(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w of %d bytes", errTooLarge, limit)
	}
	return data, nil
}

// closeBody drains a little of what is left so the connection can go back
// to the pool, without reading an arbitrarily large remainder.
func closeBody(rc io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(rc, 64<<10))
	_ = rc.Close()
}

// pathID escapes an identifier for use as one path segment, and refuses an
// empty one: "/v1/agents/" would silently address the collection instead.
func pathID(kind, id string) (string, error) {
	if id == "" {
		return "", fmt.Errorf("client: %s id is required", kind)
	}
	return url.PathEscape(id), nil
}
