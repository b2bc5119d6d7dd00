// Package llmtest runs a fake OpenAI-compatible chat-completions server
// for tests.
//
// It is a real HTTP server (httptest) speaking the real wire protocol:
// POST /v1/chat/completions with a Bearer key, a chat.completion body, or
// Server-Sent Events of chat.completion.chunk objects ending in
// "data: [DONE]", and OpenAI's error JSON with Retry-After. Tests script
// the model's side with a handler; everything between (HTTP, JSON, SSE)
// is the same code path a real server exercises. It does not import the
// llm package, so it checks the client rather than mirroring it.
package llmtest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// APIKey is the key the server accepts. Any other Authorization gets
// OpenAI's 401 invalid_api_key answer and never reaches the handler.
const APIKey = "sk-llmtest-5f1c0ffee0d15ea5e"

// Message is one chat message of a request.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Request is what the server received, decoded.
type Request struct {
	// Seq counts requests from 1, including unauthorised ones, so a
	// handler can script "fail the first, answer the second".
	Seq        int
	Authorized bool
	Header     http.Header
	Body       []byte
	Model      string
	Messages   []Message
	Stream     bool
	// IncludeUsage is stream_options.include_usage.
	IncludeUsage bool
	// ResponseFormat is response_format.type, e.g. "json_object".
	ResponseFormat string
	Temperature    *float64
	TopP           *float64
	MaxTokens      int
}

// System returns the first system message's content.
func (r Request) System() string { return r.first("system") }

// User returns the first user message's content.
func (r Request) User() string { return r.first("user") }

func (r Request) first(role string) string {
	for _, m := range r.Messages {
		if m.Role == role {
			return m.Content
		}
	}
	return ""
}

// Reply scripts one answer. The zero Reply is a 200 with empty content.
type Reply struct {
	// Content is the assistant's message. For a stream it is sent in
	// pieces of ChunkRunes runes unless Chunks is set.
	Content string
	// Chunks, if set, are the exact content deltas of a stream (and
	// their concatenation the content of a non-stream reply).
	Chunks []string
	// ChunkRunes is the piece size when splitting Content; 0 means 4,
	// roughly a token, as real servers send.
	ChunkRunes int
	// FinishReason defaults to "stop".
	FinishReason string
	// Model defaults to the requested model.
	Model string

	// Status, if not 0 or 200, answers with OpenAI's error JSON built
	// from ErrorType, ErrorCode and ErrorMessage (defaults per status).
	Status       int
	ErrorType    string
	ErrorCode    string
	ErrorMessage string
	// RetryAfter is sent as the Retry-After header, e.g. "1".
	RetryAfter string
	// Body, if set, is sent verbatim (with Status, default 200) instead
	// of any JSON or stream: for a proxy's HTML page or a broken body.
	Body        string
	ContentType string

	// Delay is waited before answering; ChunkDelay between stream
	// events. Both end early if the client goes away.
	Delay      time.Duration
	ChunkDelay time.Duration
	// CutStream ends a stream after the content, with no finish_reason
	// and no [DONE], as a dropped connection would.
	CutStream bool

	// Refusal is OpenAI's message.refusal (delta.refusal in a stream),
	// sent with null content when Content and Chunks are empty.
	Refusal string
	// ToolCalls, if set, are function calls' arguments sent as
	// message.tool_calls (streamed as tool-call deltas), with null
	// content when Content and Chunks are empty; the finish_reason
	// defaults to "tool_calls".
	ToolCalls []string
	// Events, if set, are the exact data payloads of a stream's events,
	// sent verbatim in place of the chunks built from the other fields
	// (then "data: [DONE]" unless CutStream): for bytes that a Go string
	// cannot carry through encoding/json, such as a lone surrogate
	// escape.
	Events []string
}

// Server is a running fake. Its handler is called from the server's
// goroutines, one call per request, possibly concurrently.
type Server struct {
	// URL is the server's root, e.g. "http://127.0.0.1:41234".
	URL string
	// Models is what GET /v1/models lists; set it before the first
	// request.
	Models  []string
	srv     *httptest.Server
	handler func(Request) Reply

	mu   sync.Mutex
	reqs []Request
}

// NewServer starts a fake whose answers come from handler. Close it when
// done (t.Cleanup(s.Close)). GET /v1/models lists the models in Models
// (default: none), as OpenAI's model list.
func NewServer(handler func(Request) Reply) *Server {
	s := &Server{handler: handler}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// BaseURL is the API root a client is configured with: URL + "/v1".
func (s *Server) BaseURL() string { return s.URL + "/v1" }

// Requests returns a copy of every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Close stops the server and waits for its handlers to return.
func (s *Server) Close() { s.srv.Close() }

// wireRequest is the request body as OpenAI defines it.
type wireRequest struct {
	Model         string    `json:"model"`
	Messages      []Message `json:"messages"`
	Stream        bool      `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	ResponseFormat *struct {
		Type string `json:"type"`
	} `json:"response_format"`
	Temperature *float64 `json:"temperature"`
	TopP        *float64 `json:"top_p"`
	MaxTokens   int      `json:"max_tokens"`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/v1/models" && r.Method == http.MethodGet {
		s.models(w, r)
		return
	}
	if r.URL.Path != "/v1/chat/completions" {
		writeError(w, http.StatusNotFound, "invalid_request_error", "unknown_url", "Unknown request URL: "+r.Method+" "+r.URL.Path)
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "invalid_request_error", "", "Only POST is supported")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 8<<20))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "invalid_request_error", "", "request too large")
		return
	}
	req := Request{Header: r.Header.Clone(), Body: body,
		Authorized: r.Header.Get("Authorization") == "Bearer "+APIKey}
	var wr wireRequest
	jsonErr := json.Unmarshal(body, &wr)
	if jsonErr == nil {
		req.Model, req.Messages, req.Stream = wr.Model, wr.Messages, wr.Stream
		req.IncludeUsage = wr.StreamOptions != nil && wr.StreamOptions.IncludeUsage
		if wr.ResponseFormat != nil {
			req.ResponseFormat = wr.ResponseFormat.Type
		}
		req.Temperature, req.TopP, req.MaxTokens = wr.Temperature, wr.TopP, wr.MaxTokens
	}
	s.mu.Lock()
	req.Seq = len(s.reqs) + 1
	s.reqs = append(s.reqs, req)
	s.mu.Unlock()

	switch {
	case !req.Authorized:
		// OpenAI's own wording; the key itself is not echoed here, but
		// real servers sometimes do, which the client must redact.
		writeError(w, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key", "Incorrect API key provided.")
		return
	case jsonErr != nil:
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "We could not parse the JSON body of your request.")
		return
	case wr.Model == "":
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "you must provide a model parameter")
		return
	case len(wr.Messages) == 0:
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "'messages' must contain at least one message")
		return
	}
	reply := s.handler(req)
	if !sleep(r, reply.Delay) {
		return
	}
	s.answer(w, r, req, reply)
}

// sleep waits d or until the client goes away, reporting whether the
// client is still there.
func sleep(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return r.Context().Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}
