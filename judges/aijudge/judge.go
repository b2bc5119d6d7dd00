// Package aijudge is the judge that asks a language model, over the
// OpenAI chat API through package llm, to rank contest entries. It is the
// adapter half of judging: package judges holds the pure rules (rubric,
// panels, pairwise comparison, flags) and imports no network client.
package aijudge

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/agentarena/arena/judges"
	"github.com/agentarena/arena/llm"
)

// Config configures a Judge. Zero values take the defaults named.
type Config struct {
	// Client is the chat-completions client; required.
	Client *llm.Client
	// Stream asks for a streamed reply; some servers cut long
	// non-streaming requests at a proxy timeout.
	Stream bool
	// MaxAttempts bounds requests per Rank call, counting retries after
	// retryable errors and after unusable replies; default 3.
	MaxAttempts int
	// Backoff is the first wait after a retryable error, doubled per
	// attempt (with jitter) up to MaxBackoff; defaults 500ms and 8s. A
	// server's Retry-After wins when it is longer. Unusable replies are
	// retried at once: the server is fine, the answer was not.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// MaxEntryBytes truncates each entry in the prompt; default 16 KiB.
	MaxEntryBytes int
	// Rand supplies the shuffle seeds and fence codes; default
	// crypto/rand.Reader. Tests may pin it; production must not, or
	// entries could forge the fence.
	Rand   io.Reader
	Logger *slog.Logger
}

// Judge ranks entries by asking a model over the OpenAI chat API.
//
// Each call anonymises the entries (labels E1…En in a random order drawn
// from Rand, recorded in the verdict as Order and Seed), fences each one
// between markers carrying a fresh random code that is removed from the
// entries' text, tells the model the entries are data and not
// instructions, and asks for a JSON verdict in json_object mode. The
// reply is parsed strictly (see ErrInvalidVerdict): an unusable reply is
// retried, never guessed at. Entries that address the judge are flagged
// (judges.FlagJudgeAddressing) by the same detector as the rubric's; the penalty
// is the caller's to apply, per the arena's rule.
type Judge struct {
	cfg    Config
	name   string
	log    *slog.Logger
	randMu sync.Mutex // cfg.Rand need not be safe for concurrent use

	// notBefore is when the server said it will take requests again
	// (its latest Retry-After). Every call of this judge, for any
	// contest, waits for it: the runner retries a failed judging on its
	// own schedule, and one server's rate limit covers them all.
	gateMu    sync.Mutex
	notBefore time.Time
}

// maxRetryAfter bounds how long one Retry-After holds every call: a
// server that asks for hours (a spent daily quota) is asked again after
// this, and a garbled header cannot stop judging for days.
const maxRetryAfter = 10 * time.Minute

var (
	_ judges.Judge        = (*Judge)(nil)
	_ judges.OrderedJudge = (*Judge)(nil)
)

// maxRawReply caps each reply kept in a verdict, which is stored in the
// replicated state.
const maxRawReply = 8 << 10

