package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/runner"
	"github.com/agentarena/arena/internal/syncbuf"
	"github.com/agentarena/arena/llm/llmtest"
)

// TestJudgeFlagsReachTheRunner starts a node whose AI judge's server
// never answers in time, with --judge-timeout 50ms and
// --judge-give-up-after 1ms: its bots' prompt contests must end aborted
// (stakes refunded) with a reason naming the 50 ms, a log line and the
// arena_judge_given_up_total metric. Before, one try could take 60 s
// whatever an operator needed, and the contest stayed judging for ever.
func TestJudgeFlagsReachTheRunner(t *testing.T) {
	srv := llmtest.NewServer(func(llmtest.Request) llmtest.Reply { return llmtest.Reply{Delay: time.Minute} })
	defer srv.Close()
	srv.Models = []string{"slow-model"}
	var logs syncbuf.Buffer
	m := NewMain()
	m.Stdout, m.LogOutput, m.FastTimeouts = io.Discard, &logs, true
	args := []string{"--data-dir", filepath.Join(t.TempDir(), "data"), "--http-addr", "127.0.0.1:0", "--raft-addr", "127.0.0.1:0",
		"--operator-token", testToken, "--bot-delay", "0s", "--judge-base-url", srv.BaseURL(), "--judge-model", "slow-model",
		"--judge-timeout", "50ms", "--judge-give-up-after", "1ms"}
	if err := m.ParseFlags(args, func(k string) string {
		if k == "ARENA_JUDGE_API_KEY" {
			return llmtest.APIKey
		}
		return ""
	}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ar := arena.DefaultArenas()[1]
	ar.Judges = []string{"ai"}
	eventually(t, 15*time.Second, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := m.Node.PutArena(ctx, ar)
		return err
	})

	want := runner.ReasonJudgeGaveUp + "1ms: no verdict within 50ms"
	eventually(t, 60*time.Second, func() error {
		list, _, err := m.Node.Contests(arena.ContestFilter{Arena: "prompt", Status: arena.StatusAborted})
		if err != nil {
			return err
		}
		for _, c := range list {
			if c.Reason == want {
				return nil
			}
		}
		return fmt.Errorf("no prompt contest aborted with %q yet (%d aborted, %d requests to the judge)", want, len(list), len(srv.Requests()))
	})
	if !strings.Contains(logs.String(), `msg="judging given up: contest aborted, stakes refunded"`) {
		t.Errorf("no log line for the contest given up in:\n%s", logs.String())
	}
	resp, err := http.Get(m.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !regexp.MustCompile(`(?m)^arena_judge_given_up_total\{error="transient"\} [1-9]`).Match(body) {
		t.Errorf("/metrics does not count the contest given up:\n%s", grepLines(string(body), "arena_judge_given_up_total"))
	}
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
