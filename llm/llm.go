// Package llm speaks the OpenAI chat-completions API (OpenAI, vLLM, Ollama, llama.cpp).
//
// It covers one endpoint, POST {BaseURL}/chat/completions, with and without
// streaming, over plain net/http and encoding/json: that is all the judges
// and the model-endpoint agents need, and every server the arena targets
// implements it the same way. Failures come back as *APIError (the
// server's own error, with its Retry-After) or as transport errors;
// IsRetryable says which are worth another try. The API key is sent only in
// the Authorization header and never appears in an error.
package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/agentarena/arena/internal/egress"
	"github.com/agentarena/arena/internal/strictjson"
	"github.com/agentarena/arena/internal/textcut"
)

// DefaultMaxResponseBytes bounds a response body (or a whole stream) when
// Config.MaxResponseBytes is 0. A judge's verdict is a few KiB; anything
// near this size is a misbehaving server, not an answer.
const DefaultMaxResponseBytes = 4 << 20

// ErrResponseTooLarge is returned when a response passes the size limit.
var ErrResponseTooLarge = errors.New("llm: response too large")

// ErrLoneSurrogate is matched (errors.Is) by the error for a reply whose
// JSON holds a \u escape of half a UTF-16 surrogate pair without the
// other half. encoding/json would read it as U+FFFD in silence, so the
// text kept would not be the text the model wrote; the reply is refused
// and named instead, as the arena refuses such text from agents. It is
// the model's output, not a transport failure: IsRetryable says false,
// and a caller that retries unusable replies (the AI judge) may retry it.
var ErrLoneSurrogate = errors.New("llm: reply holds half of a UTF-16 surrogate pair")

// Roles of chat messages.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Message is one chat message.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Config says which server and model to call. Temperature and TopP are
// pointers so that 0 can be sent; nil leaves the server's default.
type Config struct {
	// BaseURL is the API root, e.g. "https://api.openai.com/v1",
	// "http://localhost:11434/v1" (Ollama), "http://localhost:8000/v1"
	// (vLLM, llama.cpp).
	BaseURL string
	Model   string
	// APIKey is sent as "Authorization: Bearer <key>"; empty sends no
	// header (local servers usually need none).
	APIKey string
	// HTTPClient defaults to a client with no overall timeout: callers
	// bound each call with their context.
	HTTPClient  *http.Client
	Temperature *float64
	// MaxTokens caps the completion (sent as max_tokens, which every
	// target server accepts); 0 leaves the server's default.
	MaxTokens int
	TopP      *float64
	// MaxResponseBytes bounds what is read from one response;
	// 0 means DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// Now reads the clock for HTTP-date Retry-After values; nil means
	// time.Now.
	Now func() time.Time
}

// Usage is the server's token accounting.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// Response is one completion.
type Response struct {
	Content string
	// Refusal is the model's refusal message (OpenAI's message.refusal),
	// sent instead of content; empty when it answered.
	Refusal string
	// ToolCalls counts the tool calls the reply held. The client offers
	// no tools, so a reply of tool calls and no content is a server that
	// forces them (e.g. a tool_choice set in its own configuration).
	ToolCalls int
	// Raw is the body as received: the completion JSON, or for a stream
	// the whole Server-Sent Events text.
	Raw          []byte
	FinishReason string
	// Model is the model the server says answered, which may be more
	// specific than the one asked for (e.g. a dated snapshot).
	Model string
	Usage Usage
}

// Option changes one request.
type Option func(*chatRequest)

// JSONObject asks for response_format {"type": "json_object"}: the server
// constrains the reply to one JSON object. OpenAI requires the word "JSON"
// to appear in the messages when this is set.
func JSONObject() Option {
	return func(r *chatRequest) { r.ResponseFormat = &responseFormat{Type: "json_object"} }
}

// Client calls one model on one server. It is safe for concurrent use.
type Client struct {
	cfg      Config
	base     string // BaseURL without a trailing slash
	endpoint string
	hc       *http.Client
	max      int64
}

// New checks the configuration and returns a client. Errors never echo
// the key, and name the base URL only with any password redacted.
func New(cfg Config) (*Client, error) {
	base := strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		if !strings.Contains(base, "://") && base != "" && !strings.Contains(base, "@") {
			// "localhost:11434/v1" parses with "localhost" as its scheme.
			return nil, errors.New("llm: base URL must be an absolute http or https URL, such as http://" + strings.TrimLeft(base, "/"))
		}
		return nil, errors.New("llm: base URL must be an absolute http or https URL, such as http://localhost:11434/v1")
	}
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, errors.New("llm: model is required")
	}
	if strings.ContainsFunc(cfg.APIKey, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return nil, errors.New("llm: API key contains control characters")
	}
	c := &Client{cfg: cfg, base: base, endpoint: base + "/chat/completions", hc: cfg.HTTPClient, max: cfg.MaxResponseBytes}
	if c.hc == nil {
		c.hc = &http.Client{}
	}
	if c.max <= 0 {
		c.max = DefaultMaxResponseBytes
	}
	if c.cfg.Now == nil {
		c.cfg.Now = time.Now
	}
	return c, nil
}

// Model returns the configured model name.
func (c *Client) Model() string { return c.cfg.Model }

