package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentarena/arena/internal/syncbuf"
)

// TestAnArenaNamingAnUnconfiguredJudgeIsRefused: on a node started
// without a model server, an arena naming the AI judge was taken and its
// contests were judged by the rubric alone, the organizer none the wiser.
// The PUT is now refused, naming the flags that would make it work.
func TestAnArenaNamingAnUnconfiguredJudgeIsRefused(t *testing.T) {
	var logs syncbuf.Buffer
	m := NewMain()
	m.Stdout, m.LogOutput, m.FastTimeouts = io.Discard, &logs, true
	args := []string{"--data-dir", filepath.Join(t.TempDir(), "data"), "--http-addr", "127.0.0.1:0", "--raft-addr", "127.0.0.1:0",
		"--operator-token", testToken, "--no-bots"}
	if err := m.ParseFlags(args, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	put := func(judges string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPut, m.URL+"/v1/arenas/essays",
			strings.NewReader(`{"game":"prompt","seats":2,"judges":`+judges+`}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for _, judges := range []string{`["ai"]`, `["rubric","ai-pairwise"]`} {
		if status, body := put(judges); status != http.StatusBadRequest || !strings.Contains(body, "--judge-base-url") {
			t.Errorf("judges %s without a model server: %d %s, want 400 naming --judge-base-url", judges, status, body)
		}
	}
	if status, body := put(`["rubric"]`); status != http.StatusOK {
		t.Fatalf("judges [\"rubric\"]: %d %s", status, body)
	}
}
