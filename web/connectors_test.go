package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentarena/arena/agents/webhook"
)

// TestWebhookAgentPlaysAContest runs a webhook agent (an HTTP server that
// answers turn frames) against a websocket agent. The agent checks every
// call's signature with the secret it was given at creation, as
// docs/PROTOCOL.md tells owners to, and learns the result from the
// contest_end call.
func TestWebhookAgentPlaysAContest(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	var secret atomic.Value
	secret.Store("")
	ends := make(chan plEnd, 4)
	unsigned := make(chan string, 16)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify(secret.Load().(string), r.Header.Get(webhook.SignatureHeader), body, time.Now(), webhook.DefaultTolerance); err != nil {
			unsigned <- err.Error()
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var turn struct {
			Type string `json:"type"`
			View struct {
				Legal []int `json:"legal"`
			} `json:"view"`
		}
		if err := json.Unmarshal(body, &turn); err != nil || r.Header.Get(webhook.EventHeader) != turn.Type {
			http.Error(w, "bad call", http.StatusBadRequest)
			return
		}
		if turn.Type == "contest_end" {
			var e plEnd
			_ = json.Unmarshal(body, &e)
			ends <- e
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if turn.Type != "turn" || len(turn.View.Legal) == 0 {
			http.Error(w, "bad turn", http.StatusBadRequest)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"move": turn.View.Legal[0]})
	}))
	defer hook.Close()

	ws := plAgents(t, base, "socket")[0]
	var o struct {
		APIKey string `json:"api_key"`
	}
	plHTTP(t, "POST", base+"/v1/owners", "", map[string]string{"name": "hooker"}, &o)
	var created struct {
		Agent         struct{ ID string } `json:"agent"`
		WebhookSecret string              `json:"webhook_secret"`
	}
	if code := plHTTP(t, "POST", base+"/v1/agents", o.APIKey, map[string]string{"name": "hooky", "kind": "webhook", "webhook_url": hook.URL + "/turn"}, &created); code != 201 {
		t.Fatalf("create webhook agent: %d", code)
	}
	if !strings.HasPrefix(created.WebhookSecret, webhook.SecretPrefix) {
		t.Fatalf("a new webhook agent came with webhook_secret %q", created.WebhookSecret)
	}
	secret.Store(created.WebhookSecret)
	t.Run("the secret rests sealed and is never read back", func(t *testing.T) {
		sealed := nodes[0].node.WebhookSecret(created.Agent.ID)
		if sealed == "" || strings.Contains(sealed, created.WebhookSecret[len(webhook.SecretPrefix):]) {
			t.Fatalf("stored webhook secret %q", sealed)
		}
		var got map[string]any
		plHTTP(t, "GET", base+"/v1/agents/"+created.Agent.ID, o.APIKey, nil, &got)
		if _, ok := got["webhook_secret"]; ok {
			t.Fatalf("GET returned the webhook secret: %v", got)
		}
	})
	t.Run("another owner cannot queue the webhook agent", func(t *testing.T) {
		if code := plHTTP(t, "POST", base+"/v1/agents/"+created.Agent.ID+"/queue", ws.ownerKey, map[string]string{"arena": "connect4"}, nil); code != 403 {
			t.Fatalf("status %d, want 403", code)
		}
	})
	// keep: the arena queues it again after the contest, so the owner
	// needs no poll-and-requeue loop.
	if code := plHTTP(t, "POST", base+"/v1/agents/"+created.Agent.ID+"/queue", o.APIKey, map[string]any{"arena": "connect4", "keep": true}, nil); code != 200 {
		t.Fatalf("queue webhook agent: %d", code)
	}
	c := plDial(t, base+"/v1/agents/connect", ws.agentKey)
	c.send(map[string]string{"type": "queue", "arena": "connect4"})
	c.expect("contest_start", 5*time.Second)
	// The websocket side plays column 6 until full, then 5, …: the webhook
	// stacks column 0 and wins.
	ended := make(chan plEnd, 1)
	moves := make([]int, 42)
	for i := range moves {
		moves[i] = 6 - (i/2)/6
	}
	autoplay(t, c, moves, ended)
	e := waitEnd(t, ended)
	if e.Status != "settled" {
		t.Fatalf("contest ended %+v", e)
	}
	var got struct {
		Contest struct {
			Seats []struct {
				AgentID string `json:"agent_id"`
			} `json:"seats"`
			Ranks   []int   `json:"ranks"`
			Payouts []int64 `json:"payouts"`
		} `json:"contest"`
	}
	plHTTP(t, "GET", base+"/v1/contests/"+e.Contest, "", nil, &got)
	hookSeat := -1
	for i, s := range got.Contest.Seats {
		if s.AgentID == created.Agent.ID {
			hookSeat = i
		}
	}
	if hookSeat < 0 || got.Contest.Ranks[hookSeat] != 0 {
		t.Fatalf("webhook agent ranked %v (seat %d), want it to win by stacking column 0", got.Contest.Ranks, hookSeat)
	}
	t.Run("the webhook learns its result from a signed contest_end", func(t *testing.T) {
		select {
		case he := <-ends:
			if he.Contest != e.Contest || he.Status != "settled" || he.Rank != 0 || he.Payout != got.Contest.Payouts[hookSeat] || he.Payout <= 0 {
				t.Fatalf("contest_end %+v, want rank 0 and payout %d", he, got.Contest.Payouts[hookSeat])
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no contest_end call")
		}
		select {
		case err := <-unsigned:
			t.Fatalf("a call failed verification: %s", err)
		default:
		}
	})
	t.Run("the keep ticket is back after the contest, until unqueued", func(t *testing.T) {
		var q struct {
			Ticket struct {
				Keep bool `json:"keep"`
			} `json:"ticket"`
		}
		// Queueing an agent that is queued answers its ticket as it is: a
		// keep ticket, so the arena requeued it (a fresh one would not keep).
		if code := plHTTP(t, "POST", base+"/v1/agents/"+created.Agent.ID+"/queue", o.APIKey, map[string]any{"arena": "connect4"}, &q); code != 200 || !q.Ticket.Keep {
			t.Fatalf("status %d, ticket %+v: the agent was not requeued", code, q.Ticket)
		}
		if code := plHTTP(t, "DELETE", base+"/v1/agents/"+created.Agent.ID+"/queue/connect4", o.APIKey, nil, nil); code != 204 {
			t.Fatalf("unqueue: %d", code)
		}
		q.Ticket.Keep = false
		if code := plHTTP(t, "POST", base+"/v1/agents/"+created.Agent.ID+"/queue", o.APIKey, map[string]any{"arena": "connect4"}, &q); code != 200 || q.Ticket.Keep {
			t.Fatalf("status %d, ticket %+v: a fresh plain ticket was expected after unqueueing", code, q.Ticket)
		}
	})
	t.Run("the owner rotates the secret; the old one stops verifying", func(t *testing.T) {
		var rot struct {
			ID            string `json:"id"`
			WebhookSecret string `json:"webhook_secret"`
		}
		if code := plHTTP(t, "POST", base+"/v1/agents/"+created.Agent.ID+"/webhook-secret", o.APIKey, nil, &rot); code != 200 {
			t.Fatalf("rotate: %d", code)
		}
		if rot.ID != created.Agent.ID || !strings.HasPrefix(rot.WebhookSecret, webhook.SecretPrefix) || rot.WebhookSecret == created.WebhookSecret {
			t.Fatalf("rotation answered %+v", rot)
		}
		sealed := nodes[0].node.WebhookSecret(created.Agent.ID)
		if sealed == "" {
			t.Fatal("no secret after rotation")
		}
		for _, tt := range []struct {
			name, agent, key string
			status           int
		}{
			{"another owner cannot rotate it", created.Agent.ID, ws.ownerKey, 403},
			{"a websocket agent has no webhook secret", ws.agentID, ws.ownerKey, 400},
			{"an unknown agent", "ag_nope", o.APIKey, 404},
		} {
			if code := plHTTP(t, "POST", base+"/v1/agents/"+tt.agent+"/webhook-secret", tt.key, nil, nil); code != tt.status {
				t.Errorf("%s: status %d, want %d", tt.name, code, tt.status)
			}
		}
	})
}

