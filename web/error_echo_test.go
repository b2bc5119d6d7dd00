package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/arena/arenatest"
)

// TestErrorsCutWhatTheyEchoFromThePath: a request whose path holds a
// 20 KB id or name is answered with a short error that says it cut the
// echo, on every route that takes one and on paths no route serves.
// Before, "agent xxx… not found" repeated all 20 KB.
func TestErrorsCutWhatTheyEchoFromThePath(t *testing.T) {
	ln := limCluster(t, limOptions{})
	long := strings.Repeat("x", 20000)
	call := func(method, path string) (int, string) {
		t.Helper()
		var body io.Reader
		if method != "GET" && method != "DELETE" && method != "HEAD" {
			body = strings.NewReader("{}")
		}
		req, err := http.NewRequest(method, ln.url+path, body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+arenatest.OperatorToken)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %.80s: %v", method, path, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var e struct {
			Error *struct{ Code, Message string }
		}
		if json.Unmarshal(b, &e) != nil || e.Error == nil {
			return res.StatusCode, ""
		}
		return res.StatusCode, e.Error.Message
	}
	// short: the message is short, and an echo of the long value is cut
	// and says so.
	short := func(what, msg string) {
		t.Helper()
		if len(msg) > 1024 {
			t.Errorf("%s: a %d-byte message: %.200s…", what, len(msg), msg)
		}
		if strings.Contains(msg, strings.Repeat("x", 32)) && !strings.Contains(msg, "(cut from ") {
			t.Errorf("%s: %q echoes the path's value without saying it was cut", what, msg)
		}
	}

	for _, tc := range []struct {
		method, path string
		status       int
		says         string // a cut echo of the long value
	}{
		{"GET", "/v1/agents/" + long, 404, "agent " + strings.Repeat("x", 128) + "… (cut from 20000 bytes) not found"},
		{"GET", "/v1/arenas/" + long, 404, "(cut from 20000 bytes)"},
		{"GET", "/v1/arenas/" + long + "/leaderboard", 404, "(cut from 20000 bytes)"},
		{"GET", "/v1/contests/" + long, 404, "(cut from 20000 bytes)"},
		{"GET", "/v1/owners/" + long, 404, "(cut from 20000 bytes)"},
		{"GET", "/v1/nosuch/" + long, 404, "no route for GET /v1/nosuch/xxx"},
		{"GET", "/ui/" + long, 404, "(cut from 20000 bytes)"},
		{"PATCH", "/v1/arenas/" + long, 405, "is not allowed on /v1/arenas/xxx"},
	} {
		status, msg := call(tc.method, tc.path)
		what := tc.method + " " + tc.path[:min(len(tc.path), 40)] + "…"
		if status != tc.status || !strings.Contains(msg, tc.says) || !strings.Contains(msg, "(cut from ") {
			t.Errorf("%s: %d %.300q, want %d saying %q", what, status, msg, tc.status, tc.says)
		}
		short(what, msg)
	}

	// Every route that takes an id or name from its path.
	for _, r := range ln.srv.Routes() {
		if !strings.ContainsAny(r.Path, ":*") {
			continue
		}
		parts := strings.Split(r.Path, "/")
		for i, p := range parts {
			if strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*") {
				parts[i] = long
			}
		}
		_, msg := call(r.Method, strings.Join(parts, "/"))
		short(r.Method+" "+r.Path, msg)
	}
}

// TestAgentErrorFramesCutWhatTheyEcho: an agent's frame naming a 20 KB
// arena or contest is answered with an error frame whose message cuts
// the echo and says so, as its arena and contest fields always did.
// Before, "arena xxx… not found" repeated all 20 KB.
func TestAgentErrorFramesCutWhatTheyEcho(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	a := plAgents(t, base, "echo-agent")[0]
	conn := plDial(t, base+"/v1/agents/connect", a.agentKey)
	conn.expect("hello", 10*time.Second)
	long := strings.Repeat("x", 20000)
	for _, frame := range []map[string]any{
		{"type": "queue", "arena": long},
		{"type": "unqueue", "arena": long},
		{"type": "move", "contest": long, "seq": 1, "move": 1},
	} {
		conn.send(frame)
		var e struct{ Code, Message string }
		conn.expect("error", 10*time.Second).decode(t, &e)
		if len(e.Message) > 1024 || !strings.Contains(e.Message, "… (cut from 20000 bytes)") {
			t.Errorf("%s frame: %s %d-byte message %.300q, want one that cuts the echo and says so", frame["type"], e.Code, len(e.Message), e.Message)
		}
	}
}
