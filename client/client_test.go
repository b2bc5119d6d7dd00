package client_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/agentarena/arena/client"
)

func newClient(t *testing.T, baseURL string, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.New(baseURL, opts...)
	if err != nil {
		t.Fatalf("client.New(%q): %v", baseURL, err)
	}
	return c
}

// captured is one request as seen on the wire.
type captured struct {
	method, uri, auth, contentType, userAgent, body string
}

// captureServer answers every request with status and body and remembers
// what it was sent.
func captureServer(t *testing.T, status int, body string) (*httptest.Server, func() []captured) {
	t.Helper()
	var mu sync.Mutex
	var got []captured
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, captured{r.Method, r.RequestURI, r.Header.Get("Authorization"),
			r.Header.Get("Content-Type"), r.Header.Get("User-Agent"), string(b)})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []captured {
		mu.Lock()
		defer mu.Unlock()
		return append([]captured(nil), got...)
	}
}

func TestNewValidatesTheBaseURL(t *testing.T) {
	tests := []struct {
		name    string
		baseURL string
		wantErr bool
		want    string
	}{
		{"a plain http URL is accepted", "http://localhost:8080", false, "http://localhost:8080"},
		{"a trailing slash is dropped", "https://arena.example/", false, "https://arena.example"},
		{"a path prefix is kept", "http://proxy.local/arena/", false, "http://proxy.local/arena"},
		{"a host without a scheme is rejected", "localhost:8080", true, ""},
		{"a non-http scheme is rejected", "ftp://arena.example", true, ""},
		{"a URL without a host is rejected", "http://", true, ""},
		{"an empty URL is rejected", "", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := client.New(tt.baseURL)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("New(%q) succeeded, want an error", tt.baseURL)
				}
				return
			}
			if err != nil {
				t.Fatalf("New(%q): %v", tt.baseURL, err)
			}
			if got := c.BaseURL(); got != tt.want {
				t.Errorf("BaseURL() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRequestsMatchTheWireContract(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		call     func(c *client.Client) error
		status   int
		response string
		method   string
		uri      string
		body     string
	}{
		{
			name: "create owner sends name and email",
			call: func(c *client.Client) error {
				_, err := c.CreateOwner(ctx, client.CreateOwnerRequest{Name: "alice", Email: "a@example.com"})
				return err
			},
			status: 201, response: `{"owner":{"id":"own_1"},"api_key":"aro_x"}`,
			method: "POST", uri: "/v1/owners", body: `{"name":"alice","email":"a@example.com"}`,
		},
		{
			name: "create owner omits an unset email",
			call: func(c *client.Client) error {
				_, err := c.CreateOwner(ctx, client.CreateOwnerRequest{Name: "alice"})
				return err
			},
			status: 201, response: `{"owner":{"id":"own_1"},"api_key":"aro_x"}`,
			method: "POST", uri: "/v1/owners", body: `{"name":"alice"}`,
		},
		{
			name:   "me reads the key's own owner",
			call:   func(c *client.Client) error { _, err := c.Me(ctx); return err },
			status: 200, response: `{"owner":{"id":"own_1"}}`,
			method: "GET", uri: "/v1/owners/me",
		},
		{
			name:   "get owner escapes the id as a single path segment",
			call:   func(c *client.Client) error { _, err := c.GetOwner(ctx, "own 1/x"); return err },
			status: 200, response: `{"owner":{"id":"own 1/x"}}`,
			method: "GET", uri: "/v1/owners/own%201%2Fx",
		},
		{
			name: "create agent sends only the name when nothing else is set",
			call: func(c *client.Client) error {
				_, err := c.CreateAgent(ctx, client.CreateAgentRequest{Name: "bot"})
				return err
			},
			status: 201, response: `{"agent":{"id":"agt_1"},"agent_key":"ara_x"}`,
			method: "POST", uri: "/v1/agents", body: `{"name":"bot"}`,
		},
		{
			name: "create agent sends every field of a webhook agent",
			call: func(c *client.Client) error {
				_, err := c.CreateAgent(ctx, client.CreateAgentRequest{Name: "bot", Description: "d",
					Kind: client.KindWebhook, WebhookURL: "https://hook.example/x"})
				return err
			},
			status: 201, response: `{"agent":{"id":"agt_1"},"agent_key":"ara_x"}`,
			method: "POST", uri: "/v1/agents",
			body: `{"name":"bot","description":"d","kind":"webhook","webhook_url":"https://hook.example/x"}`,
		},
		{
			name: "list agents sends owner, limit and cursor as query parameters",
			call: func(c *client.Client) error {
				_, err := c.ListAgents(ctx, client.ListAgentsOptions{Owner: "me", Limit: 10, Cursor: "c/2"})
				return err
			},
			status: 200, response: `{"agents":[]}`,
			method: "GET", uri: "/v1/agents?cursor=c%2F2&limit=10&owner=me",
		},
		{
			name:   "list agents without options sends no query",
			call:   func(c *client.Client) error { _, err := c.ListAgents(ctx, client.ListAgentsOptions{}); return err },
			status: 200, response: `{"agents":[]}`,
			method: "GET", uri: "/v1/agents",
		},
		{
			name:   "get agent addresses the agent by id",
			call:   func(c *client.Client) error { _, err := c.GetAgent(ctx, "agt_1"); return err },
			status: 200, response: `{"agent":{"id":"agt_1"}}`,
			method: "GET", uri: "/v1/agents/agt_1",
		},
		{
			name: "update agent sends only the fields that are set",
			call: func(c *client.Client) error {
				_, err := c.UpdateAgent(ctx, "agt_1", client.UpdateAgentRequest{Name: new("renamed")})
				return err
			},
			status: 200, response: `{"agent":{"id":"agt_1"}}`,
			method: "PATCH", uri: "/v1/agents/agt_1", body: `{"name":"renamed"}`,
		},
		{
			name: "update agent sends an empty string to clear a field",
			call: func(c *client.Client) error {
				_, err := c.UpdateAgent(ctx, "agt_1", client.UpdateAgentRequest{Description: new(""),
					Kind: new(client.KindWebSocket), WebhookURL: new("")})
				return err
			},
			status: 200, response: `{"agent":{"id":"agt_1"}}`,
			method: "PATCH", uri: "/v1/agents/agt_1", body: `{"description":"","kind":"websocket","webhook_url":""}`,
		},
		{
			name:   "delete agent sends no body and accepts 204",
			call:   func(c *client.Client) error { return c.DeleteAgent(ctx, "agt_1") },
			status: 204,
			method: "DELETE", uri: "/v1/agents/agt_1",
		},
		{
			name:   "a default cluster read sends no consistency parameter",
			call:   func(c *client.Client) error { _, err := c.Cluster(ctx, false); return err },
			status: 200, response: `{"node_id":"n1"}`,
			method: "GET", uri: "/v1/cluster",
		},
		{
			name:   "a linearizable cluster read asks for it in the query",
			call:   func(c *client.Client) error { _, err := c.Cluster(ctx, true); return err },
			status: 200, response: `{"node_id":"n1"}`,
			method: "GET", uri: "/v1/cluster?consistency=linearizable",
		},
		{
			name: "join sends the node's id and both addresses",
			call: func(c *client.Client) error {
				_, err := c.Join(ctx, client.JoinRequest{NodeID: "n4", RaftAddr: "10.0.0.4:7000", HTTPAddr: "10.0.0.4:8080"})
				return err
			},
			status: 200, response: `{"nodes":[]}`,
			method: "POST", uri: "/v1/cluster/join",
			body: `{"node_id":"n4","raft_addr":"10.0.0.4:7000","http_addr":"10.0.0.4:8080"}`,
		},
		{
			name:   "remove node addresses the node by id",
			call:   func(c *client.Client) error { return c.RemoveNode(ctx, "n3", false) },
			status: 204,
			method: "DELETE", uri: "/v1/cluster/nodes/n3",
		},
		{
			name: "create agent sends an openai agent's endpoint and API key",
			call: func(c *client.Client) error {
				_, err := c.CreateAgent(ctx, client.CreateAgentRequest{Name: "gpt", Kind: client.KindOpenAI,
					Endpoint: &client.ModelEndpoint{BaseURL: "http://m.example/v1", Model: "tiny", Temperature: new(0.0), MaxTokens: 64},
					APIKey:   "sk-x"})
				return err
			},
			status: 201, response: `{"agent":{"id":"agt_1"},"agent_key":"ara_x"}`,
			method: "POST", uri: "/v1/agents",
			body: `{"name":"gpt","kind":"openai","endpoint":{"base_url":"http://m.example/v1","model":"tiny","temperature":0,"max_tokens":64},"api_key":"sk-x"}`,
		},
		{
			name: "update agent sends a new endpoint and an empty API key to remove it",
			call: func(c *client.Client) error {
				_, err := c.UpdateAgent(ctx, "agt_1", client.UpdateAgentRequest{
					Endpoint: &client.ModelEndpoint{BaseURL: "http://m/v1", Model: "m"}, APIKey: new("")})
				return err
			},
			status: 200, response: `{"agent":{"id":"agt_1"}}`,
			method: "PATCH", uri: "/v1/agents/agt_1", body: `{"endpoint":{"base_url":"http://m/v1","model":"m"},"api_key":""}`,
		},
		{
			name:   "balance of me reads the key owner's wallet",
			call:   func(c *client.Client) error { _, err := c.Balance(ctx, "me"); return err },
			status: 200, response: `{"owner_id":"own_1","balance":1}`,
			method: "GET", uri: "/v1/owners/me/balance",
		},
		{
			name:   "balance of an owner escapes the id",
			call:   func(c *client.Client) error { _, err := c.Balance(ctx, "own 1/x"); return err },
			status: 200, response: `{"owner_id":"own 1/x","balance":1}`,
			method: "GET", uri: "/v1/owners/own%201%2Fx/balance",
		},
		{
			name: "list transfers sends limit and cursor",
			call: func(c *client.Client) error {
				_, err := c.ListTransfers(ctx, client.ListTransfersOptions{Owner: "own_1", Limit: 5, Cursor: "17"})
				return err
			},
			status: 200, response: `{"owner_id":"own_1","transfers":[]}`,
			method: "GET", uri: "/v1/owners/own_1/transfers?cursor=17&limit=5",
		},
		{
			name: "grant sends the transfer id, owner, amount and memo",
			call: func(c *client.Client) error {
				_, err := c.Grant(ctx, client.GrantRequest{ID: "g-1", OwnerID: "own_1", Amount: 250, Memo: "prize"})
				return err
			},
			status: 200, response: `{"transfer":{"id":"g-1"}}`,
			method: "POST", uri: "/v1/ledger/grants", body: `{"id":"g-1","owner_id":"own_1","amount":250,"memo":"prize"}`,
		},
		{
			name: "adjust omits an unset id and memo",
			call: func(c *client.Client) error {
				_, err := c.Adjust(ctx, client.GrantRequest{OwnerID: "own_1", Amount: -5})
				return err
			},
			status: 200, response: `{"transfer":{"id":"adjust_1"}}`,
			method: "POST", uri: "/v1/ledger/adjustments", body: `{"owner_id":"own_1","amount":-5}`,
		},
		{
			name:   "audit reads the ledger audit",
			call:   func(c *client.Client) error { _, err := c.Audit(ctx); return err },
			status: 200, response: `{"audit":{"ok":true},"node_id":"n1"}`,
			method: "GET", uri: "/v1/ledger/audit",
		},
		{
			name: "ledger settings are put whole",
			call: func(c *client.Client) error {
				_, err := c.SetLedgerSettings(ctx, client.LedgerSettings{StartingGrant: 0, Currency: "ARC"})
				return err
			},
			status: 200, response: `{"settings":{"starting_grant":0,"currency":"ARC"}}`,
			method: "PUT", uri: "/v1/ledger/settings", body: `{"starting_grant":0,"currency":"ARC"}`,
		},
		{
			name:   "ledger settings are read",
			call:   func(c *client.Client) error { _, err := c.LedgerSettings(ctx); return err },
			status: 200, response: `{"settings":{"starting_grant":100000,"currency":"ARC"}}`,
			method: "GET", uri: "/v1/ledger/settings",
		},
		{
			name:   "list arenas reads the collection",
			call:   func(c *client.Client) error { _, err := c.ListArenas(ctx); return err },
			status: 200, response: `{"arenas":[]}`,
			method: "GET", uri: "/v1/arenas",
		},
		{
			name:   "get arena addresses it by name",
			call:   func(c *client.Client) error { _, err := c.GetArena(ctx, "connect4"); return err },
			status: 200, response: `{"arena":{"name":"connect4"}}`,
			method: "GET", uri: "/v1/arenas/connect4",
		},
		{
			name: "put arena sends null rewards for the default and keeps an explicit zero grace",
			call: func(c *client.Client) error {
				_, err := c.PutArena(ctx, "duel", client.PutArenaRequest{Game: "prompt", Seats: 2, GraceMS: new(int64(0))})
				return err
			},
			status: 200, response: `{"arena":{"name":"duel"}}`,
			method: "PUT", uri: "/v1/arenas/duel", body: `{"game":"prompt","seats":2,"grace_ms":0,"rewards":null}`,
		},
		{
			name:   "leaderboard asks for the ranking method",
			call:   func(c *client.Client) error { _, err := c.Leaderboard(ctx, "connect4", client.RankBT); return err },
			status: 200, response: `{"arena":"connect4","method":"bt","entries":[]}`,
			method: "GET", uri: "/v1/arenas/connect4/leaderboard?method=bt",
		},
		{
			name:   "leaderboard leaves the default method to the server",
			call:   func(c *client.Client) error { _, err := c.Leaderboard(ctx, "connect4", ""); return err },
			status: 200, response: `{"arena":"connect4","method":"elo","entries":[]}`,
			method: "GET", uri: "/v1/arenas/connect4/leaderboard",
		},
		{
			name:   "prompts read an arena's task set",
			call:   func(c *client.Client) error { _, err := c.Prompts(ctx, "prompt"); return err },
			status: 200, response: `{"arena":"prompt","game":"prompt","prompts":[]}`,
			method: "GET", uri: "/v1/arenas/prompt/prompts",
		},
		{
			name: "put arena sends the ranking fields",
			call: func(c *client.Client) error {
				_, err := c.PutArena(ctx, "duel", client.PutArenaRequest{Game: "prompt", Seats: 2, RankBy: client.RankElo, ProvisionalGames: 4, VoidAllForfeit: new(false)})
				return err
			},
			status: 200, response: `{"arena":{"name":"duel"}}`,
			method: "PUT", uri: "/v1/arenas/duel", body: `{"game":"prompt","seats":2,"rewards":null,"rank_by":"elo","provisional_games":4,"void_all_forfeit":false}`,
		},
		{
			name: "list contests sends every filter",
			call: func(c *client.Client) error {
				_, err := c.ListContests(ctx, client.ListContestsOptions{Arena: "connect4", Agent: "agt_1",
					Status: client.ContestSettled, Limit: 20, Cursor: "ct_9"})
				return err
			},
			status: 200, response: `{"contests":[]}`,
			method: "GET", uri: "/v1/contests?agent=agt_1&arena=connect4&cursor=ct_9&limit=20&status=settled",
		},
		{
			name:   "get contest addresses it by id",
			call:   func(c *client.Client) error { _, err := c.GetContest(ctx, "ct_1"); return err },
			status: 200, response: `{"contest":{"id":"ct_1"},"view":null,"events":[]}`,
			method: "GET", uri: "/v1/contests/ct_1",
		},
		{
			name:   "contest payouts reads the contest's transfers",
			call:   func(c *client.Client) error { _, err := c.ContestPayouts(ctx, "ct_1"); return err },
			status: 200, response: `{"contest":"ct_1","status":"settled","transfers":[]}`,
			method: "GET", uri: "/v1/contests/ct_1/payouts",
		},
		{
			name:   "abort contest sends an empty object when no reason is given",
			call:   func(c *client.Client) error { return c.AbortContest(ctx, "ct_1", "") },
			status: 204,
			method: "POST", uri: "/v1/contests/ct_1/abort", body: `{}`,
		},
		{
			name:   "abort contest sends the reason",
			call:   func(c *client.Client) error { return c.AbortContest(ctx, "ct_1", "stuck") },
			status: 204,
			method: "POST", uri: "/v1/contests/ct_1/abort", body: `{"reason":"stuck"}`,
		},
		{
			name:   "queue agent sends the arena",
			call:   func(c *client.Client) error { _, err := c.QueueAgent(ctx, "agt_1", "connect4"); return err },
			status: 200, response: `{"ticket":{"arena":"connect4","agent_id":"agt_1"}}`,
			method: "POST", uri: "/v1/agents/agt_1/queue", body: `{"arena":"connect4"}`,
		},
		{
			name:   "unqueue agent addresses the arena in the path",
			call:   func(c *client.Client) error { return c.UnqueueAgent(ctx, "agt_1", "connect4") },
			status: 204,
			method: "DELETE", uri: "/v1/agents/agt_1/queue/connect4",
		},
		{
			name:   "a linearizable client asks every read for it",
			call:   func(c *client.Client) error { _, err := c.Linearizable().Balance(ctx, "me"); return err },
			status: 200, response: `{"owner_id":"own_1","balance":1}`,
			method: "GET", uri: "/v1/owners/me/balance?consistency=linearizable",
		},
		{
			name: "a linearizable read keeps its own query",
			call: func(c *client.Client) error {
				_, err := c.Linearizable().ListContests(ctx, client.ListContestsOptions{Status: client.ContestRunning, Limit: 500})
				return err
			},
			status: 200, response: `{"contests":[]}`,
			method: "GET", uri: "/v1/contests?consistency=linearizable&limit=500&status=running",
		},
		{
			name:   "a linearizable client sends writes as they are",
			call:   func(c *client.Client) error { return c.Linearizable().AbortContest(ctx, "ct_1", "") },
			status: 204,
			method: "POST", uri: "/v1/contests/ct_1/abort", body: `{}`,
		},
		{
			name:   "a linearizable client leaves the probes alone",
			call:   func(c *client.Client) error { return c.Linearizable().Health(ctx) },
			status: 200, response: `{"status":"ok"}`,
			method: "GET", uri: "/healthz",
		},
		{
			name:   "arena list reads the collection with its queue depths",
			call:   func(c *client.Client) error { _, err := c.ArenaList(ctx); return err },
			status: 200, response: `{"arenas":[],"queued":{}}`,
			method: "GET", uri: "/v1/arenas",
		},
		{
			name:   "metrics reads the exposition text",
			call:   func(c *client.Client) error { _, err := c.Metrics(ctx); return err },
			status: 200, response: "arena_up 1\n",
			method: "GET", uri: "/metrics",
		},
		{
			name:   "health reads healthz",
			call:   func(c *client.Client) error { return c.Health(ctx) },
			status: 200, response: `{"status":"ok"}`,
			method: "GET", uri: "/healthz",
		},
		{
			name:   "ready reads readyz",
			call:   func(c *client.Client) error { _, err := c.Ready(ctx); return err },
			status: 200, response: `{"status":"ready"}`,
			method: "GET", uri: "/readyz",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, requests := captureServer(t, tt.status, tt.response)
			c := newClient(t, srv.URL, client.WithKey("aro_secret"))
			if err := tt.call(c); err != nil {
				t.Fatalf("call failed: %v", err)
			}
			got := requests()
			if len(got) != 1 {
				t.Fatalf("server saw %d requests, want 1", len(got))
			}
			r := got[0]
			if r.method != tt.method || r.uri != tt.uri {
				t.Errorf("request = %s %s, want %s %s", r.method, r.uri, tt.method, tt.uri)
			}
			if r.body != tt.body {
				t.Errorf("body = %s, want %s", r.body, tt.body)
			}
			wantCT := ""
			if tt.body != "" {
				wantCT = "application/json"
			}
			if r.contentType != wantCT {
				t.Errorf("Content-Type = %q, want %q", r.contentType, wantCT)
			}
			if r.auth != "Bearer aro_secret" {
				t.Errorf("Authorization = %q, want the bearer key", r.auth)
			}
		})
	}
}

