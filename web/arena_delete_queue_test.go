package web_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/internal/syncbuf"
	"github.com/agentarena/arena/web"
)

// TestDeletingAnArenaTellsItsQueuedAgents: the operator's delete drops the
// arena's queue. A websocket agent waiting there, queued by its own queue
// frame or by its owner (keep), is told with an unqueued frame naming the
// arena and the reason, rather than left waiting for a contest that cannot
// come; its connection stays open to queue elsewhere. A webhook agent's
// ticket just goes, with nothing logged.
func TestDeletingAnArenaTellsItsQueuedAgents(t *testing.T) {
	var logs syncbuf.Buffer
	// limCluster, for its logger; the sealer lets a webhook agent be
	// created (its runner never calls the webhook here).
	sealer := testSealer(t)
	ln := limCluster(t, limOptions{logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
		web: func(c *web.Config) { c.Sealer = sealer }})
	base := ln.url
	ids := plAgents(t, base, "waiter", "kept")
	// Four seats, three tickets: nobody is matched before the delete.
	if code := plHTTP(t, "PUT", base+"/v1/arenas/doomed", plOperator, map[string]any{"game": "prompt", "seats": 4}, nil); code != 200 {
		t.Fatalf("put: %d", code)
	}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the webhook agent was called: %s %s", r.Method, r.URL)
		http.Error(w, "no", http.StatusTeapot)
	}))
	defer hook.Close()
	var o struct {
		APIKey string `json:"api_key"`
	}
	plHTTP(t, "POST", base+"/v1/owners", "", map[string]string{"name": "hooker"}, &o)
	var hooky struct {
		Agent struct{ ID string } `json:"agent"`
	}
	if code := plHTTP(t, "POST", base+"/v1/agents", o.APIKey, map[string]string{"name": "hooky", "kind": "webhook", "webhook_url": hook.URL + "/turn"}, &hooky); code != 201 {
		t.Fatalf("create webhook agent: %d", code)
	}

	waiter := plDial(t, base+"/v1/agents/connect", ids[0].agentKey)
	kept := plDial(t, base+"/v1/agents/connect", ids[1].agentKey)
	waiter.expect("hello", 5*time.Second)
	kept.expect("hello", 5*time.Second)
	waiter.send(map[string]string{"type": "queue", "arena": "doomed"})
	waiter.expect("queued", 5*time.Second)
	for _, q := range []struct {
		id, key string
	}{{ids[1].agentID, ids[1].ownerKey}, {hooky.Agent.ID, o.APIKey}} {
		if code := plHTTP(t, "POST", base+"/v1/agents/"+q.id+"/queue", q.key, map[string]any{"arena": "doomed", "keep": true}, nil); code != 200 {
			t.Fatalf("queue %s: %d", q.id, code)
		}
	}
	var ar struct {
		Queued int `json:"queued"`
	}
	if plHTTP(t, "GET", base+"/v1/arenas/doomed", "", nil, &ar); ar.Queued != 3 {
		t.Fatalf("%d tickets in doomed before the delete, want 3", ar.Queued)
	}

	if code := plHTTP(t, "DELETE", base+"/v1/arenas/doomed", plOperator, nil, nil); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	const want = `{"type":"unqueued","arena":"doomed","reason":"arena_deleted"}`
	for name, c := range map[string]*plConn{"the agent that queued itself": waiter, "the agent its owner queued": kept} {
		if f := c.expect("unqueued", 5*time.Second); strings.TrimSpace(string(f.Raw)) != want {
			t.Fatalf("%s got %s, want %s", name, f.Raw, want)
		}
	}
	// The connection stays open: the agent queues elsewhere on it.
	waiter.send(map[string]string{"type": "queue", "arena": "connect4"})
	var q struct{ Arena string }
	if waiter.expect("queued", 5*time.Second).decode(t, &q); q.Arena != "connect4" {
		t.Fatalf("queued %+v, want connect4", q)
	}
	// A few runner ticks: whatever the runner would do about the dropped
	// webhook ticket has been done (and logged) by now.
	time.Sleep(300 * time.Millisecond)
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "doomed") || strings.Contains(l, hooky.Agent.ID) {
			t.Errorf("logged about the deleted arena's queue: %s", l)
		}
	}
}
