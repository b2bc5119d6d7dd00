package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/client/clienttest"
)

// agent list showed agents without saying whether they were connected,
// where they waited or how they rated: an owner ran agent show and agent
// ratings once per agent. It now shows CONNECTION, QUEUED and ELO for one
// owner's agents, read with one request per page of each owner route.
func TestAgentListShowsConnectionsAndRatingsAPageAtATime(t *testing.T) {
	ctx := context.Background()
	srv := clienttest.NewServer(t)
	alice, aliceKey := srv.AddOwner(t, "alice", "")
	_, bobKey := srv.AddOwner(t, "bob", "")
	ac := srv.Client(t, aliceKey)
	sock, err := ac.CreateAgent(ctx, client.CreateAgentRequest{Name: "sock"})
	if err != nil {
		t.Fatal(err)
	}
	hook, err := ac.CreateAgent(ctx, client.CreateAgentRequest{Name: "hook", Kind: client.KindWebhook, WebhookURL: "https://h.example/x"})
	if err != nil {
		t.Fatal(err)
	}
	rival, err := srv.Client(t, bobKey).CreateAgent(ctx, client.CreateAgentRequest{Name: "rival"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ac.KeepAgentQueued(ctx, hook.Agent.ID, "connect4"); err != nil {
		t.Fatal(err)
	}
	contest := srv.StartContest(t, "connect4", sock.Agent.ID, rival.Agent.ID)
	srv.Resign(t, contest, rival.Agent.ID)

	known := map[string]string{"alice": alice, "sock": sock.Agent.ID, "hook": hook.Agent.ID}
	// The agents in listing (id) order, with their cells past UPDATED.
	type agentRow struct{ id, name, kind, conn, queued, elo string }
	mine := []agentRow{
		{"{sock}", "sock", "websocket", "disconnected", "-", "connect4=1016.0"},
		{"{hook}", "hook", "webhook", "-", "connect4(keep)", "-"},
	}
	if hook.Agent.ID < sock.Agent.ID {
		mine[0], mine[1] = mine[1], mine[0]
	}
	table := func(conns, elo bool) string {
		h := "ID  NAME  KIND  VERSION  OWNER  UPDATED"
		if conns {
			h += "  CONNECTION  QUEUED"
		}
		if elo {
			h += "  ELO"
		}
		out := []string{h}
		for _, r := range mine {
			l := fmt.Sprintf("%s  %s  %s  1  {alice}  {time}", r.id, r.name, r.kind)
			if conns {
				l += "  " + r.conn + "  " + r.queued
			}
			if elo {
				l += "  " + r.elo
			}
			out = append(out, l)
		}
		return lines(out...)
	}
	const op = clienttest.OperatorToken
	tests := []struct {
		name       string
		env        map[string]string
		args       []string
		wantOut    string
		wantStderr string
		wantReqs   []string // each request's path and the key it carried
	}{
		{
			name:     "the owner's own agents show every column from three requests",
			env:      map[string]string{"ARENA_KEY": aliceKey},
			args:     []string{"agent", "list"},
			wantOut:  table(true, true),
			wantReqs: []string{"/v1/agents alice", "/v1/owners/me/connections alice", "/v1/owners/me/ratings alice"},
		},
		{
			name:     "the operator sees an owner's connections",
			env:      map[string]string{"ARENA_OPERATOR_TOKEN": op},
			args:     []string{"agent", "list", "--owner", alice},
			wantOut:  table(true, true),
			wantReqs: []string{"/v1/agents -", "/v1/owners/{alice}/connections operator", "/v1/owners/{alice}/ratings -"},
		},
		{
			name:       "another owner's key sees the ratings and is told why the connections are not shown",
			env:        map[string]string{"ARENA_KEY": bobKey},
			args:       []string{"agent", "list", "--owner", alice},
			wantOut:    table(false, true),
			wantStderr: "arenactl: CONNECTION and QUEUED not shown: forbidden: ",
			wantReqs:   []string{"/v1/agents bob", "/v1/owners/{alice}/connections bob", "/v1/owners/{alice}/ratings bob"},
		},
		{
			name:     "without a key only the public ratings are asked for",
			env:      map[string]string{},
			args:     []string{"agent", "list", "--owner", alice},
			wantOut:  table(false, true),
			wantReqs: []string{"/v1/agents -", "/v1/owners/{alice}/ratings -"},
		},
	}
	who := map[string]string{"Bearer " + aliceKey: "alice", "Bearer " + bobKey: "bob", "Bearer " + op: "operator", "": "-"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.env["ARENA_SERVER"] = srv.URL
			before := len(srv.Requests())
			r := runCLI(t, tt.env, tt.args...)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			if got := normalize(r.stdout, known); !sameTable(got, tt.wantOut) {
				t.Errorf("stdout:\n%s\nwant:\n%s", got, tt.wantOut)
			}
			if tt.wantStderr == "" && r.stderr != "" || !strings.HasPrefix(r.stderr, tt.wantStderr) {
				t.Errorf("stderr = %q, want it to start with %q", r.stderr, tt.wantStderr)
			}
			var reqs []string
			for _, q := range srv.Requests()[before:] {
				reqs = append(reqs, normalize(q.Path, known)+" "+who[q.Authorization])
			}
			if strings.Join(reqs, "\n") != strings.Join(tt.wantReqs, "\n") {
				t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(reqs, "\n"), strings.Join(tt.wantReqs, "\n"))
			}
		})
	}
}