// chatRequest is the request body. Fields the caller did not set are
// omitted so each server applies its own defaults.
type chatRequest struct {
	Model          string          `json:"model"`
	Messages       []Message       `json:"messages"`
	Temperature    *float64        `json:"temperature,omitempty"`
	TopP           *float64        `json:"top_p,omitempty"`
	MaxTokens      int             `json:"max_tokens,omitempty"`
	Stream         bool            `json:"stream,omitempty"`
	StreamOptions  *streamOptions  `json:"stream_options,omitempty"`
	ResponseFormat *responseFormat `json:"response_format,omitempty"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type responseFormat struct {
	Type string `json:"type"`
}

// completion is the non-streaming response body. Error is read too,
// because a few proxies answer 200 with an error object.
type completion struct {
	Model   string `json:"model"`
	Choices []struct {
		Message struct {
			Content   *string           `json:"content"`
			Refusal   *string           `json:"refusal"`
			ToolCalls []json.RawMessage `json:"tool_calls"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage *Usage          `json:"usage"`
	Error json.RawMessage `json:"error"`
}

// Complete sends msgs and waits for the whole reply.
func (c *Client) Complete(ctx context.Context, msgs []Message, opts ...Option) (Response, error) {
	resp, err := c.post(ctx, c.request(msgs, false, opts))
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(&limitReader{r: resp.Body, left: c.max})
	if err != nil {
		return Response{}, c.readErr(ctx, "read completion", err)
	}
	return c.decodeCompletion(resp.StatusCode, resp.Header.Get("Content-Type"), data)
}

// decodeCompletion turns a completion body into a Response. contentType
// only serves to explain a body that is not a completion.
func (c *Client) decodeCompletion(status int, contentType string, data []byte) (Response, error) {
	var cr completion
	if err := json.Unmarshal(data, &cr); err != nil {
		return Response{}, fmt.Errorf("llm: decode completion: %w (%s)", err, describeBody(contentType, data, c.cfg.APIKey))
	}
	if len(cr.Error) > 0 && string(cr.Error) != "null" {
		return Response{}, parseAPIError(status, nil, data, c.cfg.APIKey, c.cfg.Now())
	}
	if len(cr.Choices) == 0 {
		return Response{}, errors.New("llm: completion has no choices")
	}
	if esc := strictjson.LoneSurrogate(data); esc != "" {
		return Response{}, loneSurrogate(esc)
	}
	msg := cr.Choices[0].Message
	out := Response{Raw: data, FinishReason: cr.Choices[0].FinishReason, Model: cr.Model, ToolCalls: len(msg.ToolCalls)}
	if p := msg.Content; p != nil {
		out.Content = *p
	}
	if p := msg.Refusal; p != nil {
		out.Refusal = *p
	}
	if cr.Usage != nil {
		out.Usage = *cr.Usage
	}
	return out, nil
}

// request builds the body of one call.
func (c *Client) request(msgs []Message, stream bool, opts []Option) []byte {
	r := chatRequest{Model: c.cfg.Model, Messages: msgs, Temperature: c.cfg.Temperature,
		TopP: c.cfg.TopP, MaxTokens: c.cfg.MaxTokens, Stream: stream}
	if stream {
		// Without this OpenAI sends no usage on a stream; servers that do
		// not know the field ignore it.
		r.StreamOptions = &streamOptions{IncludeUsage: true}
	}
	for _, o := range opts {
		o(&r)
	}
	body, _ := json.Marshal(r) // only strings, numbers and pointers to them
	return body
}

// post sends one request. A non-2xx status becomes an *APIError; the
// caller owns the returned body.
func (c *Client) post(ctx context.Context, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("llm: build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("User-Agent", "agent-arena-llm/1")
	if c.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		// *url.Error names the method and URL, never the headers, so the
		// key cannot leak here; the URL's path and query (a model agent's
		// owner may keep a token there) are cut (egress.RedactURL).
		return nil, fmt.Errorf("llm: post chat completion: %w", egress.RedactURL(err))
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return nil, parseAPIError(resp.StatusCode, resp.Header, data, c.cfg.APIKey, c.cfg.Now())
	}
	return resp, nil
}

// loneSurrogate is the error for a reply holding esc, half a surrogate
// pair. It names the escape first: a model agent's forfeit reason keeps
// only the start of it.
func loneSurrogate(esc string) error { return &surrogateError{esc} }

type surrogateError struct{ esc string }

func (e *surrogateError) Error() string {
	return "llm: lone UTF-16 surrogate " + e.esc + " in the reply: half of a pair, which would be read as U+FFFD, so the reply is refused"
}

func (e *surrogateError) Is(target error) bool { return target == ErrLoneSurrogate }

// describeBody says what a body that is not a completion was, for an
// operator to recognise: an HTML page (a web UI or a proxy's login page
// at the base URL) or the start of whatever else it was.
func describeBody(contentType string, data []byte, key string) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	start := textcut.Ellipsis(sanitize(string(data), key), 80)
	if mt == "text/html" || strings.HasPrefix(strings.ToLower(strings.TrimSpace(start)), "<!doctype html") ||
		strings.HasPrefix(strings.ToLower(strings.TrimSpace(start)), "<html") {
		return "the server sent an HTML page, not a completion: is the base URL the server's API root, usually ending in /v1?"
	}
	if mt == "" {
		mt = "no Content-Type"
	}
	return fmt.Sprintf("%d bytes of %s, starting %q", len(data), mt, start)
}

// readErr reports a failed body read, preferring the context's error: a
// cancelled request surfaces as a vague transport error otherwise.
func (c *Client) readErr(ctx context.Context, what string, err error) error {
	if errors.Is(err, ErrResponseTooLarge) {
		return fmt.Errorf("%w (%s: over %d bytes)", ErrResponseTooLarge, what, c.max)
	}
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		return fmt.Errorf("llm: %s: %w (%v)", what, ctx.Err(), err)
	}
	return fmt.Errorf("llm: %s: %w", what, err)
}

// limitReader reads at most left bytes and fails with ErrResponseTooLarge
// past them, where io.LimitReader would silently truncate.
type limitReader struct {
	r    io.Reader
	left int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// Probe one byte: a body of exactly the limit is fine.
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			return 0, ErrResponseTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}
