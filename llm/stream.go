package llm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"

	"github.com/agentarena/arena/internal/strictjson"
)

// maxEventLine bounds one Server-Sent Events line. A chunk carries a few
// tokens, so a line this long means the stream is not what we think it is.
const maxEventLine = 1 << 20

// chunk is one chat.completion.chunk. Only choice 0 is read: the client
// never asks for n > 1.
type chunk struct {
	Model   string `json:"model"`
	Choices []struct {
		Index int `json:"index"`
		Delta struct {
			Content   *string           `json:"content"`
			Refusal   *string           `json:"refusal"`
			ToolCalls []json.RawMessage `json:"tool_calls"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *Usage          `json:"usage"`
	Error json.RawMessage `json:"error"`
}

// Stream sends msgs with stream: true and calls onDelta with each piece
// of content as it arrives, in order, from the calling goroutine. An error
// from onDelta stops the stream and is returned (wrapped). The returned
// Response holds the whole content, as Complete's would.
//
// The stream must end with "data: [DONE]"; one that stops earlier counts
// as complete only if a finish_reason arrived, and otherwise fails with an
// error wrapping io.ErrUnexpectedEOF (retryable: the connection dropped).
func (c *Client) Stream(ctx context.Context, msgs []Message, onDelta func(string) error, opts ...Option) (Response, error) {
	resp, err := c.post(ctx, c.request(msgs, true, opts))
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	var raw bytes.Buffer
	body := io.TeeReader(&limitReader{r: resp.Body, left: c.max}, &raw)
	// A server that ignores "stream" answers one JSON completion; accept
	// it as a stream of one delta rather than failing.
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "application/json" {
		data, err := io.ReadAll(body)
		if err != nil {
			return Response{}, c.readErr(ctx, "read completion", err)
		}
		out, err := c.decodeCompletion(resp.StatusCode, resp.Header.Get("Content-Type"), data)
		if err == nil && out.Content != "" && onDelta != nil {
			if err := onDelta(out.Content); err != nil {
				return Response{}, fmt.Errorf("llm: stream consumer: %w", err)
			}
		}
		return out, err
	}
	out, err := c.readStream(body, onDelta)
	out.Raw = raw.Bytes()
	if err != nil {
		var ce *consumerError
		if errors.As(err, &ce) {
			return out, fmt.Errorf("llm: stream consumer: %w", ce.err)
		}
		var ae *APIError
		if errors.As(err, &ae) || errors.Is(err, ErrResponseTooLarge) || errors.Is(err, ErrLoneSurrogate) {
			return out, err
		}
		return out, c.readErr(ctx, "read stream", err)
	}
	return out, nil
}

// consumerError marks an error returned by onDelta, so it is not mistaken
// for a transport failure.
type consumerError struct{ err error }

func (e *consumerError) Error() string { return e.err.Error() }

// readStream decodes chunks until [DONE] and assembles the response.
func (c *Client) readStream(r io.Reader, onDelta func(string) error) (Response, error) {
	var out Response
	var content, refusal strings.Builder
	finished := false
	err := readEvents(r, func(data []byte) (bool, error) {
		if string(bytes.TrimSpace(data)) == "[DONE]" {
			return true, nil
		}
		var ch chunk
		if err := json.Unmarshal(data, &ch); err != nil {
			return false, fmt.Errorf("decode stream chunk: %w", err)
		}
		if len(ch.Error) > 0 && string(ch.Error) != "null" {
			return false, parseAPIError(0, nil, data, c.cfg.APIKey, c.cfg.Now())
		}
		if esc := strictjson.LoneSurrogate(data); esc != "" {
			// Checked per chunk: a pair split across two chunks is two
			// lone halves on the wire, and no decoder can join them.
			return false, loneSurrogate(esc)
		}
		if ch.Model != "" {
			out.Model = ch.Model
		}
		if ch.Usage != nil {
			out.Usage = *ch.Usage
		}
		for _, choice := range ch.Choices {
			if choice.Index != 0 {
				continue
			}
			if p := choice.Delta.Content; p != nil && *p != "" {
				content.WriteString(*p)
				if onDelta != nil {
					if err := onDelta(*p); err != nil {
						return false, &consumerError{err}
					}
				}
			}
			if p := choice.Delta.Refusal; p != nil {
				refusal.WriteString(*p)
			}
			// A tool call streams as many deltas of one index; count
			// the first delta of each index (its id is set only there).
			for _, tc := range choice.Delta.ToolCalls {
				var head struct {
					ID string `json:"id"`
				}
				if json.Unmarshal(tc, &head) == nil && head.ID != "" {
					out.ToolCalls++
				}
			}
			if p := choice.FinishReason; p != nil && *p != "" {
				out.FinishReason = *p
				finished = true
			}
		}
		return false, nil
	})
	out.Content, out.Refusal = content.String(), refusal.String()
	if errors.Is(err, io.EOF) {
		if finished {
			return out, nil
		}
		return out, fmt.Errorf("stream ended before [DONE]: %w", io.ErrUnexpectedEOF)
	}
	return out, err
}

// readEvents parses Server-Sent Events and calls fn with each event's
// data (multi-line data joined by "\n", as the spec says). Comments
// (": keep-alive") and the event, id and retry fields are skipped. It
// returns nil when fn says done, io.EOF when the body ends first, or the
// first error. An event left open at the end of the body is still
// delivered, since some servers omit the final blank line.
func readEvents(r io.Reader, fn func(data []byte) (done bool, err error)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxEventLine)
	var data []byte
	have := false
	dispatch := func() (bool, error) {
		if !have {
			return false, nil
		}
		d := data
		data, have = data[:0], false
		return fn(d)
	}
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			if done, err := dispatch(); done || err != nil {
				return err
			}
			continue
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		if string(field) != "data" {
			continue // comment (empty field) or a field we do not use
		}
		value = bytes.TrimPrefix(value, []byte(" "))
		if have {
			data = append(data, '\n')
		}
		data = append(data, value...)
		have = true
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return ErrResponseTooLarge
		}
		return err
	}
	if done, err := dispatch(); done || err != nil {
		return err
	}
	return io.EOF
}
