package web_test

import (
	"strings"
	"testing"
	"time"
)

// An agent already seated in a running contest of an arena that allows
// one at a time is refused at the queue with 409 conflict saying it is
// playing, over HTTP and over its socket. It was answered
// insufficient_funds ("add funds first") whenever its stake, now in the
// contest's escrow, had been most of its owner's wallet: funds would not
// have helped. Queueing it in another arena is still judged on the stake.
func TestQueueingAnAgentThatIsPlayingSaysSo(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	if code := plHTTP(t, "PUT", base+"/v1/arenas/staked", plOperator,
		map[string]any{"game": "connect4", "seats": 2, "stake": 100, "move_deadline_ms": 120000}, nil); code != 200 {
		t.Fatalf("put arena: %d", code)
	}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/other", plOperator, map[string]any{"game": "connect4", "seats": 2, "stake": 100}, nil); code != 200 {
		t.Fatalf("put arena: %d", code)
	}
	a := plAgents(t, base, "seated")[0]
	b := plAgents(t, base, "opponent")[0]
	var me struct {
		Owner struct{ ID string } `json:"owner"`
	}
	plHTTP(t, "GET", base+"/v1/owners/me", a.ownerKey, nil, &me)
	var bal struct{ Balance int64 }
	plHTTP(t, "GET", base+"/v1/owners/me/balance", a.ownerKey, nil, &bal)
	// 1.50: one stake, and 0.50 left once it is in escrow.
	if code := plHTTP(t, "POST", base+"/v1/ledger/adjustments", plOperator,
		map[string]any{"id": "adj-seated", "owner_id": me.Owner.ID, "amount": 150 - bal.Balance}, nil); code != 200 {
		t.Fatalf("adjust the balance to 1.50: %d", code)
	}

	sa := plDial(t, base+"/v1/agents/connect", a.agentKey)
	sa.expect("hello", 5*time.Second)
	sb := plDial(t, base+"/v1/agents/connect", b.agentKey)
	sb.expect("hello", 5*time.Second)
	sa.send(map[string]string{"type": "queue", "arena": "staked"})
	sb.send(map[string]string{"type": "queue", "arena": "staked"})
	sa.expect("contest_start", 10*time.Second)

	type errBody struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	for _, keep := range []bool{false, true} {
		var e errBody
		code := plHTTP(t, "POST", base+"/v1/agents/"+a.agentID+"/queue", a.ownerKey, map[string]any{"arena": "staked", "keep": keep}, &e)
		if code != 409 || e.Error.Code != "conflict" || !strings.Contains(e.Error.Message, "already playing") || !strings.Contains(e.Error.Message, "c_") {
			t.Errorf("queue over HTTP (keep %v) while playing: %d %+v, want 409 conflict saying it is already playing which contest", keep, code, e.Error)
		}
	}
	sa.send(map[string]string{"type": "queue", "arena": "staked"})
	var frame struct{ Code, Message string }
	sa.expect("error", 5*time.Second).decode(t, &frame)
	if frame.Code != "conflict" || !strings.Contains(frame.Message, "already playing") {
		t.Errorf("queue frame while playing answered %+v, want conflict saying it is already playing", frame)
	}
	// Another arena takes it on the stake alone, which 0.50 cannot pay.
	var e errBody
	if code := plHTTP(t, "POST", base+"/v1/agents/"+a.agentID+"/queue", a.ownerKey, map[string]any{"arena": "other"}, &e); code != 409 || e.Error.Code != "insufficient_funds" {
		t.Errorf("queue in another arena: %d %+v, want insufficient_funds", code, e.Error)
	}
}
