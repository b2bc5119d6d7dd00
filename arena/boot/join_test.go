package boot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentarena/arena/agents/secrets"
	"github.com/agentarena/arena/arena/boot"
)

// member is a cluster member's join endpoint on a loopback port: it
// records every request and answers from a script, repeating the last
// answer once the script runs out.
type member struct {
	*httptest.Server
	mu      sync.Mutex
	answers []answer
	got     []joinCall
}

type answer struct {
	status int
	body   string
}

type joinCall struct {
	method, path, auth, contentType string
	body                            map[string]any
}

func newMember(t *testing.T, answers ...answer) *member {
	m := &member{answers: answers}
	m.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		call := joinCall{method: r.Method, path: r.URL.Path, auth: r.Header.Get("Authorization"), contentType: r.Header.Get("Content-Type")}
		_ = json.NewDecoder(r.Body).Decode(&call.body)
		m.mu.Lock()
		m.got = append(m.got, call)
		a := m.answers[min(len(m.got), len(m.answers))-1]
		m.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
	}))
	t.Cleanup(m.Close)
	return m
}

func (m *member) calls() []joinCall {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]joinCall(nil), m.got...)
}

func apiError(status int, code, msg string) answer {
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": msg}})
	return answer{status, string(b)}
}

func joined(secretsKey string) answer {
	b, _ := json.Marshal(map[string]any{"nodes": []map[string]any{{"id": "n1"}, {"id": "n2"}}, "secrets_key": secretsKey})
	return answer{http.StatusOK, string(b)}
}

var (
	notLeader = apiError(http.StatusMisdirectedRequest, "not_leader", "no leader is elected right now; retry shortly")
	starting  = apiError(http.StatusServiceUnavailable, "unavailable", "this node is starting and has not learned the cluster's keys yet; retry shortly")
)

