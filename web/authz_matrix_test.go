package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/arena/runner"
	"github.com/agentarena/arena/internal/egress"
	"github.com/agentarena/arena/judges"
	"github.com/agentarena/arena/web"
)

// The authorization matrix: every route the server registers, requested
// as each kind of caller, must answer the status pinned here. The rows
// come from the server's own route table, so a route added without a row
// fails TestAuthorizationMatrix until someone decides who may call it.
//
// Each row runs against fresh identities, in this order of callers:
// anonymous, owner B (not the owner of the ids in the path), owner A's
// agent key, a trainer key, the operator, and last owner A (who owns the
// ids in the path), so a call that A may make (rotating its key, deleting
// its agent) cannot spoil the calls before it.
//
// Path parameters: owner and agent ids are owner A's and its agent's, an
// arena is "connect4", a contest or node id does not exist (so a caller
// who may look gets 404, one who may not gets 401/403 first); the
// websocket routes are called without an upgrade, so a caller who gets
// past authorization gets the handshake's 400. Writes send
// the body {}; a caller who may write then gets the validation error.
type caller int

const (
	anon caller = iota
	ownerB
	agentKey
	trainer
	operator
	ownerA
	nCallers
)

var callerNames = [nCallers]string{"anonymous", "owner B", "agent key", "trainer", "operator", "owner A"}

// row: statuses for anonymous, owner B, agent key, trainer, operator, owner A.
type row [nCallers]int

var (
	public   = row{200, 200, 200, 200, 200, 200}
	notFound = row{404, 404, 404, 404, 404, 404}
)

