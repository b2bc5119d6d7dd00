package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/client/clienttest"
)

// An owner whose key leaked had to curl POST /v1/owners/me/key and
// POST /v1/agents/{id}/key: arenactl had no command for either.
func TestRotateKeys(t *testing.T) {
	srv := clienttest.NewServer(t)
	_, key := srv.AddOwner(t, "alice", "")
	_, bobKey := srv.AddOwner(t, "bob", "")
	a, err := srv.Client(t, key).CreateAgent(context.Background(), client.CreateAgentRequest{Name: "sock"})
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": key}

	t.Run("agent rotate-key prints a new agent key once", func(t *testing.T) {
		r := runCLI(t, env, "agent", "rotate-key", a.Agent.ID)
		rows := cells(r.stdout)
		if r.code != 0 || len(rows) != 2 || rows[0][1] != a.Agent.ID || rows[1][0] != "AGENT KEY" ||
			!strings.HasPrefix(rows[1][1], "ara_") || rows[1][1] == a.AgentKey {
			t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stderr, "agent key is shown only once") || !strings.Contains(r.stderr, "old key is refused") {
			t.Errorf("stderr %q lacks the warnings", r.stderr)
		}
		r = runCLI(t, env, "--json", "agent", "rotate-key", a.Agent.ID)
		var out client.AgentKeyResponse
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out.ID != a.Agent.ID || !strings.HasPrefix(out.AgentKey, "ara_") || out.AgentKey == rows[1][1] {
			t.Fatalf("--json: %q (%v)", r.stdout, err)
		}
	})
	t.Run("agent rotate-key refuses another owner's agent", func(t *testing.T) {
		r := runCLI(t, map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": bobKey}, "agent", "rotate-key", a.Agent.ID)
		if r.code != 1 || !strings.Contains(r.stderr, "arenactl: forbidden:") {
			t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
	t.Run("owner rotate-key replaces the key in use", func(t *testing.T) {
		r := runCLI(t, env, "owner", "rotate-key")
		rows := cells(r.stdout)
		if r.code != 0 || len(rows) != 2 || rows[1][0] != "API KEY" || !strings.HasPrefix(rows[1][1], "aro_") || rows[1][1] == key {
			t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stderr, "API key is shown only once") {
			t.Errorf("stderr %q lacks the shown-once warning", r.stderr)
		}
		if r := runCLI(t, env, "owner", "me"); r.code != 1 || !strings.Contains(r.stderr, "unauthorized") {
			t.Fatalf("the old key: exit %d, stderr %q; want it refused", r.code, r.stderr)
		}
		r = runCLI(t, map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": rows[1][1]}, "--json", "owner", "rotate-key")
		var out client.OwnerKeyResponse
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out.ID == "" || !strings.HasPrefix(out.APIKey, "aro_") {
			t.Fatalf("--json with the new key: %q (%v)", r.stdout, err)
		}
	})
}
