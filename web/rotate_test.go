package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestKeyRotation(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	a := plAgents(t, base, "rot")[0]
	other := plAgents(t, base, "other")[0]
	var me struct {
		Owner struct{ ID string } `json:"owner"`
	}
	plHTTP(t, "GET", base+"/v1/owners/me", a.ownerKey, nil, &me)

	t.Run("a new owner key works and the old one stops at once", func(t *testing.T) {
		var r struct {
			APIKey string `json:"api_key"`
		}
		if code := plHTTP(t, "POST", base+"/v1/owners/me/key", a.ownerKey, map[string]any{}, &r); code != 200 || !strings.HasPrefix(r.APIKey, "aro_") {
			t.Fatalf("rotate: %d %+v", code, r)
		}
		if code := plHTTP(t, "GET", base+"/v1/owners/me", a.ownerKey, nil, nil); code != 401 {
			t.Fatalf("old key: %d, want 401", code)
		}
		if code := plHTTP(t, "GET", base+"/v1/owners/me", r.APIKey, nil, nil); code != 200 {
			t.Fatalf("new key: %d", code)
		}
		a.ownerKey = r.APIKey
	})
	t.Run("an owner rotates its agent's key", func(t *testing.T) {
		session := plDial(t, base+"/v1/agents/connect", a.agentKey)
		session.expect("hello", 5*time.Second)
		var r struct {
			AgentKey string `json:"agent_key"`
		}
		if code := plHTTP(t, "POST", base+"/v1/agents/"+a.agentID+"/key", a.ownerKey, map[string]any{}, &r); code != 200 || !strings.HasPrefix(r.AgentKey, "ara_") {
			t.Fatalf("rotate: %d", code)
		}
		if code := plHTTP(t, "GET", base+"/v1/owners/me", a.agentKey, nil, nil); code != 401 {
			t.Fatalf("old agent key: %d, want 401", code)
		}
		for range session.frames {
		}
		if err := <-session.err; !websocket.IsCloseError(err, websocket.CloseGoingAway) {
			t.Fatalf("the old key's session ended with %v, want a going-away close", err)
		}
	})
	t.Run("deleting an agent closes its session", func(t *testing.T) {
		gone := plAgents(t, base, "gone")[0]
		session := plDial(t, base+"/v1/agents/connect", gone.agentKey)
		session.expect("hello", 5*time.Second)
		if code := plHTTP(t, "DELETE", base+"/v1/agents/"+gone.agentID, gone.ownerKey, nil, nil); code != 204 {
			t.Fatalf("delete: %d", code)
		}
		for range session.frames {
		}
		if err := <-session.err; !websocket.IsCloseError(err, websocket.CloseGoingAway) {
			t.Fatalf("the deleted agent's session ended with %v, want a going-away close", err)
		}
	})
	t.Run("another owner cannot rotate it", func(t *testing.T) {
		if code := plHTTP(t, "POST", base+"/v1/agents/"+a.agentID+"/key", other.ownerKey, map[string]any{}, nil); code != 403 {
			t.Fatalf("status %d, want 403", code)
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	for _, path := range []string{"/", "/v1/arenas", "/healthz", "/nope"} {
		resp, err := http.Get(nodes[0].url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "script-src 'self' 'unsafe-inline'") ||
			!strings.Contains(csp, "frame-ancestors 'none'") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v", path, resp.Header)
		}
	}
}
