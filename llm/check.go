package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"syscall"

	"github.com/agentarena/arena/internal/egress"
)

// ErrModelNotListed is matched by Check's error when the server answers
// but does not list the configured model.
var ErrModelNotListed = errors.New("llm: the server does not list the model")

// Check asks the server for its models (GET {BaseURL}/models, which
// OpenAI, vLLM, Ollama and llama.cpp all serve) and reports whether the
// configured model is among them. It is meant for start-up, where a typo
// in the base URL, the key or the model should be named before the first
// real call fails: the error is an *APIError or a transport error, which
// Hint explains, or wraps ErrModelNotListed and names what is listed.
// Ollama's "name:latest" counts as "name". A server that answers any
// model name with its one model (llama.cpp) may list another name: the
// caller should warn, not refuse.
func (c *Client) Check(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/models", nil)
	if err != nil {
		return fmt.Errorf("llm: build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "agent-arena-llm/1")
	if c.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("llm: list models: %w", egress.RedactURL(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if resp.StatusCode/100 != 2 {
		return parseAPIError(resp.StatusCode, resp.Header, data, c.cfg.APIKey, c.cfg.Now())
	}
	if err != nil {
		return fmt.Errorf("llm: list models: %w", err)
	}
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(data, &list); err != nil {
		return fmt.Errorf("llm: list models: %w (%s)", err, describeBody(resp.Header.Get("Content-Type"), data, c.cfg.APIKey))
	}
	var ids []string
	for _, m := range list.Data {
		if m.ID == c.cfg.Model || m.ID == c.cfg.Model+":latest" {
			return nil
		}
		ids = append(ids, sanitize(m.ID, c.cfg.APIKey))
	}
	if len(ids) == 0 {
		return fmt.Errorf("%w %q: it lists none", ErrModelNotListed, c.cfg.Model)
	}
	slices.Sort(ids)
	more := ""
	if len(ids) > 10 {
		more = fmt.Sprintf(" and %d more", len(ids)-10)
		ids = ids[:10]
	}
	return fmt.Errorf("%w %q: it lists %s%s", ErrModelNotListed, c.cfg.Model, strings.Join(ids, ", "), more)
}

// Hint says what to check when err came from this package, in terms of
// the client's settings (base URL, model, API key), or "" when the error
// names its cause well enough. It is for log lines an operator acts on.
func Hint(err error) string {
	var ae *APIError
	var dns *net.DNSError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrModelNotListed):
		return "check the model name against the server's list (servers that answer any name with their one model, such as llama.cpp's, can ignore this)"
	case errors.As(err, &ae):
		code := strings.ToLower(ae.Code + " " + ae.Type)
		msg := strings.ToLower(ae.Message)
		// OpenAI says unknown_url for a path it does not serve; servers
		// that name no code say "model" only for an unknown model.
		wrongURL := strings.Contains(code, "unknown_url") || strings.Contains(msg, "request url")
		switch {
		case ae.Status == http.StatusUnauthorized:
			return "the server refused the API key: set the right one (or none, for a server that needs none)"
		case ae.Status == http.StatusForbidden:
			return "the API key may not use this model or endpoint"
		case ae.Status == http.StatusNotFound && !wrongURL && (strings.Contains(code, "model") || strings.Contains(msg, "model")):
			return "the server does not serve this model: check the model name (GET <base URL>/models lists them)"
		case ae.Status == http.StatusNotFound || ae.Status == http.StatusMethodNotAllowed:
			return "no OpenAI API at this base URL: it must be the server's API root, usually ending in /v1"
		case strings.Contains(code, "insufficient_quota"):
			return "the account's quota or credit is spent: waiting will not help"
		case strings.Contains(code, "context_length"):
			return "the prompt is longer than the model's context window"
		}
	case errors.Is(err, syscall.ECONNREFUSED):
		return "nothing accepts connections at the base URL's host and port: is the server running there?"
	case errors.As(err, &dns):
		return "the base URL's host name does not resolve"
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return "the server speaks plain HTTP: use http:// in the base URL"
	case strings.Contains(err.Error(), "malformed HTTP response"):
		return "the server may speak HTTPS: use https:// in the base URL"
	}
	return ""
}
