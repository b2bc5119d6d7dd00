package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/agentarena/arena/arena/runner"
)

// JudgeTuning bounds the leader's judging (runner.Config, whose zero
// values are the defaults): one try, and how long a contest may wait for
// its verdict before it is given up (aborted, stakes refunded;
// docs/OPERATIONS.md, Judges).
type JudgeTuning struct {
	// Timeout bounds one judging try.
	Timeout time.Duration
	// GiveUpAfter bounds a contest's judging; negative: never given up
	// (the flag's 0).
	GiveUpAfter time.Duration
	// GiveUpPermanentAfter bounds it after an error waiting will not
	// fix (capped at GiveUpAfter).
	GiveUpPermanentAfter time.Duration
}

// registerFlags adds --judge-timeout, --judge-give-up-after and
// --judge-give-up-permanent-after with their ARENA_* fallbacks.
func (j *JudgeTuning) registerFlags(fs *flag.FlagSet, env func(name, def string) string) error {
	durations := []struct {
		dst        *time.Duration
		name, envN string
		def        time.Duration
		zeroOK     bool
		help       string
	}{
		{&j.Timeout, "judge-timeout", "ARENA_JUDGE_TIMEOUT", runner.DefaultJudgeTimeout, false,
			"how long one judging try may take (an AI judge's requests and retries within it); a failed try is retried with backoff"},
		{&j.GiveUpAfter, "judge-give-up-after", "ARENA_JUDGE_GIVE_UP_AFTER", runner.DefaultJudgeGiveUpAfter, true,
			"how long a contest may wait in judging; the first try that fails past it aborts the contest and refunds its stakes (0: never)"},
		{&j.GiveUpPermanentAfter, "judge-give-up-permanent-after", "ARENA_JUDGE_GIVE_UP_PERMANENT_AFTER", runner.DefaultJudgeGiveUpPermanentAfter, false,
			"the same bound when the last try failed with an error waiting does not fix (401, 403, 404, 400, 429 insufficient_quota); at most --judge-give-up-after"},
	}
	for _, d := range durations {
		set := func(s string) error {
			v, err := time.ParseDuration(s)
			if err != nil || v < 0 || (v == 0 && !d.zeroOK) {
				kind := "a positive duration"
				if d.zeroOK {
					kind = "a duration (0: never)"
				}
				return fmt.Errorf("%s must be %s such as %v, got %q", d.name, kind, d.def, s)
			}
			if v == 0 {
				v = -1 // the runner's "never": its 0 is the default
			}
			*d.dst = v
			return nil
		}
		*d.dst = d.def
		if v := env(d.envN, ""); v != "" {
			if err := set(v); err != nil {
				return err
			}
		}
		fs.Func(d.name, fmt.Sprintf("%s (default %v) [%s]", d.help, d.def, d.envN), set)
	}
	return nil
}
