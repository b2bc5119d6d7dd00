package openai

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/agentarena/arena/llm"
)

// Retries within a turn, as OpenAI's SDKs make them: two more tries after
// a failure that may pass, 0.5 s doubling to 8 s with jitter, a longer
// Retry-After from the server winning.
const (
	defaultRetries = 2
	defaultBackoff = 500 * time.Millisecond
	maxBackoff     = 8 * time.Second
	// minCallTime is what must be left of the turn after a wait for a
	// retry to be worth sending: a call with less would only be cut at
	// the deadline. A wait that would leave less is not made, and the
	// seat fails at once with the server's error.
	minCallTime = time.Second
)

// withRetries runs call, and again while it fails with an error that may
// pass (llm.IsRetryable), may be sent again (call's first result), and
// the wait before it (backoff, or the server's Retry-After if longer)
// leaves at least minCallTime before the turn's deadline (or ctx's, if
// sooner). It returns call's last error. Waits end early, with the last
// error, when ctx does.
func (a *Agent) withRetries(ctx context.Context, deadline time.Time, call func() (again bool, err error)) error {
	if dl, ok := ctx.Deadline(); ok && (deadline.IsZero() || dl.Before(deadline)) {
		deadline = dl
	}
	for retry := 1; ; retry++ {
		again, err := call()
		if err == nil || !again || retry > a.retries || !llm.IsRetryable(err) || ctx.Err() != nil {
			return err
		}
		wait := a.backoffFor(retry)
		var ae *llm.APIError
		if errors.As(err, &ae) && ae.RetryAfter > wait {
			wait = ae.RetryAfter
		}
		if left := time.Until(deadline); !deadline.IsZero() && left < wait+minCallTime {
			a.log.Info("model endpoint failed; no time left in the turn to retry", "wait", wait, "left", left.Round(time.Millisecond), "err", err)
			return err
		}
		a.log.Info("model endpoint failed; retrying within the turn", "retry", retry, "of", a.retries, "wait", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
	}
}

// backoffFor is the wait before retry n (from 1): Backoff doubled per
// retry, at most 8 s, jittered to between half and all of it.
func (a *Agent) backoffFor(n int) time.Duration {
	d := a.backoff
	for i := 1; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	d = min(d, maxBackoff)
	return d/2 + rand.N(d/2+1)
}