// New returns an AI judge over cfg.Client.
func New(cfg Config) (*Judge, error) {
	if cfg.Client == nil {
		return nil, errors.New("ai judge: client is required")
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 3
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 500 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 8 * time.Second
	}
	if cfg.MaxEntryBytes <= 0 {
		cfg.MaxEntryBytes = 16 << 10
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	j := &Judge{cfg: cfg, name: "ai:" + cfg.Client.Model(), log: cfg.Logger}
	if j.log == nil {
		j.log = slog.New(slog.DiscardHandler)
	}
	j.log = j.log.With("component", "judges", "judge", j.name)
	return j, nil
}

// Name is "ai:<model>".
func (j *Judge) Name() string { return j.name }

// Rank shows the entries in a fresh random order and returns the model's
// verdict, indexed like entries.
func (j *Judge) Rank(ctx context.Context, task judges.Task, entries []judges.Entry) (judges.Verdict, error) {
	var b [8]byte
	if err := j.random(b[:]); err != nil {
		return judges.Verdict{}, err
	}
	seed := binary.BigEndian.Uint64(b[:])
	return j.judge(ctx, task, entries, judges.Shuffle(len(entries), seed), hex.EncodeToString(b[:]))
}

// RankInOrder shows the entries in the order given (still anonymised and
// fenced).
func (j *Judge) RankInOrder(ctx context.Context, task judges.Task, entries []judges.Entry) (judges.Verdict, error) {
	order := make([]int, len(entries))
	for i := range order {
		order[i] = i
	}
	return j.judge(ctx, task, entries, order, "")
}

// judge asks until a usable verdict arrives, the attempts run out, the
// error is not worth retrying, or the next wait would pass ctx's deadline.
func (j *Judge) judge(ctx context.Context, task judges.Task, entries []judges.Entry, order []int, seed string) (judges.Verdict, error) {
	if len(entries) == 0 {
		return judges.Verdict{}, fmt.Errorf("ai judge %s: no entries", j.name)
	}
	var code [12]byte
	if err := j.random(code[:]); err != nil {
		return judges.Verdict{}, err
	}
	msgs := buildMessages(task, entries, order, hex.EncodeToString(code[:]), j.cfg.MaxEntryBytes)
	v := judges.Verdict{Judge: j.name, PromptHash: judges.PromptHash(task.Prompt), Order: order, Seed: seed}
	var budget time.Duration // what the caller's deadline allows, to name it when it passes
	if dl, ok := ctx.Deadline(); ok {
		budget = time.Until(dl)
	}
	for attempt := 1; ; attempt++ {
		if err := j.waitRetryAfter(ctx); err != nil {
			return judges.Verdict{}, fmt.Errorf("ai judge %s: %w", j.name, err)
		}
		resp, err := j.ask(ctx, msgs)
		if err == nil {
			v.Raw = append(v.Raw, capRaw(resp.Content))
			if resp.Model != "" {
				v.Model = resp.Model
			}
			var p parsedVerdict
			if p, err = parseAIVerdict(resp.Content, len(entries)); err == nil {
				return j.finish(v, task, entries, p), nil
			}
			err = unusable(resp, err)
			// Show the model its own reply and what was wrong with it:
			// a corrected answer is likelier than a fresh one.
			msgs = append(msgs[:2:2], llm.Message{Role: llm.RoleAssistant, Content: capRaw(resp.Content)},
				llm.Message{Role: llm.RoleUser, Content: retryPrompt(err, len(entries))})
		}
		j.log.Debug("judge attempt failed", "attempt", attempt, "err", err)
		j.noteRetryAfter(err)
		// A reply holding half a surrogate pair is an unusable reply,
		// like a malformed verdict: the server is fine, the sample not.
		retryable := llm.IsRetryable(err) || errors.Is(err, ErrInvalidVerdict) || errors.Is(err, llm.ErrLoneSurrogate)
		if attempt >= j.cfg.MaxAttempts || !retryable || ctx.Err() != nil {
			return judges.Verdict{}, fmt.Errorf("ai judge %s: no usable verdict after %d of %d attempts: %w%s",
				j.name, attempt, j.cfg.MaxAttempts, err, hint(ctx, err, budget))
		}
		if werr := j.wait(ctx, attempt, err); werr != nil {
			return judges.Verdict{}, fmt.Errorf("ai judge %s: gave up after %d attempts: %w (last error: %w)%s",
				j.name, attempt, werr, err, hint(ctx, err, budget))
		}
	}
}

// unusable says why a reply that parsed as a completion but not as a
// verdict could not be one, where the reply itself shows it: it was cut
// at the server's token limit, or the model refused, or it sent tool
// calls instead of text. err (an ErrInvalidVerdict) stays in the chain.
func unusable(resp llm.Response, err error) error {
	switch {
	case resp.FinishReason == "length":
		return fmt.Errorf("%w (%w: finish_reason \"length\"; raise the server's token limit for completions)", err, errCutOff)
	case strings.TrimSpace(resp.Content) == "" && resp.Refusal != "":
		return fmt.Errorf("%w (the model refused: %q)", err, cut(resp.Refusal))
	case strings.TrimSpace(resp.Content) == "" && resp.ToolCalls > 0:
		return fmt.Errorf("%w (the reply holds %d tool call(s) and no text; the judge offers no tools, so the server must be forcing them)", err, resp.ToolCalls)
	}
	return err
}

// errCutOff marks a reply cut at the server's token limit, so the retry
// asks for a shorter one.
var errCutOff = errors.New("the reply was cut at the server's token limit")

// hint says what an operator should check after a failed call, or "":
// the deadline that passed, or llm.Hint's advice on the server's answer.
func hint(ctx context.Context, err error, budget time.Duration) string {
	if errors.Is(err, context.DeadlineExceeded) && errors.Is(ctx.Err(), context.DeadlineExceeded) && budget > 0 {
		return fmt.Sprintf("; the server gave no verdict within the %s a judging may take", budget.Round(time.Second))
	}
	if h := llm.Hint(err); h != "" {
		return "; " + h
	}
	return ""
}

// noteRetryAfter holds every call of this judge until the server's
// Retry-After, if err carries one.
func (j *Judge) noteRetryAfter(err error) {
	var ae *llm.APIError
	if !errors.As(err, &ae) || ae.RetryAfter <= 0 {
		return
	}
	until := time.Now().Add(min(ae.RetryAfter, maxRetryAfter))
	j.gateMu.Lock()
	defer j.gateMu.Unlock()
	if until.After(j.notBefore) {
		j.notBefore = until
	}
}

// waitRetryAfter waits until the server's last Retry-After has passed, or
// fails at once if that is past ctx's deadline: the call would only time
// out, and asking earlier is what the server asked us not to do.
func (j *Judge) waitRetryAfter(ctx context.Context) error {
	j.gateMu.Lock()
	until := j.notBefore
	j.gateMu.Unlock()
	d := time.Until(until)
	if d <= 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok && dl.Before(until) {
		return fmt.Errorf("the server asked for no requests until %s (Retry-After), past this judging's deadline; not calling it",
			until.UTC().Format(time.RFC3339))
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ask makes one request.
func (j *Judge) ask(ctx context.Context, msgs []llm.Message) (llm.Response, error) {
	if j.cfg.Stream {
		return j.cfg.Client.Stream(ctx, msgs, nil, llm.JSONObject())
	}
	return j.cfg.Client.Complete(ctx, msgs, llm.JSONObject())
}

// finish fills a verdict from a parsed reply, mapping presentation
// positions back to entry indexes.
func (j *Judge) finish(v judges.Verdict, task judges.Task, entries []judges.Entry, p parsedVerdict) judges.Verdict {
	if v.Model == "" {
		v.Model = j.cfg.Client.Model()
	}
	v.Scores = make([]float64, len(entries))
	seats := make([]int, len(entries))
	for k, i := range v.Order {
		v.Scores[i] = judges.RoundScore(p.scores[k])
		seats[k] = entries[i].Seat
	}
	v.Ranks = judges.RanksFromScores(v.Scores)
	v.Rationale = relabel(p.rationale, seats)
	v.Flags = judges.EntryFlags(task, entries)
	return v
}

// wait sleeps before the next attempt: nothing after an unusable reply,
// else exponential backoff with jitter or the server's Retry-After,
// whichever is longer. It fails at once if that would pass ctx's deadline,
// since sleeping only to time out would hide the real error.
func (j *Judge) wait(ctx context.Context, attempt int, err error) error {
	if errors.Is(err, ErrInvalidVerdict) {
		return nil
	}
	d := j.cfg.Backoff << min(attempt-1, 20)
	d = min(d, j.cfg.MaxBackoff)
	d = d/2 + mrand.N(d/2+1) // jitter spreads out judges retrying together
	var ae *llm.APIError
	if errors.As(err, &ae) && ae.RetryAfter > d {
		d = ae.RetryAfter
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return fmt.Errorf("next attempt in %s would pass the deadline", d.Round(time.Millisecond))
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (j *Judge) random(b []byte) error {
	j.randMu.Lock()
	defer j.randMu.Unlock()
	if _, err := io.ReadFull(j.cfg.Rand, b); err != nil {
		return fmt.Errorf("ai judge %s: read random: %w", j.name, err)
	}
	return nil
}

// capRaw cuts a reply to maxRawReply bytes on a rune boundary.
func capRaw(s string) string {
	if len(s) > maxRawReply {
		return capTo(s, maxRawReply) + "…"
	}
	return s
}
