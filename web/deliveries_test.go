package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentarena/arena/agents/webhook"
	"github.com/agentarena/arena/api"
)

// TestWebhookDeliveriesTellTheOwnerWhyNoMoveWasPlayed: a webhook agent
// whose turns played no move showed its owner only missed deadlines. Its
// calls are now listed, newest first, with the status it answered and
// what went wrong: an error status, a reply without a move, a move the
// arena refused, and the contest_end call; on the leader and, relayed to
// it, on a follower; to the agent's owner only.
func TestWebhookDeliveriesTellTheOwnerWhyNoMoveWasPlayed(t *testing.T) {
	c, nodes := plCluster(t, 3, plOptions{})
	leader := nodes[c.Index(c.Leader())]
	var follower *plNode
	for _, n := range nodes {
		if n != leader {
			follower = n
		}
	}
	var calls atomic.Int64
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get(webhook.EventHeader) != "turn" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if r.URL.Path == "/b" {
			var turn struct {
				View struct{ Legal []int } `json:"view"`
			}
			_ = json.Unmarshal(body, &turn)
			fmt.Fprintf(w, `{"move": %d}`, turn.View.Legal[0])
			return
		}
		switch calls.Add(1) {
		case 1:
			http.Error(w, "boom", http.StatusInternalServerError)
		case 2:
			io.WriteString(w, `{"mvoe": 3}`)
		default:
			io.WriteString(w, `{"move": 9}`)
		}
	}))
	defer hook.Close()

	base := leader.url
	owner := plAgents(t, base, "socket")[0]
	if code := plHTTP(t, "PUT", base+"/v1/arenas/hooks", plOperator, map[string]any{"game": "connect4", "seats": 2,
		"move_deadline_ms": 1000, "forfeit": "three_strikes"}, nil); code != 200 {
		t.Fatalf("put arena: %d", code)
	}
	ids := map[string]string{}
	for _, name := range []string{"a", "b"} {
		var created struct {
			Agent struct{ ID string } `json:"agent"`
		}
		if code := plHTTP(t, "POST", base+"/v1/agents", owner.ownerKey, map[string]string{"name": "hook-" + name, "kind": "webhook", "webhook_url": hook.URL + "/" + name}, &created); code != 201 {
			t.Fatalf("create webhook agent %s: %d", name, code)
		}
		ids[name] = created.Agent.ID
	}
	for _, id := range ids {
		if code := plHTTP(t, "POST", base+"/v1/agents/"+id+"/queue", owner.ownerKey, map[string]any{"arena": "hooks"}, nil); code != 200 {
			t.Fatalf("queue %s: %d", id, code)
		}
	}

	var got struct {
		Agent      string         `json:"agent"`
		NodeID     string         `json:"node_id"`
		Deliveries []api.Delivery `json:"deliveries"`
	}
	read := func(n *plNode) error {
		got.Deliveries = nil // decoding into kept elements would keep their old errors
		if code := plHTTP(t, "GET", n.url+"/v1/agents/"+ids["a"]+"/deliveries", owner.ownerKey, nil, &got); code != 200 {
			return fmt.Errorf("status %d", code)
		}
		if len(got.Deliveries) < 4 || got.Deliveries[0].Event != "contest_end" {
			return fmt.Errorf("%d deliveries so far: %+v", len(got.Deliveries), got.Deliveries)
		}
		return nil
	}
	eventually(t, 30*time.Second, func() error { return read(leader) })
	want := []struct {
		event, outcome string
		status         int
		err            string
	}{
		{"contest_end", "delivered", 204, ""},
		{"turn", "refused", 200, "illegal_move: column 9 is out of range 0-6"},
		{"turn", "failed", 200, `webhook reply must be {"move": ...}: it has no move`},
		{"turn", "failed", 500, "webhook answered 500 Internal Server Error"},
	}
	for _, n := range []*plNode{leader, follower} {
		if err := read(n); err != nil {
			t.Fatal(err)
		}
		if got.Agent != ids["a"] || got.NodeID != leader.node.ID() {
			t.Errorf("answer for %s from node %s, want %s from the leader %s", got.Agent, got.NodeID, ids["a"], leader.node.ID())
		}
		for i, w := range want {
			d := got.Deliveries[i]
			if d.Event != w.event || d.Outcome != w.outcome || d.Status != w.status || !strings.Contains(d.Error, w.err) || (w.err == "") != (d.Error == "") ||
				!strings.HasPrefix(d.ID, "wd_") || d.Contest == "" || d.At.IsZero() {
				t.Errorf("delivery %d: %+v; want %s %s, status %d, error with %q", i, d, w.event, w.outcome, w.status, w.err)
			}
		}
	}

	// Every turn call names its seq, the contest's first (seq 0) too: the
	// seat that moved first, a or b, got a turn at seq 0, which the list
	// showed without one, like a contest_end call.
	sawFirst := false
	for _, name := range []string{"a", "b"} {
		var list struct {
			Deliveries []map[string]any `json:"deliveries"`
		}
		if code := plHTTP(t, "GET", base+"/v1/agents/"+ids[name]+"/deliveries", owner.ownerKey, nil, &list); code != 200 {
			t.Fatalf("deliveries of %s: status %d", name, code)
		}
		for _, d := range list.Deliveries {
			seq, has := d["seq"]
			switch {
			case d["event"] == "turn" && !has:
				t.Errorf("agent %s: turn call %v lists no seq", name, d["id"])
			case d["event"] == "turn" && seq == 0.0:
				sawFirst = true
			case d["event"] == "contest_end" && has:
				t.Errorf("agent %s: contest_end call %v lists seq %v", name, d["id"], seq)
			}
		}
	}
	if !sawFirst {
		t.Error("no turn call at seq 0 listed for either seat")
	}

	other := plAgents(t, base, "other")[0]
	for _, tc := range []struct {
		name, key string
		status    int
	}{
		{"another owner may not read them", other.ownerKey, 403},
		{"the agent's own key may not either", other.agentKey, 403},
		{"nor may anyone without a key", "", 401},
		{"the operator may", plOperator, 200},
	} {
		if code := plHTTP(t, "GET", base+"/v1/agents/"+ids["a"]+"/deliveries", tc.key, nil, nil); code != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, code, tc.status)
		}
	}
}

// TestWebhookDeliveriesRefuseAnAgentKeySayingWhichKeyToUse: the agent's own
// key (the ara_ key shown beside its webhook secret) was refused with
// "agent … belongs to another owner", which it does not; the refusal now
// names the keys that may read the list.
func TestWebhookDeliveriesRefuseAnAgentKeySayingWhichKeyToUse(t *testing.T) {
	e := newEnv(t, 1, envConfig{})
	n := e.nodes[0]
	_, ownerKey := e.createOwner(t, n, "Hookie")
	var ab agentBody
	e.do(t, n, req{method: http.MethodPost, path: "/v1/agents", key: ownerKey,
		body: mustJSON(t, map[string]string{"name": "hook", "kind": "webhook", "webhook_url": "http://127.0.0.1:9/turn"})}).
		want(t, http.StatusCreated).decode(t, &ab)
	path := "/v1/agents/" + ab.Agent.ID + "/deliveries"
	d := e.do(t, n, req{method: http.MethodGet, path: path, key: ab.AgentKey}).
		wantError(t, http.StatusForbidden, "forbidden", "owner API key or the operator token, not an agent key")
	if strings.Contains(d.Message, "another owner") {
		t.Errorf("the agent's own key is told %q", d.Message)
	}
	e.do(t, n, req{method: http.MethodGet, path: path, key: ownerKey}).want(t, http.StatusOK)
}
