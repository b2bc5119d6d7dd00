package client

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// PreferenceQuery selects preference pairs to export.
type PreferenceQuery struct {
	Arena        string
	Agent        string
	Since        uint64 // cursor: pairs after it
	MinMargin    *float64
	MinAgreement *float64
	// ExcludeFlagged leaves out every flagged pair; ExcludeChosenFlagged
	// only those whose chosen answer or verdict is flagged, keeping pairs
	// that lost to a flagged (e.g. non-answer) rejected answer. When both
	// are set, ExcludeFlagged wins.
	ExcludeFlagged       bool
	ExcludeChosenFlagged bool
	// ChosenPassed keeps only verifiable-game pairs whose chosen answer
	// passed every check of the task's ground truth.
	ChosenPassed bool
	// ExcludeHeldOut leaves out verifiable pairs whose task their arena
	// now holds out for evaluation (played before it held them out).
	ExcludeHeldOut bool
	// Format is "full" (default), "trl" or "messages".
	Format string
	Limit  int
}

// PreferencePage is one page of the export: raw JSONL lines (one pair
// each, in the requested format) and the cursor to resume from.
type PreferencePage struct {
	Lines [][]byte
	Next  uint64
}

// Preferences fetches one page of preference pairs as JSONL. Resume from
// page.Next to see every pair exactly once; the export is finished when a
// page comes back with no lines. A page refused for the request rate (429)
// is asked for again after the server's Retry-After, a few times.
func (c *Client) Preferences(ctx context.Context, q PreferenceQuery) (*PreferencePage, error) {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("arena", q.Arena)
	set("agent", q.Agent)
	set("format", q.Format)
	v.Set("since", strconv.FormatUint(q.Since, 10))
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.MinMargin != nil {
		v.Set("min_margin", strconv.FormatFloat(*q.MinMargin, 'g', -1, 64))
	}
	if q.MinAgreement != nil {
		v.Set("min_agreement", strconv.FormatFloat(*q.MinAgreement, 'g', -1, 64))
	}
	switch {
	case q.ExcludeFlagged:
		v.Set("exclude_flagged", "true")
	case q.ExcludeChosenFlagged:
		v.Set("exclude_flagged", "chosen")
	}
	if q.ChosenPassed {
		v.Set("chosen_passed", "true")
	}
	if q.ExcludeHeldOut {
		v.Set("exclude_held_out", "true")
	}
	u := *c.base
	u.Path += "/v1/preferences"
	u.RawPath = ""
	u.RawQuery = c.readQuery(http.MethodGet, "/v1/preferences", v).Encode()
	// A page refused for the key's request rate is asked for again after
	// the server's Retry-After: reading a page changes nothing, and an
	// export of many small pages (or a trainer pulling while an export
	// runs on the same key) otherwise stopped half way.
	for attempt := 1; ; attempt++ {
		page, wait, err := c.preferencePage(ctx, u.String())
		if err == nil || !IsCode(err, CodeRateLimited) || attempt >= rateLimitTries {
			return page, err
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// rateLimitTries bounds the requests for one page a rate limit may refuse:
// a limit that does not lift within a few of its Retry-After waits is
// reported rather than waited on for good.
const rateLimitTries = 4

// maxRetryAfter caps the wait a Retry-After header asks for.
const maxRetryAfter = 30 * time.Second

// preferencePage fetches one page; with a 429 it also returns how long the
// server asked to wait (its Retry-After, in whole seconds).
func (c *Client) preferencePage(ctx context.Context, target string) (*PreferencePage, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("client: build request: %w", err)
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, 0, &noAnswerError{fmt.Errorf("client: GET /v1/preferences: %w", err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		wait := time.Second
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			wait = min(time.Duration(s)*time.Second, maxRetryAfter)
		}
		return nil, wait, decodeError(resp.StatusCode, body)
	}
	next, err := strconv.ParseUint(resp.Header.Get("X-Next-Cursor"), 10, 64)
	if err != nil {
		return nil, 0, fmt.Errorf("client: export answered without a usable X-Next-Cursor")
	}
	page := &PreferencePage{Next: next}
	sc := bufio.NewScanner(io.LimitReader(resp.Body, c.maxBody))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		page.Lines = append(page.Lines, append([]byte(nil), sc.Bytes()...))
	}
	if err := sc.Err(); err != nil {
		return nil, 0, fmt.Errorf("client: read export: %w", err)
	}
	return page, 0, nil
}
