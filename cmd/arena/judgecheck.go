package main

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"time"

	"github.com/agentarena/arena/llm"
)

// judgeCheckTimeout bounds the start-up check of the AI judge's server.
const judgeCheckTimeout = 10 * time.Second

// checkJudge asks the AI judge's server once, after start, for its models
// (llm.Client.Check) and logs what it found: a line an operator can see
// at once, instead of learning of a typo in the base URL, the key or the
// model from the first failed judging. The node serves either way: the
// server may start after it, and every node of a cluster carries the same
// flags. It runs on a background goroutine owned by Main (m.bg).
func (m *Main) checkJudge(ctx context.Context, client *llm.Client, logger *slog.Logger) {
	cctx, cancel := context.WithTimeout(ctx, judgeCheckTimeout)
	defer cancel()
	err := client.Check(cctx)
	if ctx.Err() != nil {
		return // shutting down
	}
	attrs := []any{"judge_base_url", redactedURL(m.JudgeBaseURL), "judge_model", m.JudgeModel}
	if err == nil {
		logger.Info("AI judge server answers and lists the model", attrs...)
		return
	}
	attrs = append(attrs, "check", judgeSetting(err))
	if h := llm.Hint(err); h != "" {
		attrs = append(attrs, "fix", h)
	}
	attrs = append(attrs, "err", err)
	logger.Warn("AI judge server check failed; judgings by ai and ai-pairwise fail until it is fixed (the node serves meanwhile)", attrs...)
}

// judgeSetting names the flag a failed check points at.
func judgeSetting(err error) string {
	var ae *llm.APIError
	switch {
	case errors.Is(err, llm.ErrModelNotListed):
		return "--judge-model"
	case errors.As(err, &ae) && (ae.Status == 401 || ae.Status == 403):
		return "--judge-api-key (ARENA_JUDGE_API_KEY)"
	}
	return "--judge-base-url"
}

// redactedURL is a URL for a log line, with any password hidden.
func redactedURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable)"
	}
	return u.Redacted()
}
