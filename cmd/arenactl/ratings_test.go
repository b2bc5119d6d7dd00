package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/client/clienttest"
)

// An owner could read an agent's rating history only with curl (GET
// /v1/agents/{id}/ratings): the client had no call for it and arenactl no
// command.
func TestAgentRatings(t *testing.T) {
	srv := clienttest.NewServer(t)
	_, key := srv.AddOwner(t, "alice", "")
	_, bobKey := srv.AddOwner(t, "bob", "")
	mine, err := srv.Client(t, key).CreateAgent(context.Background(), client.CreateAgentRequest{Name: "mine"})
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := srv.Client(t, bobKey).CreateAgent(context.Background(), client.CreateAgentRequest{Name: "theirs"})
	if err != nil {
		t.Fatal(err)
	}
	contest := srv.StartContest(t, "connect4", mine.Agent.ID, theirs.Agent.ID)
	srv.Resign(t, contest, theirs.Agent.ID)
	env := map[string]string{"ARENA_SERVER": srv.URL}

	r := runCLI(t, env, "agent", "ratings", mine.Agent.ID)
	rows := cells(r.stdout)
	if r.code != 0 || len(rows) != 2 || strings.Join(rows[0], " ") != "ARENA CONTEST AT PLACE BEFORE AFTER CHANGE" {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	// Two agents at 1000 with K 32: the winner gains 16.
	if got := rows[1]; got[0] != "connect4" || got[1] != contest || got[3] != "1 of 2" || got[4] != "1000.0" || got[5] != "1016.0" || got[6] != "+16.0" {
		t.Errorf("row %q; want connect4, %s, place 1 of 2, 1000.0 to 1016.0, +16.0", got, contest)
	}
	r = runCLI(t, env, "--json", "agent", "ratings", theirs.Agent.ID)
	var h client.RatingHistory
	if err := json.Unmarshal([]byte(r.stdout), &h); err != nil || h.AgentID != theirs.Agent.ID || len(h.History) != 1 ||
		h.History[0].Rank != 1 || h.History[0].Before != 1000000 || h.History[0].After != 984000 {
		t.Fatalf("--json: %q (%v)", r.stdout, err)
	}
	if r := runCLI(t, env, "agent", "ratings", mine.Agent.ID, "--arena", "prompt"); r.code != 0 || len(cells(r.stdout)) != 1 {
		t.Errorf("--arena prompt: exit %d, stdout %q; want the header alone", r.code, r.stdout)
	}
	if r := runCLI(t, env, "agent", "ratings", "ag_nosuch"); r.code != 1 || !strings.Contains(r.stderr, "not_found") {
		t.Errorf("an unknown agent: exit %d, stderr %q", r.code, r.stderr)
	}
}