var authzWant = map[string]row{
	// Pages, probes and metrics: open to all.
	"GET /":          public,
	"GET /healthz":   public,
	"GET /readyz":    public,
	"GET /livez":     public,
	"GET /metrics":   public,
	"GET /ui/*file":  public, // /ui/js/app.js
	"HEAD /ui/*file": public,
	// The spectator pages (one HTML shell; the data comes from the API).
	"GET /agents/:id":          public,
	"GET /owners/:id":          public,
	"GET /arenas/:name":        public,
	"GET /contests/:id":        public,
	"GET /contests/:id/replay": public,
	"GET /ops":                 public,

	// Owners: sign-up is anonymous; a key may not sign up again.
	"POST /v1/owners":              {400, 400, 400, 400, 400, 400},
	"GET /v1/owners/me":            {401, 200, 403, 403, 403, 200},
	"POST /v1/owners/me/key":       {401, 200, 403, 403, 403, 200},
	"GET /v1/owners/:id":           {401, 403, 403, 403, 200, 200},
	"GET /v1/owners/:id/balance":   {401, 403, 403, 403, 200, 200},
	"GET /v1/owners/:id/transfers": {401, 403, 403, 403, 200, 200},
	// Connections are the owner's and the operator's to see.
	"GET /v1/owners/:id/connections": {401, 403, 403, 403, 200, 200},
	// Ratings are public, as the leaderboards are.
	"GET /v1/owners/:id/ratings": public,

	// Operator and trainer routes.
	"GET /v1/ledger/audit":        {401, 403, 403, 403, 200, 403},
	"GET /v1/preferences":         {401, 403, 403, 200, 200, 403},
	"POST /v1/trainers":           {401, 403, 403, 403, 400, 403},
	"POST /v1/ledger/grants":      {401, 403, 403, 403, 400, 403},
	"POST /v1/ledger/adjustments": {401, 403, 403, 403, 400, 403},
	"PUT /v1/ledger/settings":     {401, 403, 403, 403, 400, 403},
	"GET /v1/ledger/settings":     {401, 403, 403, 403, 200, 403},

	// Agents: reads are public; writes are the owning owner's.
	"POST /v1/agents":            {401, 400, 403, 403, 403, 400},
	"GET /v1/agents":             public,
	"GET /v1/agents/:id":         public,
	"PATCH /v1/agents/:id":       {401, 403, 403, 403, 403, 400},
	"DELETE /v1/agents/:id":      {401, 403, 403, 403, 403, 204},
	"GET /v1/agents/connect":     {401, 403, 400, 403, 403, 403},
	"POST /v1/agents/:id/queue":  {401, 403, 403, 403, 403, 400}, // {} names no arena
	"GET /v1/agents/:id/ratings": public,
	"POST /v1/agents/:id/key":    {401, 403, 403, 403, 403, 200},
	// Owner A's agent is a websocket agent: no webhook secret to rotate.
	"POST /v1/agents/:id/webhook-secret": {401, 403, 403, 403, 403, 400},
	// The owner's and the operator's to read, of webhook agents only.
	"GET /v1/agents/:id/deliveries":      {401, 403, 403, 403, 400, 400},
	"GET /v1/agents/:id/connection":      {401, 403, 403, 403, 200, 200},
	"DELETE /v1/agents/:id/queue/:arena": {401, 403, 403, 403, 403, 204},

	// Arenas: public reads, operator writes; /live is a websocket.
	"GET /v1/arenas":       public,
	"GET /v1/arenas/:name": public,
	"PUT /v1/arenas/:name": {401, 403, 403, 403, 400, 403},
	// Called on an arena that does not exist (fixedPaths): connect4's
	// deletion would depend on whether the bots are mid-contest, and would
	// take the arena from the rows after it.
	"DELETE /v1/arenas/:name":          {401, 403, 403, 403, 404, 403},
	"GET /v1/arenas/:name/leaderboard": public,
	"GET /v1/arenas/:name/live":        {400, 400, 400, 400, 400, 400},
	"GET /v1/arenas/:name/winrates":    public,
	"GET /v1/arenas/:name/trends":      public,
	"GET /v1/arenas/:name/prompts":     notFound, // connect4 has no task set

	// Contests: public reads (of a contest that does not exist here).
	"GET /v1/contests":             public,
	"GET /v1/contests/:id":         notFound,
	"GET /v1/contests/:id/stream":  notFound,
	"GET /v1/contests/:id/verdict": notFound,
	"GET /v1/contests/:id/payouts": notFound,
	"POST /v1/contests/:id/abort":  {401, 403, 403, 403, 404, 403},

	// Cluster: status is public; membership is the operator's.
	"GET /v1/cluster":              public,
	"GET /v1/cluster/read-index":   public,
	"GET /v1/cluster/progress":     public,
	"POST /v1/cluster/join":        {401, 403, 403, 403, 400, 403},
	"DELETE /v1/cluster/nodes/:id": {401, 403, 403, 403, 404, 403},
	// {} names no token: the operator gets the validation error.
	"POST /v1/cluster/operator-token": {401, 403, 403, 403, 400, 403},
	"GET /v1/cluster/snapshot":        {401, 403, 403, 403, 200, 403},
	// A follower's batched writes: anyone may send one (each write in it
	// is authorized on its own, and charged to the sender unless a member
	// signed the batch); {} is not a batch.
	"POST /v1/cluster/forward": {400, 400, 400, 400, 400, 400},

	// UI helpers.
	"GET /v1/ui/home":    public,
	"GET /v1/ui/status":  public,
	"GET /v1/ui/cluster": {401, 403, 403, 403, 200, 403},
}

// fixedPaths are rows called on a path of their own instead of fillPath's.
var fixedPaths = map[string]string{"DELETE /v1/arenas/:name": "/v1/arenas/mx-no-such-arena"}

// identities are one row's callers.
type identities struct {
	ownerA, ownerB agents.Owner
	agent          agents.Agent
	keys           [nCallers]string
}

