package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/client/clienttest"
)

// agent show tells a websocket agent's owner whether it is connected; an
// agent the arena calls has no such row.
func TestAgentShowSaysWhetherTheAgentIsConnected(t *testing.T) {
	srv := clienttest.NewServer(t)
	_, key := srv.AddOwner(t, "alice", "")
	c := srv.Client(t, key)
	ws, err := c.CreateAgent(context.Background(), client.CreateAgentRequest{Name: "sock"})
	if err != nil {
		t.Fatal(err)
	}
	hook, err := c.CreateAgent(context.Background(), client.CreateAgentRequest{Name: "hook", Kind: client.KindWebhook, WebhookURL: "https://h.example/x"})
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": key}
	if r := runCLI(t, env, "agent", "show", ws.Agent.ID); r.code != 0 || !strings.Contains(r.stdout, "\nCONNECTION   disconnected\n") {
		t.Errorf("agent show of a websocket agent never connected: exit %d, stdout %q; want CONNECTION disconnected", r.code, r.stdout)
	}
	if r := runCLI(t, env, "agent", "show", hook.Agent.ID); r.code != 0 || strings.Contains(r.stdout, "CONNECTION") {
		t.Errorf("agent show of a webhook agent: exit %d, stdout %q; want no CONNECTION row", r.code, r.stdout)
	}
}

func TestConnectionTextSaysWhereAndSinceWhen(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		in   client.AgentConnection
		want string
	}{
		{"connected", client.AgentConnection{State: "connected", NodeID: "node2", Since: &at}, "connected to node2 since 2026-01-02T03:04:05Z"},
		{"closed while this node watched", client.AgentConnection{State: "disconnected", NodeID: "node1", Since: &at}, "disconnected (node1 saw it close at 2026-01-02T03:04:05Z)"},
		{"never seen", client.AgentConnection{State: "disconnected", NodeID: "node1"}, "disconnected"},
		{"the leader could not be asked", client.AgentConnection{State: "unknown", Reason: "no leader to ask"}, "unknown: no leader to ask"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := connectionText(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
