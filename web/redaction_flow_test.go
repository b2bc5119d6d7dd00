package web_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/internal/syncbuf"
	"github.com/agentarena/arena/web"
)

// TestNoKeyReachesTheLogs runs a whole life through one node wired as in
// production, with every component logging JSON at Debug (Raft included)
// into one buffer: sign up, register agents, connect them, play a contest
// to its end, rotate every key, then knock with keys in every wrong place
// (query strings, odd headers, bodies, frames, refused websockets, limit
// refusals). Every key issued, and its hash, must be absent from the log.
func TestNoKeyReachesTheLogs(t *testing.T) {
	var logs syncbuf.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ln := limCluster(t, limOptions{logger: logger, web: func(c *web.Config) {
		c.MaxBodyBytes = 4096
		c.Limits.WSConnsPerKey = 2
	}})
	base := ln.url
	sec := secrets{}
	sec.add("operator token", arenatest.OperatorToken)

	// Sign up, register, connect, play.
	ids := plAgents(t, base, "red-a", "red-b")
	sec.add("owner key", ids[0].ownerKey)
	sec.add("agent A key", ids[0].agentKey)
	sec.add("agent B key", ids[1].agentKey)
	var tr struct {
		Key string `json:"trainer_key"`
	}
	if code := plHTTP(t, "POST", base+"/v1/trainers", arenatest.OperatorToken, map[string]string{"name": "red-trainer"}, &tr); code != 201 {
		t.Fatalf("create trainer: %d", code)
	}
	if tr.Key == "" {
		t.Fatal("trainer key missing from the creation answer")
	}
	sec.add("trainer key", tr.Key)

	a := plDial(t, base+"/v1/agents/connect", ids[0].agentKey)
	b := plDial(t, base+"/v1/agents/connect", ids[1].agentKey)
	a.expect("hello", 5*time.Second)
	b.expect("hello", 5*time.Second)
	plStart(t, a, b)
	endA, endB := make(chan plEnd, 1), make(chan plEnd, 1)
	autoplay(t, a, drawLine, endA)
	autoplay(t, b, drawLine, endB)
	for _, ch := range []chan plEnd{endA, endB} {
		select {
		case e := <-ch:
			if e.Status != "settled" {
				t.Fatalf("contest ended %+v", e)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the contest did not end")
		}
	}

	// Rotate every key; the old ones become wrong keys to knock with.
	var ok struct {
		APIKey   string `json:"api_key"`
		AgentKey string `json:"agent_key"`
	}
	if code := plHTTP(t, "POST", base+"/v1/owners/me/key", ids[0].ownerKey, map[string]any{}, &ok); code != 200 || ok.APIKey == "" {
		t.Fatalf("rotate owner key: %d", code)
	}
	sec.add("rotated owner key", ok.APIKey)
	newOwner := ok.APIKey
	if code := plHTTP(t, "POST", base+"/v1/agents/"+ids[0].agentID+"/key", newOwner, map[string]any{}, &ok); code != 200 || ok.AgentKey == "" {
		t.Fatalf("rotate agent key: %d", code)
	}
	sec.add("rotated agent key", ok.AgentKey)

	old, agentOld := ids[0].ownerKey, ids[0].agentKey
	knocks := []struct {
		method, path, body string
		header             map[string]string
	}{
		{"GET", "/v1/owners/me?key=" + old + "&api_key=" + newOwner + "&token=" + arenatest.OperatorToken, "", nil},
		{"GET", "/v1/owners/me", "", map[string]string{"Authorization": "Bearer " + old}},
		{"GET", "/v1/owners/me", "", map[string]string{"Authorization": "Basic " + newOwner}},
		{"GET", "/v1/owners/me", "", map[string]string{"Authorization": newOwner}},
		{"GET", "/v1/owners/me", "", map[string]string{"Authorization": "Bearer " + newOwner + " " + tr.Key}},
		{"GET", "/v1/owners/me", "", map[string]string{"X-Api-Key": newOwner, "Cookie": "session=" + tr.Key}},
		{"GET", "/v1/nope/" + newOwner, "", nil},
		{"GET", "/v1/agents/" + agentOld, "", nil},
		{"GET", "/v1/contests?arena=" + newOwner, "", nil},
		{"GET", "/v1/agents?consistency=" + newOwner, "", nil},
		{"POST", "/v1/agents", `{"name":"x","api_key":"` + newOwner + `"}`, map[string]string{"Authorization": "Bearer " + newOwner}},
		{"POST", "/v1/agents", `{"name":` + `"` + newOwner, map[string]string{"Authorization": "Bearer " + newOwner}},
		{"POST", "/v1/agents", `{"name":["` + newOwner + `"]}`, map[string]string{"Authorization": "Bearer " + newOwner}},
		{"POST", "/v1/agents", `{"name":"` + strings.Repeat(newOwner, 200) + `"}`, map[string]string{"Authorization": "Bearer " + newOwner}},
		{"POST", "/v1/owners", `{"name":"e"}`, map[string]string{"Content-Type": newOwner}},
		{"POST", "/v1/owners", `{"name":"e"}`, map[string]string{"Origin": "https://" + newOwner + ".example", "Sec-Fetch-Site": "cross-site"}},
		{"PUT", "/v1/arenas/" + strings.ToLower(newOwner), `{}`, map[string]string{"Authorization": "Bearer " + arenatest.OperatorToken}},
		{"POST", "/v1/ledger/grants", `{"owner_id":"` + tr.Key + `","amount":1}`, map[string]string{"Authorization": "Bearer " + arenatest.OperatorToken}},
		{"GET", "/v1/preferences?cursor=" + tr.Key, "", map[string]string{"Authorization": "Bearer " + tr.Key}},
	}
	for _, k := range knocks {
		r := limDo(t, k.method, base+k.path, "", k.body, k.header)
		if r.status < 400 && k.method != "GET" {
			t.Errorf("%s %s was accepted (%d)", k.method, k.path, r.status)
		}
	}

	// Websockets: refused keys, keys in the query, frames full of keys.
	for _, h := range []http.Header{
		{"Authorization": {"Bearer " + agentOld}},
		{"Authorization": {"Bearer " + newOwner}, "Origin": {"https://" + tr.Key + ".example"}},
	} {
		if c, _, _, err := wsDial(base+"/v1/agents/connect?key="+newOwner, "", h); err == nil {
			c.Close()
			t.Errorf("websocket with %v was accepted", h)
		}
	}
	c := plDial(t, base+"/v1/agents/connect", ok.AgentKey)
	c.expect("hello", 5*time.Second)
	for _, f := range []string{
		`{"type":"` + newOwner + `"}`,
		`{"type":"move","contest":"` + newOwner + `","move":1}`,
		`{"type":"queue","arena":"` + tr.Key + `"}`,
		`{"type":"chunk","contest":"c_x","text":"` + newOwner + `"}`,
		`not json ` + newOwner,
	} {
		c.sendRaw(f)
	}
	c.send(map[string]string{"type": "ping"})
	c.expect("pong", 5*time.Second)
	// A frame over the limit ends the session (close 1009).
	_ = c.conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping","pad":"`+strings.Repeat(newOwner, 3000)+`"}`))

	// The log really is the whole node's, at Debug.
	time.Sleep(100 * time.Millisecond) // let the session's last lines land
	out := logs.String()
	for _, want := range []string{`"level":"DEBUG"`, `"route":"/v1/owners/me"`, `"msg":"agent connected"`, `agent frame over the limit`} {
		if !strings.Contains(out, want) {
			t.Fatalf("the captured log lacks %s; is every logger wired? (%d bytes)", want, len(out))
		}
	}
	if found := sec.leaks(out); len(found) > 0 {
		for _, line := range strings.Split(out, "\n") {
			if len(sec.leaks(line)) > 0 {
				t.Logf("leaking line: %.300s", line)
			}
		}
		t.Errorf("logs contain %v", found)
	}
}
