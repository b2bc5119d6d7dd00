package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// TestOnlyWebsocketAgentsConnect: a webhook agent's turns go to its
// webhook_url, and only its owner queues it (PROTOCOL.md, "Webhook
// agents"). Its key used to open an agent session all the same, in which a
// queue frame was accepted and the agent was then seated in contests whose
// turns never came on that session: it forfeited its stake. The upgrade is
// refused with 403 forbidden instead, saying why.
func TestOnlyWebsocketAgentsConnect(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	var o struct {
		APIKey string `json:"api_key"`
	}
	plHTTP(t, "POST", base+"/v1/owners", "", map[string]string{"name": "hooks"}, &o)
	var a struct {
		Key string `json:"agent_key"`
	}
	if code := plHTTP(t, "POST", base+"/v1/agents", o.APIKey, map[string]any{"name": "hook", "kind": "webhook", "webhook_url": "http://127.0.0.1:9/turn"}, &a); code != 201 {
		t.Fatalf("create webhook agent: %d", code)
	}
	url := strings.Replace(base, "http://", "ws://", 1) + "/v1/agents/connect"
	conn, resp, err := websocket.DefaultDialer.Dial(url, http.Header{"Authorization": {"Bearer " + a.Key}})
	if err == nil {
		conn.Close()
		t.Fatal("a webhook agent's key opened an agent session")
	}
	if resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("dial: %v (response %v), want 403", err, resp)
	}
	var body struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("decode the refusal: %v", err)
	}
	if body.Error.Code != "forbidden" || !strings.Contains(body.Error.Message, "webhook agent") {
		t.Fatalf("refusal %+v, want forbidden naming the webhook agent", body.Error)
	}
}
