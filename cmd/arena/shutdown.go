package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"time"
)

// registerOpsFlags adds the flags of shutdown, forwarding, readiness and
// membership, with their ARENA_* fallbacks.
func (m *Main) registerOpsFlags(fs *flag.FlagSet, env func(name, def string) string) error {
	durations := []struct {
		dst        *time.Duration
		name, envN string
		def        time.Duration
		help       string
	}{
		{&m.ShutdownTimeout, "shutdown-timeout", "ARENA_SHUTDOWN_TIMEOUT", 10 * time.Second,
			"hard deadline for a graceful stop on SIGTERM; past it the process exits 1 saying which step hung"},
		{&m.ForwardTimeout, "forward-timeout", "ARENA_FORWARD_TIMEOUT", 10 * time.Second,
			"how long a follower waits on the leader for a forwarded write (a leader change ends it at once)"},
	}
	for _, d := range durations {
		set := func(s string) error {
			v, err := time.ParseDuration(s)
			if err != nil || v <= 0 {
				return fmt.Errorf("%s must be a positive duration such as 10s, got %q", d.name, s)
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
	setLag := func(s string) error {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil || v == 0 {
			return fmt.Errorf("ready-max-lag must be a positive whole number of log entries, got %q", s)
		}
		m.ReadyMaxLag = v
		return nil
	}
	m.ReadyMaxLag = 1000
	if v := env("ARENA_READY_MAX_LAG", ""); v != "" {
		if err := setLag(v); err != nil {
			return err
		}
	}
	fs.Func("ready-max-lag", "log entries a follower may trail the leader's commit index and still be ready; a non-voter within it is promoted (default 1000) [ARENA_READY_MAX_LAG]", setLag)
	fs.BoolVar(&m.ReadReplica, "read-replica", env("ARENA_READ_REPLICA", "") == "true",
		"with --join: stay a non-voter for good (a read replica), never promoted to voter [ARENA_READ_REPLICA=true]")
	return nil
}

// Shutdown stops the node gracefully within ctx: /readyz fails at once so
// load balancers drain it, a leader hands leadership to another voter,
// the HTTP server stops accepting and finishes in-flight requests, the
// contest runner stops, and the node cuts its Raft transport and stops
// Raft. Each step is bounded by ctx; the first that is not done by then
// is named in the error, and the caller exits non-zero.
func (m *Main) Shutdown(ctx context.Context) error {
	var errs []error
	step := func(name string, f func(context.Context) error) {
		if err := f(ctx); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	if m.web != nil {
		m.web.SetDraining()
	}
	if m.Node != nil {
		// A third of the budget at most: a transfer that cannot finish
		// (no other voter caught up) must not eat the rest.
		// Not an error of the shutdown: a lone node has no one to hand to,
		// and the others elect a leader by timeout anyway.
		tctx, cancel := context.WithTimeout(ctx, budget(ctx)/3)
		if err := m.Node.TransferLeadership(tctx); err != nil && m.log != nil {
			m.log.Warn("leadership transfer before shutdown failed; the others will elect by timeout", "err", err)
		}
		cancel()
	}
	if m.server != nil {
		step("drain HTTP requests", func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, budget(ctx)/2)
			defer cancel()
			if err := m.server.Shutdown(ctx); err != nil {
				_ = m.server.Close() // cut what did not finish
				return err
			}
			return nil
		})
	} else if m.listener != nil {
		errs = append(errs, m.listener.Close())
	}
	if m.cancel != nil {
		m.cancel()
		step("stop the contest runner", func(ctx context.Context) error {
			done := make(chan struct{})
			go func() { m.bg.Wait(); close(done) }()
			select {
			case <-done:
				return nil
			case <-ctx.Done():
				return errors.New("still running at the deadline")
			}
		})
	}
	if m.Node != nil {
		step("stop raft", m.Node.Shutdown)
	}
	return errors.Join(errs...)
}

// budget is what is left of ctx's deadline (a day without one).
func budget(ctx context.Context) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		return time.Until(dl)
	}
	return 24 * time.Hour
}
