package web_test

import (
	"encoding/json"
	"reflect"
	"testing"
)

// An owner could not see whether its agent still waited in a queue (a
// websocket agent's ticket goes when it stays away, a keep ticket when it
// forfeits, and nothing said so); GET /v1/agents/{id} now lists the
// arenas it waits in, to its owner and the operator only.
func TestGetAgentShowsItsQueuesToItsOwner(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	if code := plHTTP(t, "PUT", base+"/v1/arenas/lonely", plOperator, map[string]any{"game": "connect4", "seats": 2}, nil); code != 200 {
		t.Fatalf("put arena: %d", code)
	}
	var owner, other struct {
		APIKey string `json:"api_key"`
	}
	plHTTP(t, "POST", base+"/v1/owners", "", map[string]string{"name": "ann"}, &owner)
	plHTTP(t, "POST", base+"/v1/owners", "", map[string]string{"name": "ben"}, &other)
	var created struct {
		Agent struct{ ID string } `json:"agent"`
	}
	if code := plHTTP(t, "POST", base+"/v1/agents", owner.APIKey,
		map[string]string{"name": "hook", "kind": "webhook", "webhook_url": "http://127.0.0.1:9/turn"}, &created); code != 201 {
		t.Fatalf("create agent: %d", code)
	}
	id := created.Agent.ID
	queued := func(key string) (json.RawMessage, bool) {
		t.Helper()
		var got map[string]json.RawMessage
		if code := plHTTP(t, "GET", base+"/v1/agents/"+id, key, nil, &got); code != 200 {
			t.Fatalf("get agent: %d", code)
		}
		q, ok := got["queued"]
		return q, ok
	}
	same := func(got json.RawMessage, want string) bool {
		var g, w any
		return json.Unmarshal(got, &g) == nil && json.Unmarshal([]byte(want), &w) == nil && reflect.DeepEqual(g, w)
	}

	if q, ok := queued(owner.APIKey); !ok || !same(q, `[]`) {
		t.Fatalf("before queueing the owner sees queued %s (present %v), want []", q, ok)
	}
	if code := plHTTP(t, "POST", base+"/v1/agents/"+id+"/queue", owner.APIKey, map[string]any{"arena": "lonely", "keep": true}, nil); code != 200 {
		t.Fatalf("queue: %d", code)
	}
	for _, key := range []string{owner.APIKey, plOperator} {
		if q, ok := queued(key); !ok || !same(q, `[{"arena":"lonely","keep":true}]`) {
			t.Errorf("queued: the owner or operator sees %s (present %v), want the keep ticket in lonely", q, ok)
		}
	}
	for name, key := range map[string]string{"anyone": "", "another owner": other.APIKey} {
		if q, ok := queued(key); ok {
			t.Errorf("%s sees queued %s; where an owner's agents wait is the owner's", name, q)
		}
	}
	if code := plHTTP(t, "DELETE", base+"/v1/agents/"+id+"/queue/lonely", owner.APIKey, nil, nil); code != 204 {
		t.Fatalf("unqueue: %d", code)
	}
	if q, ok := queued(owner.APIKey); !ok || !same(q, `[]`) {
		t.Errorf("after unqueueing the owner sees queued %s (present %v), want []", q, ok)
	}
}