// agent show told nothing of an agent's ratings (agent ratings printed the
// whole history); it now has an ELO row, from one more request asking
// each arena's latest point alone.
func TestAgentShowGivesTheAgentsElo(t *testing.T) {
	ctx := context.Background()
	srv := clienttest.NewServer(t)
	_, key := srv.AddOwner(t, "alice", "")
	c := srv.Client(t, key)
	var ids []string
	for _, name := range []string{"winner", "loser", "idle"} {
		a, err := c.CreateAgent(ctx, client.CreateAgentRequest{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.Agent.ID)
	}
	for range 2 {
		srv.Resign(t, srv.StartContest(t, "connect4", ids[0], ids[1]), ids[1])
	}
	env := map[string]string{"ARENA_SERVER": srv.URL}
	tests := []struct {
		name    string
		id      string
		wantElo string
	}{
		// Two agents at 1000 with K 32: +16.0, then +14.5 against the
		// weaker loser.
		{"an agent that played", ids[0], "connect4=1030.5 (2 contests)"},
		{"an agent that never played", ids[2], "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.Requests())
			r := runCLI(t, env, "agent", "show", tt.id)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			var elo []string
			for _, row := range cells(r.stdout) {
				if row[0] == "ELO" {
					elo = row
				}
			}
			if len(elo) != 2 || elo[1] != tt.wantElo {
				t.Errorf("ELO row %q in\n%s\nwant %q", elo, r.stdout, tt.wantElo)
			}
			var reqs []string
			for _, q := range srv.Requests()[before:] {
				reqs = append(reqs, q.Path+"?"+q.RawQuery)
			}
			if want := []string{"/v1/agents/" + tt.id + "?", "/v1/agents/" + tt.id + "/ratings?limit=1"}; !slices.Equal(reqs, want) {
				t.Errorf("requests %q, want %q", reqs, want)
			}
		})
	}
	t.Run("--json prints the agent's answer alone, from one request", func(t *testing.T) {
		before := len(srv.Requests())
		if r := runCLI(t, env, "agent", "show", ids[0], "--json"); r.code != 0 || strings.Contains(r.stdout, "1030") {
			t.Fatalf("exit %d, stdout %q", r.code, r.stdout)
		}
		if n := len(srv.Requests()) - before; n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})
}
