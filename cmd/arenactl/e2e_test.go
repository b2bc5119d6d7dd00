package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/agentarena/arena/client/clienttest"
)

// TestAgainstARealNode drives arenactl against a real node (Raft, bbolt,
// HTTP on loopback), as an owner and an operator would.
func TestAgainstARealNode(t *testing.T) {
	srv := clienttest.NewServer(t)
	env := map[string]string{"ARENA_SERVER": srv.URL}
	cli := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errb)
		return out.String(), errb.String(), code
	}

	out, _, code := cli("owner", "create", "--name", "ann", "--json")
	if code != 0 {
		t.Fatalf("owner create exited %d", code)
	}
	var owner struct {
		APIKey string `json:"api_key"`
	}
	if err := json.Unmarshal([]byte(out), &owner); err != nil || !strings.HasPrefix(owner.APIKey, "aro_") {
		t.Fatalf("owner create output %q: %v", out, err)
	}
	env["ARENA_KEY"] = owner.APIKey

	out, _, code = cli("agent", "create", "--name", "greedy", "--description", "blocks wins", "--json")
	if code != 0 {
		t.Fatalf("agent create exited %d: %s", code, out)
	}
	var created struct {
		Agent struct{ ID string } `json:"agent"`
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.Agent.ID == "" {
		t.Fatalf("agent create output %q: %v", out, err)
	}

	t.Run("agent list shows the agent in a table", func(t *testing.T) {
		out, _, code := cli("agent", "list")
		if code != 0 || !strings.Contains(out, "greedy") || !strings.Contains(out, created.Agent.ID) {
			t.Fatalf("exit %d, output:\n%s", code, out)
		}
	})
	t.Run("agent show prints the agent", func(t *testing.T) {
		out, _, code := cli("agent", "show", created.Agent.ID)
		if code != 0 || !strings.Contains(out, "greedy") {
			t.Fatalf("exit %d, output:\n%s", code, out)
		}
	})
	t.Run("a conflicting name is reported with its code", func(t *testing.T) {
		_, errOut, code := cli("agent", "create", "--name", "greedy")
		if code != 1 || !strings.Contains(errOut, "conflict") {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
	})
	t.Run("cluster status lists the node", func(t *testing.T) {
		out, _, code := cli("cluster", "status")
		if code != 0 || !strings.Contains(out, "node0") {
			t.Fatalf("exit %d, output:\n%s", code, out)
		}
	})
	t.Run("cluster remove needs the operator token", func(t *testing.T) {
		env["ARENA_OPERATOR_TOKEN"] = owner.APIKey
		_, errOut, code := cli("cluster", "remove", "node9")
		if code != 1 || !strings.Contains(errOut, "forbidden") {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
		env["ARENA_OPERATOR_TOKEN"] = clienttest.OperatorToken
		_, errOut, code = cli("cluster", "remove", "node9")
		if code != 1 || !strings.Contains(errOut, "not_found") {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
	})
	t.Run("agent delete removes it", func(t *testing.T) {
		if _, errOut, code := cli("agent", "delete", created.Agent.ID); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		_, errOut, code := cli("agent", "show", created.Agent.ID)
		if code != 1 || !strings.Contains(errOut, "not_found") {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
	})
}
