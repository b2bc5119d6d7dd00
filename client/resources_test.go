package client_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/client/clienttest"
)

func TestResponsesDecodeIntoTypedValues(t *testing.T) {
	ctx := context.Background()
	created := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	t.Run("an agent decodes every documented field", func(t *testing.T) {
		srv, _ := captureServer(t, 200, `{"agent":{"id":"agt_1","owner_id":"own_1","name":"bot",
			"description":"plays chess","kind":"webhook","webhook_url":"https://h.example/x","version":7,
			"created_at":"2025-03-04T05:06:07Z","updated_at":"2025-03-04T06:06:07+01:00"}}`)
		a, err := newClient(t, srv.URL).GetAgent(ctx, "agt_1")
		if err != nil {
			t.Fatal(err)
		}
		want := client.Agent{ID: "agt_1", OwnerID: "own_1", Name: "bot", Description: "plays chess",
			Kind: client.KindWebhook, WebhookURL: "https://h.example/x", Version: 7, CreatedAt: created}
		got := *a
		if !got.UpdatedAt.Equal(created.Add(0)) {
			t.Errorf("UpdatedAt = %v, want the same instant as %v", got.UpdatedAt, created)
		}
		got.UpdatedAt = time.Time{}
		if got != want {
			t.Errorf("agent = %+v\nwant    %+v", got, want)
		}
	})
	t.Run("a cluster status decodes the leader and every node", func(t *testing.T) {
		srv, _ := captureServer(t, 200, `{"node_id":"n2","state":"Follower","term":18446744073709551615,
			"commit_index":10,"applied_index":9,"last_log_index":11,"state_hash":"ab12",
			"leader":{"id":"n1","raft_addr":"r1","http_addr":"h1"},
			"nodes":[{"id":"n1","raft_addr":"r1","http_addr":"h1","suffrage":"Voter","leader":true},
			         {"id":"n2","raft_addr":"r2","http_addr":"h2","suffrage":"Nonvoter","leader":false}]}`)
		st, err := newClient(t, srv.URL).Cluster(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		if st.NodeID != "n2" || st.State != client.StateFollower || st.Term != 1<<64-1 ||
			st.CommitIndex != 10 || st.AppliedIndex != 9 || st.LastLogIndex != 11 || st.StateHash != "ab12" {
			t.Errorf("status = %+v", st)
		}
		if st.Leader == nil || *st.Leader != (client.NodeAddr{ID: "n1", RaftAddr: "r1", HTTPAddr: "h1"}) {
			t.Errorf("leader = %+v", st.Leader)
		}
		want := []client.Node{{ID: "n1", RaftAddr: "r1", HTTPAddr: "h1", Suffrage: "Voter", Leader: true},
			{ID: "n2", RaftAddr: "r2", HTTPAddr: "h2", Suffrage: "Nonvoter"}}
		if fmt.Sprint(st.Nodes) != fmt.Sprint(want) {
			t.Errorf("nodes = %+v, want %+v", st.Nodes, want)
		}
	})
}

func TestOwnerAndAgentLifecycleAgainstARealNode(t *testing.T) {
	ctx := context.Background()
	srv := clienttest.NewServer(t)
	anon := newClient(t, srv.URL)

	reg, err := anon.CreateOwner(ctx, client.CreateOwnerRequest{Name: "alice", Email: "alice@example.com"})
	if err != nil {
		t.Fatalf("CreateOwner: %v", err)
	}
	if reg.APIKey == "" || reg.Owner.ID == "" || reg.Owner.CreatedAt.IsZero() {
		t.Fatalf("CreateOwner returned %+v", reg)
	}
	alice := newClient(t, srv.URL, client.WithKey(reg.APIKey))

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"the new key identifies its owner", func(t *testing.T) {
			me, err := alice.Me(ctx)
			if err != nil || me.ID != reg.Owner.ID || me.Email != "alice@example.com" {
				t.Fatalf("Me = %+v, %v", me, err)
			}
		}},
		{"an anonymous caller cannot read the owner", func(t *testing.T) {
			_, err := anon.GetOwner(ctx, reg.Owner.ID)
			if !client.IsCode(err, client.CodeUnauthorized) {
				t.Fatalf("err = %v, want unauthorized", err)
			}
		}},
		{"an agent is created, changed, read back and deleted", func(t *testing.T) {
			created, err := alice.CreateAgent(ctx, client.CreateAgentRequest{Name: "bot"})
			if err != nil {
				t.Fatalf("CreateAgent: %v", err)
			}
			if created.AgentKey == "" || created.Agent.Kind != client.KindWebSocket || created.Agent.OwnerID != reg.Owner.ID {
				t.Fatalf("CreateAgent = %+v", created)
			}
			id := created.Agent.ID
			updated, err := alice.UpdateAgent(ctx, id, client.UpdateAgentRequest{
				Kind: new(client.KindWebhook), WebhookURL: new("https://hook.example/bot")})
			if err != nil {
				t.Fatalf("UpdateAgent: %v", err)
			}
			if updated.Version != created.Agent.Version+1 || updated.Name != "bot" || updated.Kind != client.KindWebhook {
				t.Fatalf("UpdateAgent = %+v", updated)
			}
			got, err := alice.GetAgent(ctx, id)
			if err != nil || *got != *updated {
				t.Fatalf("GetAgent = %+v, %v; want %+v", got, err, updated)
			}
			public, err := anon.GetAgent(ctx, id)
			if err != nil || public.Name != "bot" || public.WebhookURL != "" {
				t.Fatalf("anonymous GetAgent = %+v, %v; want the agent without its webhook URL", public, err)
			}
			if err := alice.DeleteAgent(ctx, id); err != nil {
				t.Fatalf("DeleteAgent: %v", err)
			}
			if _, err := alice.GetAgent(ctx, id); !client.IsCode(err, client.CodeNotFound) {
				t.Fatalf("GetAgent after delete: err = %v, want not_found", err)
			}
		}},
		{"a duplicate agent name is a conflict", func(t *testing.T) {
			if _, err := alice.CreateAgent(ctx, client.CreateAgentRequest{Name: "twin"}); err != nil {
				t.Fatal(err)
			}
			_, err := alice.CreateAgent(ctx, client.CreateAgentRequest{Name: "twin"})
			if !client.IsCode(err, client.CodeConflict) {
				t.Fatalf("err = %v, want conflict", err)
			}
		}},
	}
	for _, s := range steps {
		t.Run(s.name, s.run)
	}
}

