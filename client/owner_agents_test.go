package client_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/client/clienttest"
	"github.com/agentarena/arena/internal/strictjson"
)

// The owner page's routes answer for a page of agents what GET
// /v1/agents/{id} and GET /v1/agents/{id}/ratings answer for one; the
// client had no call for them, so a Go program (arenactl among them)
// watching an owner's agents asked once per agent.
func TestOwnerConnectionsAndRatingsAgainstARealNode(t *testing.T) {
	ctx := context.Background()
	srv := clienttest.NewServer(t)
	aliceID, aliceKey := srv.AddOwner(t, "alice", "")
	_, bobKey := srv.AddOwner(t, "bob", "")
	alice := srv.Client(t, aliceKey)
	bob := srv.Client(t, bobKey)
	anon := srv.Client(t, "")
	op := srv.Client(t, clienttest.OperatorToken)

	sock, err := alice.CreateAgent(ctx, client.CreateAgentRequest{Name: "sock"})
	if err != nil {
		t.Fatal(err)
	}
	hook, err := alice.CreateAgent(ctx, client.CreateAgentRequest{Name: "hook", Kind: client.KindWebhook, WebhookURL: "https://h.example/x"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = alice.CreateAgent(ctx, client.CreateAgentRequest{Name: "third"})
	if err != nil {
		t.Fatal(err)
	}
	rival, err := bob.CreateAgent(ctx, client.CreateAgentRequest{Name: "rival"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.QueueAgent(ctx, hook.Agent.ID, "connect4"); err != nil {
		t.Fatal(err)
	}
	contest := srv.StartContest(t, "connect4", sock.Agent.ID, rival.Agent.ID)
	srv.Resign(t, contest, rival.Agent.ID)

	var order []string // the agent list's order, which the owner routes keep
	for a, err := range alice.AllAgents(ctx, client.ListAgentsOptions{Owner: "me"}) {
		if err != nil {
			t.Fatal(err)
		}
		order = append(order, a.ID)
	}
	if len(order) != 3 {
		t.Fatalf("alice lists %d agents, want 3", len(order))
	}

	t.Run("connections show each agent's kind, queue places and socket", func(t *testing.T) {
		page, err := alice.OwnerConnections(ctx, client.OwnerAgentsOptions{Owner: "me"})
		if err != nil {
			t.Fatal(err)
		}
		if page.OwnerID != aliceID || page.NodeID == "" || page.NextCursor != "" || len(page.Connections) != 3 {
			t.Fatalf("page = %+v", page)
		}
		byID := map[string]client.OwnerConnection{}
		for i, c := range page.Connections {
			if c.AgentID != order[i] {
				t.Errorf("connection %d is %s, want %s (the agent list's order)", i, c.AgentID, order[i])
			}
			byID[c.AgentID] = c
		}
		s := byID[sock.Agent.ID]
		if s.Kind != client.KindWebSocket || len(s.Queued) != 0 || s.Queued == nil || s.Connection == nil ||
			s.Connection.State != "disconnected" || s.Connection.NodeID != page.NodeID {
			t.Errorf("websocket agent = %+v (connection %+v); want disconnected as the answering node saw it, queued nowhere", s, s.Connection)
		}
		h := byID[hook.Agent.ID]
		if h.Kind != client.KindWebhook || h.Connection != nil || !slices.Equal(h.Queued, []client.QueueEntry{{Arena: "connect4"}}) {
			t.Errorf("webhook agent = %+v; want no connection, queued in connect4", h)
		}
	})
	t.Run("a page of connections is the agent list's page, cursors included", func(t *testing.T) {
		first, err := alice.ListAgents(ctx, client.ListAgentsOptions{Owner: "me", Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		next, err := alice.OwnerConnections(ctx, client.OwnerAgentsOptions{Limit: 1, Cursor: first.NextCursor})
		if err != nil {
			t.Fatal(err)
		}
		if len(next.Connections) != 1 || next.Connections[0].AgentID != order[1] {
			t.Errorf("the page after the agent list's first = %+v, want %s alone", next.Connections, order[1])
		}
		var walked []string
		for c, err := range op.AllOwnerConnections(ctx, client.OwnerAgentsOptions{Owner: aliceID, Limit: 1}) {
			if err != nil {
				t.Fatal(err)
			}
			walked = append(walked, c.AgentID)
		}
		if !slices.Equal(walked, order) {
			t.Errorf("the operator's walk by pages of 1 = %v, want %v", walked, order)
		}
	})
	t.Run("connections are the owner's and the operator's only", func(t *testing.T) {
		tests := []struct {
			name  string
			c     *client.Client
			owner string
			want  string
		}{
			{"another owner's key", bob, aliceID, client.CodeForbidden},
			{"no key", anon, aliceID, client.CodeUnauthorized},
			{"an unknown owner", op, "ow_nosuch", client.CodeNotFound},
			{"the owner's own key", alice, aliceID, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := tt.c.OwnerConnections(ctx, client.OwnerAgentsOptions{Owner: tt.owner})
				if tt.want == "" {
					if err != nil {
						t.Fatalf("err = %v, want none", err)
					}
					return
				}
				if !client.IsCode(err, tt.want) {
					t.Errorf("err = %v, want %s", err, tt.want)
				}
			})
		}
	})
	t.Run("ratings show each agent's row of every board it is on", func(t *testing.T) {
		page, err := anon.OwnerRatings(ctx, client.OwnerAgentsOptions{Owner: aliceID})
		if err != nil {
			t.Fatal(err)
		}
		if page.OwnerID != aliceID || page.NextCursor != "" || len(page.Ratings) != 3 {
			t.Fatalf("page = %+v", page)
		}
		for i, r := range page.Ratings {
			if r.AgentID != order[i] {
				t.Errorf("rating %d is %s, want %s", i, r.AgentID, order[i])
			}
			switch r.AgentID {
			case sock.Agent.ID:
				// Two agents at 1000 with K 32: the winner gains 16.
				if len(r.Arenas) != 1 || r.Arenas[0].Arena != "connect4" || r.Arenas[0].Rating != 1016000 || r.Arenas[0].Elo != 1016 ||
					r.Arenas[0].Games != 1 || r.Arenas[0].Wins != 1 || r.Arenas[0].LastAt.IsZero() {
					t.Errorf("the winner's ratings = %+v", r.Arenas)
				}
			default:
				if r.Arenas == nil || len(r.Arenas) != 0 {
					t.Errorf("%s never played, ratings %#v; want empty", r.AgentID, r.Arenas)
				}
			}
		}
		var walked []string
		for r, err := range alice.AllOwnerRatings(ctx, client.OwnerAgentsOptions{Limit: 2}) {
			if err != nil {
				t.Fatal(err)
			}
			walked = append(walked, r.AgentID)
		}
		if !slices.Equal(walked, order) {
			t.Errorf("alice's own walk by pages of 2 = %v, want %v", walked, order)
		}
		if _, err := anon.OwnerRatings(ctx, client.OwnerAgentsOptions{Owner: "me"}); !client.IsCode(err, client.CodeUnauthorized) {
			t.Errorf("me without a key: err = %v, want unauthorized", err)
		}
	})
	t.Run("one agent's connection", func(t *testing.T) {
		c, err := alice.GetAgentConnection(ctx, sock.Agent.ID)
		if err != nil || c.State != "disconnected" {
			t.Errorf("GetAgentConnection = %+v, %v; want disconnected", c, err)
		}
		if _, err := alice.GetAgentConnection(ctx, hook.Agent.ID); !client.IsCode(err, client.CodeInvalid) {
			t.Errorf("a webhook agent: err = %v, want invalid", err)
		}
		if _, err := bob.GetAgentConnection(ctx, sock.Agent.ID); !client.IsCode(err, client.CodeForbidden) {
			t.Errorf("another owner: err = %v, want forbidden", err)
		}
	})
	// The client's types hold every field the node sends: decoding the
	// raw answers with unknown fields refused fails when a field is added
	// on the server and not here.
	t.Run("the types hold every field of the answers", func(t *testing.T) {
		tests := []struct {
			path string
			key  string
			into any
		}{
			{"/v1/owners/me/connections", aliceKey, &client.OwnerConnectionPage{}},
			{"/v1/owners/" + aliceID + "/ratings", "", &client.OwnerRatingPage{}},
			{"/v1/agents/" + sock.Agent.ID + "/ratings?limit=1", "", &client.RatingHistory{}},
			{"/v1/agents/" + sock.Agent.ID + "/connection", aliceKey, &struct {
				AgentID    string                 `json:"agent_id"`
				Connection client.AgentConnection `json:"connection"`
			}{}},
		}
		for _, tt := range tests {
			res, body := clienttest.Do(t, http.MethodGet, srv.URL+tt.path, tt.key, "", nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s: %s %s", tt.path, res.Status, body)
			}
			if err := strictjson.Unmarshal(body, tt.into); err != nil {
				t.Errorf("%s: %v in %s", tt.path, err, body)
			}
		}
	})
	// RatingHistory had no limit, so the current rating cost the whole
	// history (a bot's grows by a point a contest).
	t.Run("one agent's current ratings", func(t *testing.T) {
		second := srv.StartContest(t, "connect4", sock.Agent.ID, rival.Agent.ID)
		srv.Resign(t, second, sock.Agent.ID)
		h, err := anon.RecentRatings(ctx, sock.Agent.ID, "", 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(h.History) != 1 || h.History[0].Contest != second || h.Contests["connect4"] != 2 {
			t.Errorf("RecentRatings(1) = %+v; want the second contest's point alone, 2 contests counted", h)
		}
		all, err := anon.RatingHistory(ctx, sock.Agent.ID, "connect4")
		if err != nil || len(all.History) != 2 || all.History[1].Before != 1016000 {
			t.Errorf("RatingHistory = %+v, %v; want both points", all, err)
		}
	})
}
