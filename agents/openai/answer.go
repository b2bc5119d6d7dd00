package openai

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/agentarena/arena/agents/protocol"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/internal/egress"
	"github.com/agentarena/arena/internal/textcut"
	"github.com/agentarena/arena/llm"
)

// Streamed answers are relayed as chunks of about this size, or after this
// long, whichever comes first: each chunk becomes a log entry, so a token
// per entry would flood the log.
const (
	chunkBytes = 256
	chunkWait  = 250 * time.Millisecond
)

// Answer streams the model's answer to an answer game's turn (prompt,
// verifiable: the view's prompt) and hands it to send in chunks, never
// past the answer's byte budget (the game's limit minus what the seat has
// already answered). The last call has final set, and it comes even after
// the endpoint failed mid-answer: a partial answer is the agent's answer.
// An error from send stops the stream. When the endpoint fails before the
// model wrote anything, or the view carries no prompt, Answer sends
// nothing and returns the error: there is no answer to enter, and an
// empty one would be judged like a real one (under keep, stake after
// stake), so the caller forfeits the seat instead.
func (a *Agent) Answer(ctx context.Context, turn protocol.Turn, send func(text string, final bool) error) error {
	var view struct {
		Prompt         string `json:"prompt"`
		MaxAnswerBytes int    `json:"max_answer_bytes"`
		Answer         string `json:"answer"`
	}
	if err := json.Unmarshal(turn.View, &view); err != nil || view.Prompt == "" {
		return fmt.Errorf("the turn's view has no prompt for a model to answer")
	}
	budget := view.MaxAnswerBytes - len(view.Answer)
	var pending strings.Builder
	last := time.Now()
	flush := func(final bool) error {
		text := pending.String()
		if text == "" && !final {
			return nil
		}
		pending.Reset()
		last = time.Now()
		return send(text, final)
	}
	msgs := []llm.Message{{Role: llm.RoleSystem, Content: a.system}, {Role: llm.RoleUser, Content: view.Prompt}}
	wrote := false
	// Only a call that failed before the model wrote anything is sent
	// again: what it wrote is the seat's answer already.
	err := a.withRetries(ctx, turn.Deadline, func() (bool, error) {
		_, err := a.client.Stream(ctx, msgs, func(delta string) error {
			wrote = wrote || delta != ""
			if budget <= 0 {
				return nil // keep reading, send nothing more: the answer is full
			}
			delta = textcut.Cut(delta, budget)
			budget -= len(delta)
			pending.WriteString(delta)
			if pending.Len() >= chunkBytes || time.Since(last) >= chunkWait {
				return flush(false)
			}
			return nil
		})
		return !wrote, err
	})
	// An invalid send (the contest ended, the seat is done) is expected
	// and not worth a warning.
	if err != nil && !apperr.Is(err, apperr.Invalid) {
		err = egress.Explain(err, baseURLField, a.base)
		if !wrote {
			a.log.Warn("model endpoint failed before the model wrote anything", "err", err)
			return endpointFailed(err)
		}
		a.log.Warn("model endpoint failed mid-answer", "err", err)
	}
	if err := flush(true); err != nil && !apperr.Is(err, apperr.Invalid) {
		a.log.Warn("relay final", "err", err)
	}
	return nil
}

// endpointError is a failed call as its agent's owner reads it: the caller
// forfeits the seat with "model endpoint failed: " and its Error, and the
// contest's history keeps 64 bytes of a forfeit reason, so it says the
// cause first and briefly (the status, the server's error code and the
// start of its message, or what the connection did) rather than which
// layers it passed through. The whole error stays in the chain and in the
// log.
type endpointError struct {
	brief string
	err   error
}

func (e *endpointError) Error() string { return e.brief }
func (e *endpointError) Unwrap() error { return e.err }

func endpointFailed(err error) error {
	var (
		api     *llm.APIError
		dns     *net.DNSError
		refused *egress.RefusedError
	)
	brief := strings.TrimPrefix(err.Error(), "llm: ")
	switch {
	case errors.As(err, &refused):
		// Not called at all: the address is one the arena's policy
		// keeps agents away from (the whole reason is in the log).
		brief = refused.Brief()
	case errors.As(err, &api):
		brief = "HTTP " + strconv.Itoa(api.Status)
		if api.Status == 0 {
			brief = "error in the stream"
		}
		if c := cmp.Or(api.Code, api.Type); c != "" {
			brief += " " + c
		}
		if api.Message != "" {
			brief += ": " + api.Message
		}
	case errors.Is(err, context.DeadlineExceeded):
		brief = "no reply before the turn's deadline"
	case errors.Is(err, syscall.ECONNREFUSED):
		brief = "connection refused"
	case errors.As(err, &dns):
		brief = "cannot resolve " + dns.Name
	}
	// Cut here, on a rune boundary, rather than by the history's byte cut,
	// which could split a character of the server's message.
	return &endpointError{brief: textcut.Cut(brief, maxBrief), err: err}
}

// maxBrief is what a forfeit reason keeps (64 bytes) after the runner's
// "model endpoint failed: ".
const maxBrief = 64 - len("model endpoint failed: ")