func TestNotLeaderAnswersAreRetried(t *testing.T) {
	t.Run("a write succeeds once a leader is elected", func(t *testing.T) {
		// An election cannot be timed to the request, so a stub answers the
		// first two attempts the way a node without a leader does.
		var mu sync.Mutex
		var bodies []string
		stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			bodies = append(bodies, string(b))
			n := len(bodies)
			mu.Unlock()
			if n <= 2 {
				w.WriteHeader(http.StatusMisdirectedRequest)
				io.WriteString(w, `{"error":{"code":"not_leader","message":"no leader is elected right now; retry shortly"}}`)
				return
			}
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"owner":{"id":"own_1"},"api_key":"aro_x"}`)
		}))
		t.Cleanup(stub.Close)
		c := newClient(t, stub.URL, client.WithNotLeaderRetry(3, time.Millisecond))
		if _, err := c.CreateOwner(context.Background(), client.CreateOwnerRequest{Name: "alice"}); err != nil {
			t.Fatalf("CreateOwner: %v", err)
		}
		if fmt.Sprint(bodies) != `[{"name":"alice"} {"name":"alice"} {"name":"alice"}]` {
			t.Errorf("attempts sent %q; every retry must resend the full body", bodies)
		}
	})
	tests := []struct {
		name         string
		retries      int
		wantRequests int
	}{
		{"a write fails with not_leader when retries run out", 3, 4},
		{"a write is sent once when retrying is disabled", 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := clienttest.NewLeaderlessServer(t)
			c := newClient(t, srv.URL, client.WithNotLeaderRetry(tt.retries, time.Millisecond))

			_, err := c.CreateOwner(context.Background(), client.CreateOwnerRequest{Name: "alice"})

			if !client.IsCode(err, client.CodeNotLeader) {
				t.Fatalf("err = %v, want not_leader", err)
			}
			reqs := srv.Requests()
			if len(reqs) != tt.wantRequests {
				t.Fatalf("server saw %d requests, want %d", len(reqs), tt.wantRequests)
			}
			for i, r := range reqs {
				if r.Body != `{"name":"alice"}` {
					t.Errorf("attempt %d sent body %q; every retry must resend the full body", i+1, r.Body)
				}
			}
		})
	}
	t.Run("a node without a leader is not ready, and says why", func(t *testing.T) {
		srv := clienttest.NewLeaderlessServer(t)
		r, err := newClient(t, srv.URL).Ready(context.Background())
		if err != nil || r.IsReady() || r.Reason == "" {
			t.Errorf("Ready = %+v, %v; want not ready with a reason", r, err)
		}
	})
}

func TestAllAgentsFollowsCursors(t *testing.T) {
	ctx := context.Background()
	srv := clienttest.NewServer(t)
	_, key := srv.AddOwner(t, "alice", "")
	c := newClient(t, srv.URL, client.WithKey(key))
	// Agents list in id order.
	var ids []string
	names := map[string]string{}
	for i := range 5 {
		a, err := c.CreateAgent(ctx, client.CreateAgentRequest{Name: fmt.Sprintf("bot%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.Agent.ID)
		names[a.Agent.ID] = a.Agent.Name
	}
	slices.Sort(ids)
	inOrder := func(n int) string {
		var out []string
		for _, id := range ids[:n] {
			out = append(out, names[id])
		}
		return fmt.Sprint(out)
	}
	tests := []struct {
		name         string
		pageSize     int
		stopAfter    int
		wantNames    string
		wantRequests int
	}{
		{"every page is fetched in order", 2, 0, inOrder(5), 3},
		{"one large page needs a single request", 100, 0, inOrder(5), 1},
		{"breaking out of the loop stops fetching", 2, 3, inOrder(3), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.Requests())
			var names []string
			for a, err := range c.AllAgents(ctx, client.ListAgentsOptions{Owner: "me", Limit: tt.pageSize}) {
				if err != nil {
					t.Fatal(err)
				}
				names = append(names, a.Name)
				if len(names) == tt.stopAfter {
					break
				}
			}
			if got := fmt.Sprint(names); got != tt.wantNames {
				t.Errorf("names = %s, want %s", got, tt.wantNames)
			}
			if n := len(srv.Requests()) - before; n != tt.wantRequests {
				t.Errorf("made %d requests, want %d", n, tt.wantRequests)
			}
		})
	}
	t.Run("a server that repeats a cursor is reported instead of looping", func(t *testing.T) {
		srv, _ := captureServer(t, 200, `{"agents":[{"id":"agt_1"}],"next_cursor":"same"}`)
		var count int
		var last error
		for _, err := range newClient(t, srv.URL).AllAgents(ctx, client.ListAgentsOptions{}) {
			count++
			last = err
		}
		if last == nil || count != 3 {
			t.Errorf("got %d items ending in %v; want 2 agents then a repeated-cursor error", count, last)
		}
	})
}

func TestReadyReportsANotReadyNodeAsAValue(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		wantReady bool
		wantWhy   string
		wantCode  string
	}{
		{"a 200 means ready", 200, `{"status":"ready"}`, true, "", ""},
		{"a 503 readiness body is a not-ready answer, not an error", 503, `{"status":"not_ready","reason":"no leader"}`, false, "no leader", ""},
		{"a 503 error body is an error", 503, `{"error":{"code":"unavailable","message":"shutting down"}}`, false, "", client.CodeUnavailable},
		{"a 503 page that is not JSON is an error", 503, "<html>down</html>", false, "", client.CodeUnavailable},
		{"another status is an error", 500, `{"error":{"code":"internal","message":"boom"}}`, false, "", client.CodeInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}))
			defer srv.Close()
			r, err := newClient(t, srv.URL).Ready(context.Background())
			if tt.wantCode != "" {
				if !client.IsCode(err, tt.wantCode) {
					t.Fatalf("err = %v, want code %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.IsReady() != tt.wantReady || r.Reason != tt.wantWhy {
				t.Errorf("readiness = %+v, want ready=%v reason=%q", r, tt.wantReady, tt.wantWhy)
			}
		})
	}
}