func TestAuthorizationMatrix(t *testing.T) {
	c := arenatest.NewCluster(t, 1)
	node := c.Nodes[0]
	reg := prometheus.NewRegistry()
	rn := runner.New(runner.Config{Node: node, Tick: 20 * time.Millisecond, SeedDefaults: true,
		Judges: map[string]runner.Judge{"rubric": judges.NewRubricJudge()}, AgentEgress: egress.Any})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); rn.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	srv := web.New(web.Config{Node: node, Runner: rn, Gatherer: reg, Registerer: reg, AgentEgress: egress.Any})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	c.Eventually(10*time.Second, func() error { _, err := node.Arena("connect4"); return err })

	routes := srv.Routes()
	sort.Slice(routes, func(i, j int) bool { return routes[i].Path+routes[i].Method < routes[j].Path+routes[j].Method })
	seen := map[string]bool{}
	n := 0
	for _, r := range routes {
		name := r.Method + " " + r.Path
		seen[name] = true
		want, ok := authzWant[name]
		if !ok {
			t.Errorf("route %s has no row in authzWant (authz_matrix_test.go): decide who may call it", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			id := newIdentities(t, node, n)
			n++
			path := fillPath(r.Path, id)
			if p, ok := fixedPaths[name]; ok {
				path = p
			}
			for who := range nCallers {
				got := authzCall(t, ts.URL, r.Method, path, id.keys[who])
				if got != want[who] {
					t.Errorf("%s %s as %s: status %d, want %d", r.Method, path, callerNames[who], got, want[who])
				}
			}
		})
	}
	for name := range authzWant {
		if !seen[name] {
			t.Errorf("authzWant has a row for %s, which the server does not route", name)
		}
	}
}

// newIdentities creates owners A and B, an agent of A and a trainer.
func newIdentities(t *testing.T, node interface {
	CreateOwner(context.Context, agents.Owner, string) (agents.Owner, error)
	CreateAgent(context.Context, agents.Agent, string) (agents.Agent, error)
	CreateTrainer(context.Context, agents.Trainer, string) (agents.Trainer, error)
}, i int) identities {
	t.Helper()
	ctx := context.Background()
	var id identities
	key := func(prefix string) string {
		k, err := agents.NewKey(prefix)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	var err error
	id.keys[ownerA], id.keys[ownerB] = key(agents.OwnerKeyPrefix), key(agents.OwnerKeyPrefix)
	if id.ownerA, err = node.CreateOwner(ctx, agents.Owner{ID: fmt.Sprintf("ow_mxa%d", i), Name: "A"}, agents.HashKey(id.keys[ownerA])); err != nil {
		t.Fatal(err)
	}
	if id.ownerB, err = node.CreateOwner(ctx, agents.Owner{ID: fmt.Sprintf("ow_mxb%d", i), Name: "B"}, agents.HashKey(id.keys[ownerB])); err != nil {
		t.Fatal(err)
	}
	id.keys[agentKey] = key(agents.AgentKeyPrefix)
	if id.agent, err = node.CreateAgent(ctx, agents.Agent{ID: fmt.Sprintf("ag_mx%d", i), OwnerID: id.ownerA.ID, Name: "mx",
		Kind: agents.KindWebsocket}, agents.HashKey(id.keys[agentKey])); err != nil {
		t.Fatal(err)
	}
	id.keys[trainer] = key(agents.TrainerPrefix)
	if _, err = node.CreateTrainer(ctx, agents.Trainer{ID: fmt.Sprintf("tr_mx%d", i), Name: "T"}, agents.HashKey(id.keys[trainer])); err != nil {
		t.Fatal(err)
	}
	id.keys[operator] = arenatest.OperatorToken
	return id
}

// fillPath puts the row's ids into a route pattern.
func fillPath(pattern string, id identities) string {
	parts := strings.Split(pattern, "/")
	for i, p := range parts {
		switch {
		case p == ":id" && i > 0 && parts[i-1] == "owners":
			parts[i] = id.ownerA.ID
		case p == ":id" && i > 0 && parts[i-1] == "agents":
			parts[i] = id.agent.ID
		case p == ":id" && i > 0 && parts[i-1] == "contests":
			parts[i] = "c_doesnotexist"
		case p == ":id" && i > 0 && parts[i-1] == "nodes":
			parts[i] = "node-doesnotexist"
		case p == ":id" && i > 0 && parts[i-1] == "trainers":
			parts[i] = "tr_doesnotexist"
		case p == ":name" || p == ":arena":
			parts[i] = "connect4"
		case p == "*file":
			parts[i] = "js/app.js"
		case strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*"):
			parts[i] = "x"
		}
	}
	return strings.Join(parts, "/")
}

func authzCall(t *testing.T, base, method, path, key string) int {
	t.Helper()
	var body io.Reader
	if method != http.MethodGet && method != http.MethodHead {
		body = strings.NewReader("{}")
	}
	req, err := http.NewRequest(method, base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode
}
