package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestDeleteArenaOverHTTP: the operator deletes an arena, voiding its
// running contest with abort=true (refused without); its live feed's
// spectators are told, its queue and table go, its contests stay readable.
func TestDeleteArenaOverHTTP(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	ids := plAgents(t, base, "d1", "d2", "d3")
	if code := plHTTP(t, "PUT", base+"/v1/arenas/gone", plOperator, map[string]any{"game": "prompt", "seats": 2}, nil); code != 200 {
		t.Fatalf("put: %d", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := nodes[0].node.CreateContest(ctx, "c_gone", "gone", []string{ids[0].agentID, ids[1].agentID}, 1); err != nil {
		t.Fatal(err)
	}
	if code := plHTTP(t, "POST", base+"/v1/agents/"+ids[2].agentID+"/queue", ids[2].ownerKey, map[string]string{"arena": "gone"}, nil); code != 200 {
		t.Fatalf("queue: %d", code)
	}
	live, status, body, err := wsDial(base+"/v1/arenas/gone/live", "", nil)
	if err != nil {
		t.Fatalf("live feed: %d %s %v", status, body, err)
	}
	defer live.Close()
	_ = live.SetReadDeadline(time.Now().Add(10 * time.Second))
	var snap struct{ Type string }
	if err := live.ReadJSON(&snap); err != nil || snap.Type != "snapshot" {
		t.Fatalf("first frame %+v, %v", snap, err)
	}

	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	for _, tc := range []struct {
		name, key, path string
		status          int
		code, msg       string
	}{
		{"an owner may not delete an arena", ids[0].ownerKey, "/v1/arenas/gone", 403, "forbidden", ""},
		{"an unknown arena is not found", plOperator, "/v1/arenas/nope", 404, "not_found", "arena nope not found"},
		{"a running contest holds the arena", plOperator, "/v1/arenas/gone", 409, "conflict", "has 1 contest running or being judged; let them end, or delete with abort=true"},
		{"abort takes true or false", plOperator, "/v1/arenas/gone?abort=maybe", 400, "invalid", `abort must be true or false, got "maybe"`},
		{"an unknown parameter is refused", plOperator, "/v1/arenas/gone?force=1", 400, "invalid", `unknown query parameter "force"`},
		{"abort=false is the default", plOperator, "/v1/arenas/gone?abort=false", 409, "conflict", "has 1 contest running"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.Error.Code, e.Error.Message = "", ""
			if code := plHTTP(t, "DELETE", base+tc.path, tc.key, nil, &e); code != tc.status || e.Error.Code != tc.code || !strings.Contains(e.Error.Message, tc.msg) {
				t.Fatalf("got %d %+v, want %d %s saying %q", code, e.Error, tc.status, tc.code, tc.msg)
			}
		})
	}

	if code := plHTTP(t, "DELETE", base+"/v1/arenas/gone?abort=true", plOperator, nil, nil); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	var con struct {
		Contest struct{ Status, Reason string } `json:"contest"`
	}
	if plHTTP(t, "GET", base+"/v1/contests/c_gone", "", nil, &con); con.Contest.Status != "aborted" || con.Contest.Reason != "arena deleted" {
		t.Fatalf("the running contest is %+v, want aborted because the arena was deleted", con.Contest)
	}
	t.Run("the live feed says the arena is gone", func(t *testing.T) {
		for {
			var f struct {
				Type string          `json:"type"`
				Data json.RawMessage `json:"data"`
			}
			if err := live.ReadJSON(&f); err != nil {
				t.Fatalf("no deleted frame: %v", err)
			}
			if f.Type == "deleted" {
				if string(f.Data) != `{"arena":"gone"}` {
					t.Fatalf("deleted frame data %s", f.Data)
				}
				// Nothing more comes: the server closes the feed, rather
				// than leave it open to carry an arena created later
				// under the name.
				_ = live.SetReadDeadline(time.Now().Add(5 * time.Second))
				_, msg, err := live.ReadMessage()
				var ce *websocket.CloseError
				if !errors.As(err, &ce) || ce.Code != websocket.CloseNormalClosure || ce.Text != "arena deleted" {
					t.Fatalf("after the deleted frame: %s, %v; want the feed closed 1000 \"arena deleted\"", msg, err)
				}
				return
			}
		}
	})
	for _, tc := range []struct {
		name, method, path, key string
		body                    any
		status                  int
	}{
		{"the arena is not found", "GET", "/v1/arenas/gone", "", nil, 404},
		{"its leaderboard is not found", "GET", "/v1/arenas/gone/leaderboard", "", nil, 404},
		{"queueing in it is not found", "POST", "/v1/agents/" + ids[2].agentID + "/queue", ids[2].ownerKey, map[string]string{"arena": "gone"}, 404},
		{"its contest stays", "GET", "/v1/contests/c_gone", "", nil, 200},
		{"deleting it again is not found", "DELETE", "/v1/arenas/gone", plOperator, nil, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code := plHTTP(t, tc.method, base+tc.path, tc.key, tc.body, nil); code != tc.status {
				t.Fatalf("%s %s: %d, want %d", tc.method, tc.path, code, tc.status)
			}
		})
	}
	var q struct {
		Queued map[string]int `json:"queued"`
	}
	plHTTP(t, "GET", base+"/v1/arenas", "", nil, &q)
	if _, ok := q.Queued["gone"]; ok {
		t.Fatalf("the arena list still counts a queue for the deleted arena: %v", q.Queued)
	}
}
