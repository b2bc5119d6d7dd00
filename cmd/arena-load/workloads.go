package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/agentarena/arena/internal/httpjson"
)

// valueBytes is the size of every written value: etcd's value, the
// grant's memo and the agent's description.
const valueBytes = 256

// value is valueBytes of printable text, the same for every request.
var value = strings.Repeat("v", valueBytes)

// etcdPut writes a random key of a 100,000-key space through etcd's JSON
// gateway (POST /v3/kv/put), as etcd's own `benchmark put` does over gRPC.
type etcdPut struct {
	urls []string
	val  string // base64 of value
}

func newEtcdPut(urls []string) *etcdPut {
	return &etcdPut{urls: urls, val: base64.StdEncoding.EncodeToString([]byte(value))}
}

func (e *etcdPut) name() string { return "etcd put" }

func (e *etcdPut) next(c, n int) request {
	key := base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "key%08d", rand.IntN(100000)))
	return request{method: http.MethodPost, url: e.urls[c%len(e.urls)] + "/v3/kv/put",
		header: httpjson.Header(""), body: fmt.Appendf(nil, `{"key":%q,"value":%q}`, key, e.val)}
}

// arenaGrant pays 1 minor unit to an owner with the operator token
// (POST /v1/ledger/grants), each grant with its own transfer id.
type arenaGrant struct {
	urls  []string
	token string
	owner string
	run   string // makes transfer ids unique across runs on one cluster
}

func (g *arenaGrant) name() string { return "arena grant" }

func (g *arenaGrant) next(c, n int) request {
	body, _ := json.Marshal(map[string]any{"id": fmt.Sprintf("bench-%s-%d-%d", g.run, c, n),
		"owner_id": g.owner, "amount": 1, "memo": value})
	return request{method: http.MethodPost, url: g.urls[c%len(g.urls)] + "/v1/ledger/grants",
		header: httpjson.Header(g.token), body: body}
}

// arenaAgentUpdate changes an agent's description with its owner's key
// (PATCH /v1/agents/{id}); client c updates agent c mod len(agents).
type arenaAgentUpdate struct {
	urls   []string
	key    string
	agents []string
}

func (a *arenaAgentUpdate) name() string { return "arena agent update" }

func (a *arenaAgentUpdate) next(c, n int) request {
	// The description changes on every write, so none is a no-op.
	desc := fmt.Sprintf("%08d", n) + value[8:]
	body, _ := json.Marshal(map[string]string{"description": desc})
	return request{method: http.MethodPatch, url: a.urls[c%len(a.urls)] + "/v1/agents/" + a.agents[c%len(a.agents)],
		header: httpjson.Header(a.key), body: body}
}

// setupArena signs up one owner (the trusted client whose key makes the
// agent updates) with agents websocket agents, through urls[0].
func setupArena(ctx context.Context, hc *http.Client, url string, agents int) (owner, key string, ids []string, err error) {
	var o struct {
		Owner struct {
			ID string `json:"id"`
		} `json:"owner"`
		APIKey string `json:"api_key"`
	}
	name := fmt.Sprintf("bench%d", time.Now().UnixNano()%1e9)
	if err := httpjson.Post(ctx, hc, url+"/v1/owners", "", map[string]string{"name": name}, &o); err != nil {
		return "", "", nil, fmt.Errorf("sign up the bench owner: %w", err)
	}
	for i := range agents {
		var a struct {
			Agent struct {
				ID string `json:"id"`
			} `json:"agent"`
		}
		req := map[string]string{"name": fmt.Sprintf("%s-a%d", name, i), "kind": "websocket", "description": value}
		if err := httpjson.Post(ctx, hc, url+"/v1/agents", o.APIKey, req, &a); err != nil {
			return "", "", nil, fmt.Errorf("register bench agent %d: %w", i, err)
		}
		ids = append(ids, a.Agent.ID)
	}
	return o.Owner.ID, o.APIKey, ids, nil
}
