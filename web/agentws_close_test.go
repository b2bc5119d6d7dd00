package web_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestSessionClosesAreDocumented: the close reasons an agent reads when
// its owner rotates its key, deletes it or makes it a webhook agent are
// the ones PROTOCOL.md names
// (with code 1001), so an agent can tell "reconnect" from "stop".
func TestSessionClosesAreDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/PROTOCOL.md")
	if err != nil {
		t.Fatal(err)
	}
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	ids := plAgents(t, base, "rotated", "deleted", "switched")
	closed := func(c *plConn) string {
		t.Helper()
		deadline := time.After(5 * time.Second)
		for {
			select {
			case _, ok := <-c.frames:
				if ok {
					continue
				}
				err := <-c.err
				var ce *websocket.CloseError
				if !asCloseError(err, &ce) || ce.Code != websocket.CloseGoingAway {
					t.Fatalf("session ended with %v, want close 1001", err)
				}
				return ce.Text
			case <-deadline:
				t.Fatal("the session stayed open")
			}
		}
	}
	a := plDial(t, base+"/v1/agents/connect", ids[0].agentKey)
	a.expect("hello", 5*time.Second)
	if code := plHTTP(t, "POST", base+"/v1/agents/"+ids[0].agentID+"/key", ids[0].ownerKey, nil, nil); code != 200 {
		t.Fatalf("rotate the agent key: %d", code)
	}
	b := plDial(t, base+"/v1/agents/connect", ids[1].agentKey)
	b.expect("hello", 5*time.Second)
	if code := plHTTP(t, "DELETE", base+"/v1/agents/"+ids[1].agentID, ids[1].ownerKey, nil, nil); code != 204 {
		t.Fatalf("delete the agent: %d", code)
	}
	c := plDial(t, base+"/v1/agents/connect", ids[2].agentKey)
	c.expect("hello", 5*time.Second)
	if code := plHTTP(t, "PATCH", base+"/v1/agents/"+ids[2].agentID, ids[2].ownerKey,
		map[string]string{"kind": "webhook", "webhook_url": "http://127.0.0.1:9/turn"}, nil); code != 200 {
		t.Fatalf("switch the agent to a webhook: %d", code)
	}
	for _, reason := range []string{closed(a), closed(b), closed(c)} {
		if !strings.Contains(string(doc), "`"+reason+"`") {
			t.Errorf("close reason %q is not in PROTOCOL.md", reason)
		}
	}
}

func asCloseError(err error, ce **websocket.CloseError) bool {
	e, ok := err.(*websocket.CloseError)
	if ok {
		*ce = e
	}
	return ok
}