func TestHeadersReflectTheOptions(t *testing.T) {
	tests := []struct {
		name     string
		opts     []client.Option
		wantAuth string
		wantUA   string
	}{
		{"a client without a key sends no Authorization header", nil, "", client.DefaultUserAgent},
		{"a client with a key sends it as a bearer token", []client.Option{client.WithKey("op-token")}, "Bearer op-token", client.DefaultUserAgent},
		{"a custom user agent replaces the default", []client.Option{client.WithUserAgent("arenactl/dev")}, "", "arenactl/dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, requests := captureServer(t, 200, `{"status":"ok"}`)
			if err := newClient(t, srv.URL, tt.opts...).Health(context.Background()); err != nil {
				t.Fatal(err)
			}
			r := requests()[0]
			if r.auth != tt.wantAuth || r.userAgent != tt.wantUA {
				t.Errorf("Authorization %q, User-Agent %q; want %q, %q", r.auth, r.userAgent, tt.wantAuth, tt.wantUA)
			}
		})
	}
	t.Run("a custom http client carries the requests", func(t *testing.T) {
		srv, _ := captureServer(t, 200, `{"status":"ok"}`)
		var used bool
		hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			used = true
			return http.DefaultTransport.RoundTrip(r)
		})}
		if err := newClient(t, srv.URL, client.WithHTTPClient(hc)).Health(context.Background()); err != nil {
			t.Fatal(err)
		}
		if !used {
			t.Error("the custom http.Client was not used")
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestEmptyIDsAreRejectedBeforeAnyRequest(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		call func(c *client.Client) error
	}{
		{"get owner with an empty id", func(c *client.Client) error { _, err := c.GetOwner(ctx, ""); return err }},
		{"get agent with an empty id", func(c *client.Client) error { _, err := c.GetAgent(ctx, ""); return err }},
		{"update agent with an empty id", func(c *client.Client) error {
			_, err := c.UpdateAgent(ctx, "", client.UpdateAgentRequest{Name: new("x")})
			return err
		}},
		{"delete agent with an empty id", func(c *client.Client) error { return c.DeleteAgent(ctx, "") }},
		{"remove node with an empty id", func(c *client.Client) error { return c.RemoveNode(ctx, "", false) }},
		{"get arena with an empty name", func(c *client.Client) error { _, err := c.GetArena(ctx, ""); return err }},
		{"leaderboard with an empty arena", func(c *client.Client) error { _, err := c.Leaderboard(ctx, "", ""); return err }},
		{"get contest with an empty id", func(c *client.Client) error { _, err := c.GetContest(ctx, ""); return err }},
		{"contest payouts with an empty id", func(c *client.Client) error { _, err := c.ContestPayouts(ctx, ""); return err }},
		{"abort contest with an empty id", func(c *client.Client) error { return c.AbortContest(ctx, "", "") }},
		{"queue with an empty agent id", func(c *client.Client) error { _, err := c.QueueAgent(ctx, "", "connect4"); return err }},
		{"unqueue with an empty arena", func(c *client.Client) error { return c.UnqueueAgent(ctx, "agt_1", "") }},
	}
	for _, tt := range tests {
		t.Run(tt.name+" fails locally", func(t *testing.T) {
			srv, requests := captureServer(t, 200, `{}`)
			err := tt.call(newClient(t, srv.URL))
			if err == nil || !strings.Contains(err.Error(), "id is required") {
				t.Errorf("err = %v, want an 'id is required' error", err)
			}
			if n := len(requests()); n != 0 {
				t.Errorf("server saw %d requests, want none", n)
			}
		})
	}
}
