package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// The shapes below follow OpenAI's API reference field for field,
// including the nulls it sends (logprobs, refusal, finish_reason mid
// stream), so a client that is strict about them is tested against them.

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

type completionMessage struct {
	Role      string     `json:"role"`
	Content   *string    `json:"content"`
	Refusal   *string    `json:"refusal"`
	ToolCalls []toolCall `json:"tool_calls,omitempty"`
}

type toolCall struct {
	Index    *int   `json:"index,omitempty"` // streams only
	ID       string `json:"id,omitempty"`
	Type     string `json:"type,omitempty"`
	Function struct {
		Name      string `json:"name,omitempty"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

type completionChoice struct {
	Index        int               `json:"index"`
	Message      completionMessage `json:"message"`
	Logprobs     *struct{}         `json:"logprobs"`
	FinishReason string            `json:"finish_reason"`
}

type completionBody struct {
	ID                string             `json:"id"`
	Object            string             `json:"object"`
	Created           int64              `json:"created"`
	Model             string             `json:"model"`
	Choices           []completionChoice `json:"choices"`
	Usage             usage              `json:"usage"`
	SystemFingerprint string             `json:"system_fingerprint"`
}

type chunkDelta struct {
	Role      string     `json:"role,omitempty"`
	Content   *string    `json:"content,omitempty"`
	Refusal   *string    `json:"refusal,omitempty"`
	ToolCalls []toolCall `json:"tool_calls,omitempty"`
}

type chunkChoice struct {
	Index        int        `json:"index"`
	Delta        chunkDelta `json:"delta"`
	Logprobs     *struct{}  `json:"logprobs"`
	FinishReason *string    `json:"finish_reason"`
}

type chunkBody struct {
	ID                string        `json:"id"`
	Object            string        `json:"object"`
	Created           int64         `json:"created"`
	Model             string        `json:"model"`
	SystemFingerprint string        `json:"system_fingerprint"`
	Choices           []chunkChoice `json:"choices"`
	// Usage is null on every chunk but the last when the client asked
	// for it, and absent otherwise.
	Usage *usage `json:"usage,omitempty"`
}

// answer writes reply for req: an error, a verbatim body, a completion or
// a stream.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, req Request, reply Reply) {
	if reply.RetryAfter != "" {
		w.Header().Set("Retry-After", reply.RetryAfter)
	}
	status := reply.Status
	if status == 0 {
		status = http.StatusOK
	}
	if reply.Body != "" {
		ct := reply.ContentType
		if ct == "" {
			ct = "application/json"
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(reply.Body))
		return
	}
	if status != http.StatusOK {
		typ, code, msg := defaultError(status)
		writeError(w, status, or(reply.ErrorType, typ), or(reply.ErrorCode, code), or(reply.ErrorMessage, msg))
		return
	}
	model := or(reply.Model, req.Model)
	content := reply.Content
	if reply.Chunks != nil && content == "" {
		content = strings.Join(reply.Chunks, "")
	}
	id := fmt.Sprintf("chatcmpl-llmtest-%d", req.Seq)
	created := time.Now().Unix()
	u := usage{PromptTokens: tokens(req.Messages), CompletionTokens: len(content)/4 + 1}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	finish := "stop"
	if len(reply.ToolCalls) > 0 {
		finish = "tool_calls"
	}
	reply.FinishReason = or(reply.FinishReason, finish)
	if !req.Stream {
		msg := completionMessage{Role: "assistant", Content: &content}
		if content == "" && (reply.Refusal != "" || len(reply.ToolCalls) > 0) {
			msg.Content = nil // null, as OpenAI sends beside a refusal or tool calls
		}
		if reply.Refusal != "" {
			msg.Refusal = &reply.Refusal
		}
		for k, args := range reply.ToolCalls {
			msg.ToolCalls = append(msg.ToolCalls, newToolCall(k, args, false))
		}
		choices := []completionChoice{{Message: msg, FinishReason: reply.FinishReason}}
		writeJSON(w, http.StatusOK, completionBody{ID: id, Object: "chat.completion", Created: created, Model: model,
			Choices: choices, Usage: u, SystemFingerprint: "fp_llmtest"})
		return
	}
	s.stream(w, r, req, reply, chunkBody{ID: id, Object: "chat.completion.chunk", Created: created, Model: model,
		SystemFingerprint: "fp_llmtest"}, u)
}

// stream sends the reply as OpenAI does: a first chunk with the role and
// empty content, one chunk per content piece, a chunk with an empty delta
// and the finish_reason, a usage chunk with no choices if asked for, then
// [DONE].
func (s *Server) stream(w http.ResponseWriter, r *http.Request, req Request, reply Reply, base chunkBody, u usage) {
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Connection", "keep-alive")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	send := func(c chunkBody) bool {
		if req.IncludeUsage && c.Usage == nil {
			// "usage": null on every chunk but the last, as OpenAI sends.
			raw, _ := json.Marshal(c)
			raw = append(raw[:len(raw)-1], []byte(`,"usage":null}`)...)
			_, _ = fmt.Fprintf(w, "data: %s\n\n", raw)
		} else {
			raw, _ := json.Marshal(c)
			_, _ = fmt.Fprintf(w, "data: %s\n\n", raw)
		}
		if flusher != nil {
			flusher.Flush()
		}
		return sleep(r, reply.ChunkDelay)
	}
	if reply.Events != nil {
		for _, e := range reply.Events {
			_, _ = fmt.Fprintf(w, "data: %s\n\n", e)
			if flusher != nil {
				flusher.Flush()
			}
			if !sleep(r, reply.ChunkDelay) {
				return
			}
		}
		if !reply.CutStream {
			_, _ = fmt.Fprint(w, "data: [DONE]\n\n")
		}
		return
	}
	empty := ""
	first := base
	first.Choices = []chunkChoice{{Delta: chunkDelta{Role: "assistant", Content: &empty}}}
	if !send(first) {
		return
	}
	if reply.Refusal != "" {
		c := base
		c.Choices = []chunkChoice{{Delta: chunkDelta{Refusal: &reply.Refusal}}}
		if !send(c) {
			return
		}
	}
	for k, args := range reply.ToolCalls {
		// The call's head (index, id, name), then its arguments in
		// pieces, as OpenAI streams them.
		head := base
		head.Choices = []chunkChoice{{Delta: chunkDelta{ToolCalls: []toolCall{newToolCall(k, "", true)}}}}
		if !send(head) {
			return
		}
		for _, p := range Split(args, 16) {
			c := base
			tc := toolCall{Index: &k}
			tc.Function.Arguments = p
			c.Choices = []chunkChoice{{Delta: chunkDelta{ToolCalls: []toolCall{tc}}}}
			if !send(c) {
				return
			}
		}
	}
	pieces := reply.Chunks
	if pieces == nil {
		pieces = Split(reply.Content, reply.ChunkRunes)
	}
	for _, p := range pieces {
		c := base
		c.Choices = []chunkChoice{{Delta: chunkDelta{Content: &p}}}
		if !send(c) {
			return
		}
	}
	if reply.CutStream {
		return
	}
	fin := reply.FinishReason
	last := base
	last.Choices = []chunkChoice{{Delta: chunkDelta{}, FinishReason: &fin}}
	if !send(last) {
		return
	}
	if req.IncludeUsage {
		uc := base
		uc.Choices = []chunkChoice{}
		uc.Usage = &u
		if !send(uc) {
			return
		}
	}
	_, _ = fmt.Fprint(w, "data: [DONE]\n\n")
	if flusher != nil {
		flusher.Flush()
	}
}

// newToolCall is the k-th call of a function "rank" with args; a
// stream's head carries an index and no arguments yet.
func newToolCall(k int, args string, streamed bool) toolCall {
	tc := toolCall{ID: fmt.Sprintf("call_llmtest_%d", k), Type: "function"}
	if streamed {
		tc.Index = &k
	}
	tc.Function.Name = "rank"
	tc.Function.Arguments = args
	return tc
}

// models answers GET /v1/models as OpenAI does; it needs the key too.
func (s *Server) models(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+APIKey {
		writeError(w, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key", "Incorrect API key provided.")
		return
	}
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	list := struct {
		Object string  `json:"object"`
		Data   []model `json:"data"`
	}{Object: "list", Data: []model{}}
	for _, m := range s.Models {
		list.Data = append(list.Data, model{ID: m, Object: "model", Created: 1700000000, OwnedBy: "llmtest"})
	}
	writeJSON(w, http.StatusOK, list)
}

// Split cuts s into pieces of n runes (n <= 0 means 4).
func Split(s string, n int) []string {
	if n <= 0 {
		n = 4
	}
	var out []string
	rs := []rune(s)
	for len(rs) > 0 {
		k := min(n, len(rs))
		out = append(out, string(rs[:k]))
		rs = rs[k:]
	}
	return out
}

// writeError writes OpenAI's error object.
func writeError(w http.ResponseWriter, status int, typ, code, msg string) {
	var c any
	if code != "" {
		c = code
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"message": msg, "type": typ, "param": nil, "code": c}})
}

// defaultError is what OpenAI sends for a status when the test did not
// say.
func defaultError(status int) (typ, code, msg string) {
	switch {
	case status == http.StatusTooManyRequests:
		return "requests", "rate_limit_exceeded", "Rate limit reached for requests. Please try again later."
	case status >= 500:
		return "server_error", "", "The server had an error while processing your request. Sorry about that!"
	case status == http.StatusUnauthorized:
		return "invalid_request_error", "invalid_api_key", "Incorrect API key provided."
	}
	return "invalid_request_error", "", http.StatusText(status)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// tokens estimates prompt tokens at four bytes each, as a stand-in for a
// tokenizer: tests only need plausible, deterministic numbers.
func tokens(msgs []Message) int {
	n := 0
	for _, m := range msgs {
		n += len(m.Content)/4 + 4
	}
	return n
}

func or(s, def string) string {
	if s != "" {
		return s
	}
	return def
}
