package runner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/llm"
)

// Defaults of the judging bounds (Config).
const (
	// DefaultJudgeTimeout is how long one judging try may take.
	DefaultJudgeTimeout = 60 * time.Second
	// DefaultJudgeGiveUpAfter is how long a contest may wait in judging:
	// longer than the longest Retry-After an AI judge honours (10 min)
	// plus a try, so one rate limit gives up no contest, and short enough
	// that stakes do not sit in escrow for an evening.
	DefaultJudgeGiveUpAfter = 15 * time.Minute
	// DefaultJudgeGiveUpPermanentAfter is the bound after an error that
	// waiting does not fix: a few tries (1, 2, 4, 8, 16, 32 s apart) in
	// case the classification was wrong, or the operator fixes the
	// setting and restarts the leader at once.
	DefaultJudgeGiveUpPermanentAfter = 2 * time.Minute
)

// ReasonJudgeGaveUp starts the reason of a contest aborted because its
// judging failed past the give-up bound; the rest names the bound and
// the last error (e.g. "judging given up after 15m: HTTP 401
// invalid_api_key").
const ReasonJudgeGaveUp = "judging given up after "

// The fallback is an abort through the operator's own command
// (contest.abort): every stake refunded, no rating, battle or preference
// pair recorded, kept tickets queued again, and the contest's reason
// saying why. Judging it with the rubric judge instead was rejected: the
// arena chose its judges, the rubric is the judge that answers can be
// tuned against, its verdict would move ratings and pay the pot as if
// the arena's judge had ruled, and a judged contest's reason ("judged")
// could not say that it had not.

// Failures of a judging before any judge is called.
var (
	errNoJudge      = errors.New("no judge available")
	errNotJudgeable = errors.New("the game has no prompt and answers to judge")
)

// permanentJudgeError reports whether err is the model server's refusal
// that waiting will not fix: an *llm.APIError that llm.IsRetryable
// rejects (400 such as a prompt past the context window, 401, 403, 404,
// a 429 insufficient_quota). Timeouts, dropped connections, 5xx, rate
// limits and unusable replies may pass, and wait the longer bound.
func permanentJudgeError(err error) bool {
	var ae *llm.APIError
	return errors.As(err, &ae) && !llm.IsRetryable(ae)
}

// judgeFailed handles a failed judging try of contest c: it backs off
// (1 s doubling to 1 min per contest, so a judge that keeps failing is
// not called ten times a second) or, once the contest has waited past
// its bound, gives it up. Called from the judging goroutine.
func (r *Runner) judgeFailed(ctx context.Context, c *arena.Contest, judge string, err error, permanent bool) {
	now := r.cfg.Now()
	r.mu.Lock()
	w := r.judgeRetry[c.ID]
	r.mu.Unlock()
	if w.since.IsZero() {
		w.since = r.judgingSince(c, now)
	}
	w.delay = min(max(2*w.delay, time.Second), time.Minute)
	w.next = now.Add(w.delay)
	r.mu.Lock()
	if r.judgeRetry != nil {
		r.judgeRetry[c.ID] = w
	}
	r.mu.Unlock()

	waited := now.Sub(w.since)
	bound, ok := r.giveUpBound(permanent)
	if !ok || waited < bound {
		args := []any{"contest", c.ID, "judge", judge, "retry_in", w.delay, "judging_for", waited.Round(time.Second), "permanent", permanent}
		if ok {
			args = append(args, "gives_up_in", (bound - waited).Round(time.Second))
		}
		r.log.Warn("judging failed; will retry", append(args, "err", err)...)
		return
	}
	reason := ReasonJudgeGaveUp + shortDuration(bound) + ": " + briefJudgeError(err, r.cfg.JudgeTimeout)
	octx, cancel := r.opCtx(ctx)
	defer cancel()
	if aerr := r.node.AbortContest(octx, c.ID, reason); aerr != nil {
		if !apperr.Is(aerr, apperr.Conflict) { // a conflict: it ended meanwhile
			r.log.Warn("give up a judging: abort failed; will try again", "contest", c.ID, "err", aerr)
		}
		return
	}
	kind := "transient"
	if permanent {
		kind = "permanent"
	}
	r.metrics.judgeGaveUp.WithLabelValues(kind).Inc()
	r.log.Error("judging given up: contest aborted, stakes refunded", "contest", c.ID, "arena", c.Arena, "judge", judge,
		"judging_for", waited.Round(time.Second), "bound", bound, "permanent", permanent, "reason", reason, "err", err)
}

// giveUpBound is how long a contest may judge before a failed try with
// an error of this kind gives it up; false: never.
func (r *Runner) giveUpBound(permanent bool) (time.Duration, bool) {
	switch {
	case r.cfg.JudgeGiveUpAfter < 0:
		return 0, false
	case permanent:
		return r.cfg.JudgeGiveUpPermanentAfter, true
	}
	return r.cfg.JudgeGiveUpAfter, true
}

// judgingSince is when contest c entered judging: the time of its
// judging event, which the leader that applied it stamped, so the bound
// runs across leader changes. While a contest judges its last event is
// that one; should it not be, the wait counts from now.
func (r *Runner) judgingSince(c *arena.Contest, now time.Time) time.Time {
	if c.Seq > 0 {
		evs, err := r.node.ContestEvents(c.ID, c.Seq-1, 1)
		if err == nil && len(evs) == 1 && evs[0].Type == arena.EvJudging && !evs[0].At.IsZero() {
			return evs[0].At
		}
	}
	return now
}

// briefJudgeError says what a judging error was in the few bytes a
// contest's reason keeps (64 in all): the server's status and code, or
// the timeout.
func briefJudgeError(err error, timeout time.Duration) string {
	var ae *llm.APIError
	switch {
	case errors.As(err, &ae):
		s := "HTTP " + strconv.Itoa(ae.Status)
		if ae.Status == 0 {
			s = "error in the stream"
		}
		if c := cmp.Or(ae.Code, ae.Type); c != "" {
			s += " " + c
		}
		return s
	case errors.Is(err, context.DeadlineExceeded):
		return "no verdict within " + shortDuration(timeout)
	case errors.Is(err, errNoJudge):
		return "no judge available"
	case errors.Is(err, errNotJudgeable):
		return "the game has no answers to judge"
	}
	return "no usable verdict"
}

// judgeFailureKind sorts a failed judge call for arena_judge_failures_total,
// so that an operator can alert on a refused key apart from a busy server:
// arena_judge_errors_total counts them all alike.
func judgeFailureKind(err error) string {
	var ae *llm.APIError
	switch {
	case errors.As(err, &ae):
		switch {
		case ae.Status == 0:
			return "stream"
		case ae.Status == 401 || ae.Status == 403:
			return "auth"
		case ae.Status == 429 && strings.Contains(ae.Code+" "+ae.Type, "insufficient_quota"):
			return "quota"
		case ae.Status == 429:
			return "rate_limited"
		case ae.Status == 404:
			return "not_found"
		case ae.Status >= 500:
			return "server"
		case ae.Status >= 400:
			return "bad_request"
		}
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, errNoJudge):
		return "no_judge"
	}
	return "unusable"
}

// shortDuration writes whole minutes as "15m" and other durations as
// time.Duration does.
func shortDuration(d time.Duration) string {
	if d >= time.Minute && d%time.Minute == 0 {
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}
