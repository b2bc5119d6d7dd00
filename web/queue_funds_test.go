package web_test

import (
	"strings"
	"testing"
	"time"
)

// An agent whose owner cannot pay the arena's stake is refused at the
// queue, over HTTP and over its socket, saying so. The matchmaker skips
// such a ticket, so it waited unmatched with nothing to tell why.
func TestQueueingWithoutTheStakeIsRefused(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	if code := plHTTP(t, "PUT", base+"/v1/arenas/staked", plOperator, map[string]any{"game": "connect4", "seats": 2, "stake": 100}, nil); code != 200 {
		t.Fatalf("put arena: %d", code)
	}
	a := plAgents(t, base, "broke")[0]
	var me struct {
		Owner struct{ ID string } `json:"owner"`
	}
	plHTTP(t, "GET", base+"/v1/owners/me", a.ownerKey, nil, &me)
	var bal struct{ Balance int64 }
	plHTTP(t, "GET", base+"/v1/owners/me/balance", a.ownerKey, nil, &bal)
	adj := map[string]any{"id": "adj-broke", "owner_id": me.Owner.ID, "amount": 50 - bal.Balance}
	if code := plHTTP(t, "POST", base+"/v1/ledger/adjustments", plOperator, adj, nil); code != 200 {
		t.Fatalf("adjust the balance to 0.50: %d", code)
	}

	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if code := plHTTP(t, "POST", base+"/v1/agents/"+a.agentID+"/queue", a.ownerKey, map[string]any{"arena": "staked"}, &e); code != 409 ||
		e.Error.Code != "insufficient_funds" || !strings.Contains(e.Error.Message, "0.50 ARC") || !strings.Contains(e.Error.Message, "1.00 ARC") {
		t.Fatalf("queue over HTTP: %d %+v, want 409 insufficient_funds naming both amounts", code, e.Error)
	}
	session := plDial(t, base+"/v1/agents/connect", a.agentKey)
	session.expect("hello", 5*time.Second)
	session.send(map[string]string{"type": "queue", "arena": "staked"})
	var frame struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	session.expect("error", 5*time.Second).decode(t, &frame)
	if frame.Code != "insufficient_funds" {
		t.Fatalf("queue frame answered %+v, want insufficient_funds", frame)
	}
	// A free arena still takes it.
	if code := plHTTP(t, "PUT", base+"/v1/arenas/free", plOperator, map[string]any{"game": "connect4", "seats": 2}, nil); code != 200 {
		t.Fatalf("put arena: %d", code)
	}
	session.send(map[string]string{"type": "queue", "arena": "free"})
	session.expect("queued", 5*time.Second)
}
