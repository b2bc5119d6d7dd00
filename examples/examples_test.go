// Package examples_test plays the example agents, built as an outside
// developer builds them, against a real node.
package examples_test

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/agents/bots"
	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/arena/runner"
	"github.com/agentarena/arena/client/clienttest"
	"github.com/agentarena/arena/internal/egress"
	"github.com/agentarena/arena/web"
)

// node starts one real node (Raft, bbolt) with its contest runner, two
// connect4 bots that keep queueing, and the HTTP API on loopback. Two, so
// that an agent's second contest need not wait out the pause that keeps
// the last contest's opponents apart.
func node(t *testing.T) string {
	t.Helper()
	c := arenatest.NewCluster(t, 1)
	var list []runner.Bot
	for _, name := range []string{"c4-random", "c4-greedy"} {
		bot, ok := bots.Lookup(name, 1)
		if !ok {
			t.Fatalf("no bot %s", name)
		}
		list = append(list, bot)
	}
	r := runner.New(runner.Config{Node: c.Nodes[0], Bots: list, Tick: 20 * time.Millisecond, SeedDefaults: true, AgentEgress: egress.Any})
	url := clienttest.ServeWithRunner(t, r, web.Config{Node: c.Nodes[0], AgentEgress: egress.Any})
	c.Eventually(10*time.Second, func() error {
		_, err := c.Nodes[0].Arena("connect4")
		return err
	})
	return url
}

// newAgent signs up an owner and registers a websocket agent for it, as a
// new user does over the API; it returns the agent's id and key.
func newAgent(t *testing.T, base, name string) (id, key string) {
	t.Helper()
	var owner struct {
		APIKey string `json:"api_key"`
	}
	clienttest.JSON(t, "POST", base+"/v1/owners", "", map[string]string{"name": name + "-owner"}, &owner)
	var agent struct {
		Agent struct {
			ID string `json:"id"`
		} `json:"agent"`
		AgentKey string `json:"agent_key"`
	}
	clienttest.JSON(t, "POST", base+"/v1/agents", owner.APIKey, map[string]string{"name": name, "kind": "websocket"}, &agent)
	return agent.Agent.ID, agent.AgentKey
}

// waitSettled waits until the agent has finished n contests, none of them
// by a forfeit or a missed deadline (the agent did not play), and returns
// their ids.
func waitSettled(ctx context.Context, t *testing.T, base, agentID string, n int) []string {
	t.Helper()
	var settled []string
	for len(settled) < n && ctx.Err() == nil {
		var page struct {
			Contests []struct {
				ID     string `json:"id"`
				Reason string `json:"reason"`
			} `json:"contests"`
		}
		clienttest.JSON(t, "GET", fmt.Sprintf("%s/v1/contests?agent=%s&status=settled", base, agentID), "", nil, &page)
		settled = settled[:0]
		for _, c := range page.Contests {
			if c.Reason == "forfeit" || strings.Contains(c.Reason, "deadline") {
				t.Fatalf("contest %s ended by %q: the agent did not play", c.ID, c.Reason)
			}
			settled = append(settled, c.ID)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(settled) < n {
		t.Fatalf("the agent finished %d contests before the deadline, want %d (it queues again after each)", len(settled), n)
	}
	return settled
}

// TestGoAgentPlaysARealNode builds examples/go-agent on its own and lets
// it play connect4 against a bot until it has finished two contests: it
// speaks the protocol the arena actually serves, with no error frame.
func TestGoAgentPlaysARealNode(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "go-agent")
	if out, err := exec.Command("go", "build", "-o", bin, "./go-agent").CombinedOutput(); err != nil {
		t.Fatalf("build go-agent: %v\n%s", err, out)
	}
	base := node(t)
	agentID, agentKey := newAgent(t, base, "gopher")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-server", base, "-key", agentKey, "-arena", "connect4")
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("go-agent log:\n%s", logs.String())
		}
	}()
	waitSettled(ctx, t, base, agentID, 2)
	cancel()
	_ = cmd.Wait()
	if strings.Contains(logs.String(), "error frame") {
		t.Fatalf("the agent got error frames:\n%s", logs.String())
	}
}

// TestPythonWebsocketAgentPlaysARealNode runs
// examples/python-websocket-agent/agent.py (standard library only) against
// a real node until it has finished two connect4 contests against the
// bot: it connects, plays every turn and queues again after each contest,
// with no error frame. The frame codec paths a short game does not reach
// are tested in python-websocket-agent/agent_test.go.
func TestPythonWebsocketAgentPlaysARealNode(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed: the Python websocket agent is not run")
	}
	base := node(t)
	agentID, agentKey := newAgent(t, base, "pyws")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// The key comes from the environment, as the README shows; -u: no
	// buffering, so a failing test's log holds everything it printed.
	cmd := exec.CommandContext(ctx, python, "-u", "python-websocket-agent/agent.py", "--server", base, "--arena", "connect4")
	cmd.Env = append(cmd.Environ(), "ARENA_AGENT_KEY="+agentKey)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() || testing.Verbose() {
			t.Logf("agent.py output:\n%s", logs.String())
		}
	}()
	settled := waitSettled(ctx, t, base, agentID, 2)
	cancel()
	_ = cmd.Wait()
	out := logs.String()
	if strings.Contains(out, "error frame") || strings.Contains(out, "Traceback") {
		t.Fatalf("the agent got error frames or failed:\n%s", out)
	}
	// It prints one line per contest_end, naming the contest.
	for _, id := range settled {
		if !strings.Contains(out, "contest "+id+" settled: ") {
			t.Errorf("the agent printed no result line for contest %s", id)
		}
	}
}