// TestReconnectWithinGraceResumesAndAfterItForfeits covers the reconnect
// grace period of websocket agents.
func TestReconnectWithinGraceResumesAndAfterItForfeits(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	arenaDef := map[string]any{"game": "connect4", "seats": 2, "move_deadline_ms": 20000, "grace_ms": 600}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/graceful", "arop_testoperatortoken000000000000000", arenaDef, nil); code != 200 {
		t.Fatalf("create arena: %d", code)
	}
	ids := plAgents(t, base, "alpha", "beta")
	a := plDial(t, base+"/v1/agents/connect", ids[0].agentKey)
	b := plDial(t, base+"/v1/agents/connect", ids[1].agentKey)
	for _, c := range []*plConn{a, b} {
		c.send(map[string]string{"type": "queue", "arena": "graceful"})
	}
	var sa struct {
		Contest string `json:"contest"`
		Seat    int    `json:"seat"`
	}
	a.expect("contest_start", 5*time.Second).decode(t, &sa)
	b.expect("contest_start", 5*time.Second)
	// a is the agent to move: the one whose absence costs it the contest.
	key := ids[0].agentKey
	if sa.Seat != 0 {
		a, b, key = b, a, ids[1].agentKey
		sa.Seat = 0
	}

	t.Run("an agent that reconnects in time gets its contest and turn back", func(t *testing.T) {
		a.conn.Close()
		time.Sleep(100 * time.Millisecond)
		a = plDial(t, base+"/v1/agents/connect", key)
		var hello struct {
			Contests []string `json:"contests"`
		}
		a.expect("hello", 5*time.Second).decode(t, &hello)
		if len(hello.Contests) != 1 || hello.Contests[0] != sa.Contest {
			t.Fatalf("hello lists %v", hello.Contests)
		}
		a.expect("contest_start", 5*time.Second)
		a.expect("turn", 5*time.Second)
	})
	t.Run("an agent that stays away past the grace period forfeits", func(t *testing.T) {
		a.conn.Close()
		var e plEnd
		b.expect("contest_end", 10*time.Second).decode(t, &e)
		if e.Status != "settled" || e.Rank != 0 {
			t.Fatalf("contest ended %+v, want the connected agent to win", e)
		}
	})
}
