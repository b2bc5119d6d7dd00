package main

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/internal/syncbuf"
	"github.com/agentarena/arena/llm/llmtest"
)

// TestTheJudgeServerIsCheckedAtStart: a node started with a wrong judge
// key, a base URL without /v1, a model the server does not serve or no
// server at all used to start in silence, and the operator learned of it
// from the first contest stuck in judging. It still starts (the server
// may come up later), and logs at once which flag to fix and how.
func TestTheJudgeServerIsCheckedAtStart(t *testing.T) {
	srv := llmtest.NewServer(func(llmtest.Request) llmtest.Reply { return llmtest.Reply{} })
	defer srv.Close()
	srv.Models = []string{"judge-1"}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nobody := "http://" + ln.Addr().String() + "/v1"
	ln.Close()
	tests := []struct {
		name      string
		base, key string
		model     string
		want      []string
		wantLevel string
	}{
		{"a good setting", srv.BaseURL(), llmtest.APIKey, "judge-1", []string{`msg="AI judge server answers and lists the model"`}, "INFO"},
		{"a wrong key", srv.BaseURL(), "sk-wrong", "judge-1", []string{`check="--judge-api-key (ARENA_JUDGE_API_KEY)"`, "refused the API key"}, "WARN"},
		{"no /v1", srv.URL, llmtest.APIKey, "judge-1", []string{`check=--judge-base-url`, "ending in /v1"}, "WARN"},
		{"a model not served", srv.BaseURL(), llmtest.APIKey, "judge-2", []string{`check=--judge-model`, "it lists judge-1"}, "WARN"},
		{"no server", nobody, llmtest.APIKey, "judge-1", []string{`check=--judge-base-url`, "is the server running there?"}, "WARN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs syncbuf.Buffer
			m := NewMain()
			m.Stdout, m.LogOutput = &logs, &logs
			args := []string{"--data-dir", filepath.Join(t.TempDir(), "data"), "--http-addr", "127.0.0.1:0", "--raft-addr", "127.0.0.1:0",
				"--operator-token", testToken, "--no-bots", "--judge-base-url", tt.base, "--judge-model", tt.model}
			if err := m.ParseFlags(args, func(k string) string {
				if k == "ARENA_JUDGE_API_KEY" {
					return tt.key
				}
				return ""
			}); err != nil {
				t.Fatal(err)
			}
			m.FastTimeouts = true
			if err := m.Run(context.Background()); err != nil {
				t.Fatalf("the node did not start: %v", err)
			}
			defer m.Close()
			eventually(t, 15*time.Second, func() error {
				for _, line := range strings.Split(logs.String(), "\n") {
					if !strings.Contains(line, "AI judge server") {
						continue
					}
					for _, w := range append(tt.want, "level="+tt.wantLevel) {
						if !strings.Contains(line, w) {
							return fmt.Errorf("the check's line lacks %q:\n%s", w, line)
						}
					}
					if strings.Contains(line, "sk-wrong") {
						return fmt.Errorf("the line leaks the key:\n%s", line)
					}
					return nil
				}
				return fmt.Errorf("no line on the judge's server in:\n%s", logs.String())
			})
		})
	}
}