func TestJoin(t *testing.T) {
	clusterKey, otherKey := newKey(t), newKey(t)
	tests := []struct {
		name      string
		answers   []answer
		ownKey    string // the joiner's secrets key before joining
		wantCalls int
		wantErr   string // "" for success
		adoptErr  bool   // the error comes from adopting the key, after joining
		wantKey   string // the joiner's key after a successful join
		wantLogs  []string
	}{
		{name: "a member that accepts at once hands over the cluster's key",
			answers: []answer{joined(clusterKey)}, wantCalls: 1, wantKey: clusterKey,
			wantLogs: []string{`msg="joined cluster"`}},
		{name: "elections, a starting member and a server error are waited out",
			answers:   []answer{notLeader, starting, apiError(500, "internal", "boom"), joined(clusterKey)},
			wantCalls: 4, wantKey: clusterKey,
			wantLogs: []string{`msg="join failed; retrying"`, "not_leader", "unavailable", `msg="joined cluster"`}},
		{name: "a joiner with the cluster's key keeps it", ownKey: clusterKey,
			answers: []answer{joined(clusterKey)}, wantCalls: 1, wantKey: clusterKey},
		{name: "a cluster without a key leaves the joiner without one",
			answers: []answer{joined("")}, wantCalls: 1, wantKey: ""},
		{name: "a wrong token is not retried",
			answers: []answer{apiError(401, "unauthorized", "unknown or revoked key")}, wantCalls: 1,
			wantErr: "unknown or revoked key (the member does not take this node's operator token: start the node with the token the cluster was started with"},
		{name: "a forbidden join is not retried",
			answers: []answer{apiError(403, "forbidden", "this route needs the operator token")}, wantCalls: 1, wantErr: "needs the operator token"},
		{name: "a malformed request is not retried",
			answers: []answer{apiError(400, "invalid", "bad node id")}, wantCalls: 1, wantErr: "bad node id"},
		{name: "a conflicting secrets key is not retried", ownKey: otherKey,
			answers: []answer{apiError(409, "conflict", `node "n2" holds a different secrets key than this cluster`)}, wantCalls: 1,
			wantErr: "different secrets key"},
		{name: "a cluster answering with another key than the joiner's is refused", ownKey: otherKey,
			answers: []answer{joined(clusterKey)}, wantCalls: 1, wantErr: "differs from the cluster's", adoptErr: true},
		{name: "a member that never gets ready is given up on",
			answers: []answer{starting}, wantErr: "gave up after 200ms; the last answer: arena: unavailable (HTTP 503): this node is starting"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMember(t, tt.answers...)
			dir := t.TempDir()
			keys, err := boot.LoadSecretsKey(dir, tt.ownKey, true)
			if err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			err = boot.Join(context.Background(), boot.JoinConfig{
				Via: m.URL + "/", OperatorToken: "aop_token", NodeID: "n2", RaftAddr: "127.0.0.1:7002", HTTPAddr: "http://127.0.0.1:8082",
				Secrets: keys, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
				Patience: 200 * time.Millisecond, Backoff: time.Millisecond,
			})
			calls := m.calls()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Join: %v; want an error containing %q", err, tt.wantErr)
				}
				// The member's refusals name it; a key conflict found
				// after joining is the node's own to explain.
				if named := strings.HasPrefix(err.Error(), "join "+m.URL+"/: "); named == tt.adoptErr {
					t.Errorf("error %q: naming the member is %v, want %v", err, named, !tt.adoptErr)
				}
			} else if err != nil {
				t.Fatalf("Join: %v", err)
			}
			if tt.wantCalls > 0 && len(calls) != tt.wantCalls {
				t.Errorf("%d join requests, want %d", len(calls), tt.wantCalls)
			}
			if tt.wantCalls == 0 && len(calls) < 2 {
				t.Errorf("%d join requests, want it to keep trying", len(calls))
			}
			for _, c := range calls {
				want := map[string]any{"node_id": "n2", "raft_addr": "127.0.0.1:7002", "http_addr": "http://127.0.0.1:8082"}
				if tt.ownKey != "" {
					want["secrets_key_id"] = secrets.Fingerprint(tt.ownKey)
				}
				if c.method != http.MethodPost || c.path != "/v1/cluster/join" || c.auth != "Bearer aop_token" || c.contentType != "application/json" {
					t.Errorf("request %s %s, Authorization %q, Content-Type %q", c.method, c.path, c.auth, c.contentType)
				}
				if !equalJSON(c.body, want) {
					t.Errorf("request body %v, want %v", c.body, want)
				}
			}
			if tt.wantErr == "" && keys.Key() != tt.wantKey {
				t.Errorf("secrets key %q after joining, want %q", keys.Key(), tt.wantKey)
			}
			for _, l := range tt.wantLogs {
				if !strings.Contains(logs.String(), l) {
					t.Errorf("logs lack %q:\n%s", l, logs.String())
				}
			}
		})
	}
}

