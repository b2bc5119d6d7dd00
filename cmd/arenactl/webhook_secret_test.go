package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/client/clienttest"
)

func TestAgentWebhookSecretRotates(t *testing.T) {
	srv := clienttest.NewServer(t)
	_, key := srv.AddOwner(t, "alice", "")
	c := srv.Client(t, key)
	hook, err := c.CreateAgent(context.Background(), client.CreateAgentRequest{Name: "hook", Kind: client.KindWebhook, WebhookURL: "https://h.example/x"})
	if err != nil || !strings.HasPrefix(hook.WebhookSecret, "whsec_") {
		t.Fatalf("create: %+v, %v", hook, err)
	}
	sock, err := c.CreateAgent(context.Background(), client.CreateAgentRequest{Name: "sock"})
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": key}

	r := runCLI(t, env, "agent", "webhook-secret", hook.Agent.ID)
	rows := cells(r.stdout)
	if r.code != 0 || len(rows) != 2 || rows[1][0] != "WEBHOOK SECRET" || !strings.HasPrefix(rows[1][1], "whsec_") || rows[1][1] == hook.WebhookSecret {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "webhook secret is shown only once") {
		t.Errorf("stderr %q lacks the shown-once warning", r.stderr)
	}

	r = runCLI(t, env, "agent", "webhook-secret", sock.Agent.ID)
	if r.code == 0 || !strings.Contains(r.stderr, "only webhook agents have a webhook secret") {
		t.Fatalf("a websocket agent: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestAgentQueueKeep(t *testing.T) {
	srv := clienttest.NewServer(t)
	_, key := srv.AddOwner(t, "alice", "")
	a, err := srv.Client(t, key).CreateAgent(context.Background(), client.CreateAgentRequest{Name: "hook", Kind: client.KindWebhook, WebhookURL: "https://h.example/x"})
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": key}
	r := runCLI(t, env, "agent", "queue", a.Agent.ID, "--arena", "connect4", "--keep")
	if r.code != 0 || !strings.Contains(r.stdout, "KEEP") {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, env, "agent", "queue", a.Agent.ID, "--arena", "connect4", "--json")
	var out struct {
		Ticket struct {
			Keep bool `json:"keep"`
		} `json:"ticket"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || !out.Ticket.Keep {
		t.Fatalf("queueing again answered %q (%v): the keep ticket was lost", r.stdout, err)
	}
	// agent show tells its owner where it waits.
	r = runCLI(t, env, "agent", "show", a.Agent.ID)
	if r.code != 0 || !strings.Contains(r.stdout, "\nQUEUED       connect4 (keep)\n") {
		t.Fatalf("agent show: exit %d, stdout %q; want a QUEUED row naming connect4 (keep)", r.code, r.stdout)
	}
	runCLI(t, env, "agent", "unqueue", a.Agent.ID, "--arena", "connect4")
	if r = runCLI(t, env, "agent", "show", a.Agent.ID); !strings.Contains(r.stdout, "\nQUEUED       -\n") {
		t.Fatalf("agent show after unqueue: stdout %q; want QUEUED -", r.stdout)
	}
}

// agent deliveries lists a webhook agent's calls (none yet on a node that
// plays no contests) and names the kind of any other agent.
func TestAgentDeliveries(t *testing.T) {
	srv := clienttest.NewServer(t)
	_, key := srv.AddOwner(t, "alice", "")
	c := srv.Client(t, key)
	hook, err := c.CreateAgent(context.Background(), client.CreateAgentRequest{Name: "hook", Kind: client.KindWebhook, WebhookURL: "https://h.example/x"})
	if err != nil {
		t.Fatal(err)
	}
	sock, err := c.CreateAgent(context.Background(), client.CreateAgentRequest{Name: "sock"})
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": key}
	r := runCLI(t, env, "agent", "deliveries", hook.Agent.ID)
	if rows := cells(r.stdout); r.code != 0 || len(rows) != 1 || strings.Join(rows[0], " ") != "AT EVENT CONTEST SEQ STATUS MS OUTCOME ERROR" {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, env, "--json", "agent", "deliveries", hook.Agent.ID)
	var list client.DeliveryList
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || list.Agent != hook.Agent.ID || list.Deliveries == nil || len(list.Deliveries) != 0 {
		t.Fatalf("--json: %q (%v)", r.stdout, err)
	}
	r = runCLI(t, env, "agent", "deliveries", sock.Agent.ID)
	if r.code == 0 || !strings.Contains(r.stderr, "deliveries list the arena's calls to a webhook agent; agent "+sock.Agent.ID+" is a websocket agent, which the arena does not call") {
		t.Fatalf("a websocket agent: exit %d, stderr %q", r.code, r.stderr)
	}
	// The arena calls model agents too: it said "only webhook agents are
	// called by the arena", and pointed their owner nowhere.
	model, err := c.CreateAgent(context.Background(), client.CreateAgentRequest{Name: "model", Kind: client.KindOpenAI,
		Endpoint: &client.ModelEndpoint{BaseURL: "http://127.0.0.1:9/v1", Model: "m"}})
	if err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, env, "agent", "deliveries", model.Agent.ID)
	if r.code == 0 || !strings.Contains(r.stderr, "is an openai agent") || !strings.Contains(r.stderr, "arenactl contest show") {
		t.Fatalf("an openai agent: exit %d, stderr %q; want it pointed at the contest's forfeit reason", r.code, r.stderr)
	}
}