func equalJSON(a, b map[string]any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// An unreachable member is retried like a starting one, and a cancelled
// start stops the waiting at once.
func TestJoinStopsWhenCancelled(t *testing.T) {
	m := newMember(t, starting)
	addr := m.URL
	m.Close() // nothing listens there any more
	keys, err := boot.LoadSecretsKey(t.TempDir(), "", true)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = boot.Join(ctx, boot.JoinConfig{Via: addr, OperatorToken: "aop_token", NodeID: "n2", Secrets: keys, Backoff: 10 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Join: %v, want the context's error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Join took %v after its context ended", d)
	}
}

// A --join value that is no HTTP URL fails at once.
func TestJoinRefusesABadURL(t *testing.T) {
	err := boot.Join(context.Background(), boot.JoinConfig{Via: "member:8080", OperatorToken: "aop_token", NodeID: "n2"})
	if err == nil || !strings.HasPrefix(err.Error(), "join member:8080: ") {
		t.Fatalf("Join: %v, want a join error naming the URL", err)
	}
}

// previousReleaseMember answers joins as the join handler of the release
// before command levels (commit 5ce5303) does: the body is decoded with
// unknown fields refused, and a field it does not know is a 400 naming
// it ("unknown field \"command_level\"", web's decodeStrict); a body it
// reads joins the node.
func previousReleaseMember(t *testing.T, clusterKey string) *member {
	m := &member{}
	m.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		call := joinCall{method: r.Method, path: r.URL.Path, auth: r.Header.Get("Authorization"), contentType: r.Header.Get("Content-Type")}
		_ = json.Unmarshal(body, &call.body)
		m.mu.Lock()
		m.got = append(m.got, call)
		m.mu.Unlock()
		var req struct { // that release's joinReq
			NodeID       string `json:"node_id"`
			RaftAddr     string `json:"raft_addr"`
			HTTPAddr     string `json:"http_addr"`
			SecretsKeyID string `json:"secrets_key_id,omitempty"`
			ReadReplica  bool   `json:"read_replica,omitempty"`
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		a := joined(clusterKey)
		if err := dec.Decode(&req); err != nil {
			a = apiError(http.StatusBadRequest, "invalid", "unknown field "+strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
	}))
	t.Cleanup(m.Close)
	return m
}

// A node of a release with command levels joins a cluster whose leader
// runs the release before them: that leader refuses the command_level
// field it does not know (400), and its cluster, at level 0, takes a node
// of any level, so the node asks again without the field. Before, the
// refusal ended the join: during a rolling upgrade, an upgraded binary
// could not be added, replace a dead member, or come back at a new
// address while an older node led, and a restarted member logged that
// it could not refresh its metadata.
func TestJoinAClusterOfTheReleaseBeforeLevels(t *testing.T) {
	clusterKey := newKey(t)
	m := previousReleaseMember(t, clusterKey)
	keys, err := boot.LoadSecretsKey(t.TempDir(), "", true)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	err = boot.Join(context.Background(), boot.JoinConfig{
		Via: m.URL, OperatorToken: "aop_token", NodeID: "n2", RaftAddr: "127.0.0.1:7002", HTTPAddr: "http://127.0.0.1:8082",
		CommandLevel: 1, Secrets: keys, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Patience: 200 * time.Millisecond, Backoff: time.Millisecond,
	})
	if err != nil {
		t.Fatalf("Join: %v\n%s", err, logs.String())
	}
	calls := m.calls()
	if len(calls) != 2 {
		t.Fatalf("%d join requests, want 2 (with the level, then without)", len(calls))
	}
	if l, ok := calls[0].body["command_level"]; !ok || l != float64(1) {
		t.Errorf("first request %v, want command_level 1", calls[0].body)
	}
	if _, ok := calls[1].body["command_level"]; ok {
		t.Errorf("second request %v still sends command_level", calls[1].body)
	}
	if keys.Key() != clusterKey {
		t.Errorf("secrets key %q after joining, want the cluster's", keys.Key())
	}
	if !strings.Contains(logs.String(), "before command levels") || strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("logs:\n%s", logs.String())
	}

	// Any other refusal of a request that carries the level stands: a
	// release with levels refuses an older node, never the field.
	for _, a := range []answer{
		apiError(http.StatusBadRequest, "invalid", `unknown field "colour"`),
		apiError(http.StatusConflict, "conflict", `node "n2" runs a release at command level 1 and this cluster is at level 2`),
	} {
		m := newMember(t, a)
		err := boot.Join(context.Background(), boot.JoinConfig{Via: m.URL, OperatorToken: "aop_token", NodeID: "n2",
			RaftAddr: "127.0.0.1:7002", HTTPAddr: "http://127.0.0.1:8082", CommandLevel: 1, Backoff: time.Millisecond})
		if err == nil || len(m.calls()) != 1 {
			t.Errorf("answer %s: Join %v after %d requests, want the refusal after 1", a.body, err, len(m.calls()))
		}
	}
}
