package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/agentarena/arena/client/clienttest"
)

// lines joins expected output lines; it keeps golden tables readable.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

func TestCreatedKeysArePrintedOnceWithAWarning(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		wantOut   string
		wantWarn  string
		wantKeyJS string
	}{
		{
			name: "owner create prints the owner and its API key as a table",
			args: []string{"owner", "create", "--name", "alice", "--email", "alice@example.com"},
			wantOut: lines(
				"ID       own_2",
				"NAME     alice",
				"EMAIL    alice@example.com",
				"CREATED  2025-01-02T03:04:07Z",
				"API KEY  aro_key2"),
			wantWarn: "arenactl: warning: this API key is shown only once and cannot be retrieved later; store it now.\n",
		},
		{
			name:      "owner create --json prints the API's object including the key",
			args:      []string{"owner", "create", "--name", "alice", "--json"},
			wantWarn:  "arenactl: warning: this API key is shown only once",
			wantKeyJS: "api_key",
		},
		{
			name: "agent create prints the agent and its agent key as a table",
			args: []string{"--key", "aro_key1", "agent", "create", "--name", "chess-bot", "--kind", "webhook", "--webhook-url", "https://h.example/chess"},
			wantOut: lines(
				"ID           agt_2",
				"OWNER        own_1",
				"NAME         chess-bot",
				"DESCRIPTION  -",
				"KIND         webhook",
				"WEBHOOK URL  https://h.example/chess",
				"VERSION      1",
				"CREATED      2025-01-02T03:04:07Z",
				"UPDATED      2025-01-02T03:04:07Z",
				"AGENT KEY    ara_key2"),
			wantWarn: "arenactl: warning: this agent key is shown only once and cannot be retrieved later; store it now.\n",
		},
		{
			name:      "agent create --json prints the API's object including the key",
			args:      []string{"--key", "aro_key1", "agent", "create", "--name", "go-bot", "--json"},
			wantWarn:  "arenactl: warning: this agent key is shown only once",
			wantKeyJS: "agent_key",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := clienttest.NewServer(t)
			fake.AddOwner("seed", "") // own_1 with aro_key1
			r := runCLI(t, map[string]string{"ARENA_SERVER": fake.URL}, tt.args...)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			if !strings.HasPrefix(r.stderr, tt.wantWarn) || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("stderr = %q, want the one-line warning %q", r.stderr, tt.wantWarn)
			}
			if tt.wantKeyJS == "" {
				if r.stdout != tt.wantOut {
					t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, tt.wantOut)
				}
				return
			}
			var obj map[string]any
			if err := json.Unmarshal([]byte(r.stdout), &obj); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
			}
			if key, _ := obj[tt.wantKeyJS].(string); !strings.HasPrefix(key, "ar") {
				t.Errorf("%s = %v in %s", tt.wantKeyJS, obj[tt.wantKeyJS], r.stdout)
			}
		})
	}
}

func TestAgentCommandsPrintTablesAndSendMinimalRequests(t *testing.T) {
	fake := clienttest.NewServer(t)
	_, key := fake.AddOwner("alice", "")
	env := map[string]string{"ARENA_SERVER": fake.URL, "ARENA_KEY": key}
	for _, name := range []string{"chess-bot", "go-bot", "evil\x1b[31mred"} {
		if r := runCLI(t, env, "agent", "create", "--name", name); r.code != 0 {
			t.Fatalf("setup: %+v", r)
		}
	}
	tests := []struct {
		name       string
		args       []string
		wantOut    string
		wantStderr string
		wantReq    string // "METHOD path?query body" of the last request
	}{
		{
			name: "agent list prints one row per agent and escapes control characters",
			args: []string{"agent", "list"},
			wantOut: lines(
				"ID     NAME               KIND       VERSION  OWNER  UPDATED",
				"agt_2  chess-bot          websocket  1        own_1  2025-01-02T03:04:07Z",
				"agt_3  go-bot             websocket  1        own_1  2025-01-02T03:04:08Z",
				`agt_4  "evil\x1b[31mred"  websocket  1        own_1  2025-01-02T03:04:09Z`),
			wantReq: "GET /v1/agents?owner=me ",
		},
		{
			name: "agent list with an empty --owner lists every owner's agents",
			args: []string{"agent", "list", "--owner=", "--limit", "100"},
			wantOut: lines(
				"ID     NAME               KIND       VERSION  OWNER  UPDATED",
				"agt_2  chess-bot          websocket  1        own_1  2025-01-02T03:04:07Z",
				"agt_3  go-bot             websocket  1        own_1  2025-01-02T03:04:08Z",
				`agt_4  "evil\x1b[31mred"  websocket  1        own_1  2025-01-02T03:04:09Z`),
			wantReq: "GET /v1/agents?limit=100 ",
		},
		{
			name: "agent list with --limit prints one page and how to get the next",
			args: []string{"agent", "list", "--owner", "own_1", "--limit", "1"},
			wantOut: lines(
				"ID     NAME       KIND       VERSION  OWNER  UPDATED",
				"agt_2  chess-bot  websocket  1        own_1  2025-01-02T03:04:07Z"),
			wantStderr: "arenactl: more agents follow; next page: --limit 1 --cursor cur_2\n",
			wantReq:    "GET /v1/agents?limit=1&owner=own_1 ",
		},
		{
			name: "agent list with --cursor continues after the given page",
			args: []string{"agent", "list", "--limit", "1", "--cursor", "cur_3"},
			wantOut: lines(
				"ID     NAME               KIND       VERSION  OWNER  UPDATED",
				`agt_4  "evil\x1b[31mred"  websocket  1        own_1  2025-01-02T03:04:09Z`),
			wantReq: "GET /v1/agents?cursor=cur_3&limit=1&owner=me ",
		},
		{
			name:    "agent update sends only the flags given, with an empty value clearing a field",
			args:    []string{"agent", "update", "agt_2", "--name", "chess2", "--description="},
			wantOut: "ID           agt_2\nOWNER        own_1\nNAME         chess2\nDESCRIPTION  -\nKIND         websocket\nWEBHOOK URL  -\nVERSION      2\nCREATED      2025-01-02T03:04:07Z\nUPDATED      2025-01-02T03:04:10Z\n",
			wantReq: `PATCH /v1/agents/agt_2 {"name":"chess2","description":""}`,
		},
		{
			name:    "agent show --json prints the API's agent object",
			args:    []string{"agent", "show", "agt_3", "--json"},
			wantOut: "{\n  \"agent\": {\n    \"id\": \"agt_3\",\n    \"owner_id\": \"own_1\",\n    \"name\": \"go-bot\",\n    \"description\": \"\",\n    \"kind\": \"websocket\",\n    \"webhook_url\": \"\",\n    \"version\": 1,\n    \"created_at\": \"2025-01-02T03:04:08Z\",\n    \"updated_at\": \"2025-01-02T03:04:08Z\"\n  }\n}\n",
			wantReq: "GET /v1/agents/agt_3 ",
		},
		{
			name:    "agent delete confirms the deletion",
			args:    []string{"agent", "delete", "agt_3"},
			wantOut: "deleted agent agt_3\n",
			wantReq: "DELETE /v1/agents/agt_3 ",
		},
		{
			name:    "agent delete --json prints nothing because the API returns no body",
			args:    []string{"agent", "delete", "agt_4", "--json"},
			wantOut: "",
			wantReq: "DELETE /v1/agents/agt_4 ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, env, tt.args...)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			if r.stdout != tt.wantOut {
				t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, tt.wantOut)
			}
			if r.stderr != tt.wantStderr {
				t.Errorf("stderr = %q, want %q", r.stderr, tt.wantStderr)
			}
			last := fake.LastRequest()
			req := last.Method + " " + last.Path
			if last.RawQuery != "" {
				req += "?" + last.RawQuery
			}
			if req += " " + last.Body; req != tt.wantReq {
				t.Errorf("last request = %q, want %q", req, tt.wantReq)
			}
		})
	}
}

func TestAgentListFollowsEveryCursor(t *testing.T) {
	fake := clienttest.NewServer(t)
	_, key := fake.AddOwner("alice", "")
	env := map[string]string{"ARENA_SERVER": fake.URL, "ARENA_KEY": key}
	const total = 120 // more than two of the fake's default 50-agent pages
	for i := range total {
		if r := runCLI(t, env, "agent", "create", "--name", fmt.Sprintf("bot-%03d", i)); r.code != 0 {
			t.Fatalf("setup: %+v", r)
		}
	}
	tests := []struct {
		name     string
		args     []string
		wantRows int
	}{
		{"the table holds every agent", []string{"agent", "list"}, total},
		{"the JSON holds every agent and no cursor", []string{"agent", "list", "--json"}, total},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(fake.Requests())
			r := runCLI(t, env, tt.args...)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			if n := len(fake.Requests()) - before; n != 3 {
				t.Errorf("made %d list requests, want 3", n)
			}
			rows := strings.Count(r.stdout, "bot-")
			if rows != tt.wantRows || !strings.Contains(r.stdout, "bot-119") || strings.Contains(r.stdout, "next_cursor") {
				t.Errorf("output has %d agents (want %d):\n%.300s", rows, tt.wantRows, r.stdout)
			}
		})
	}
}

func TestClusterCommands(t *testing.T) {
	fake := clienttest.NewServer(t)
	env := map[string]string{"ARENA_SERVER": fake.URL, "ARENA_OPERATOR_TOKEN": clienttest.OperatorToken}
	tests := []struct {
		name      string
		args      []string
		wantOut   string
		wantQuery string
	}{
		{
			name: "cluster status prints the node's state and the membership",
			args: []string{"cluster", "status"},
			wantOut: lines(
				"NODE            n1",
				"STATE           Leader",
				"TERM            3",
				"LEADER          n1 (10.0.0.1:8080)",
				"COMMIT INDEX    42",
				"APPLIED INDEX   42",
				"LAST LOG INDEX  42",
				"STATE HASH      9f86d081884c7d65 (at index 42)",
				"",
				"ID  RAFT ADDR      HTTP ADDR      SUFFRAGE  LEADER",
				"n1  10.0.0.1:7000  10.0.0.1:8080  Voter     yes",
				"n2  10.0.0.2:7000  10.0.0.2:8080  Voter     no",
				"n3  10.0.0.3:7000  10.0.0.3:8080  Voter     no"),
		},
		{
			name:      "cluster status --linearizable asks for a linearizable read",
			args:      []string{"cluster", "status", "--linearizable"},
			wantQuery: "consistency=linearizable",
		},
		{
			name:    "cluster remove confirms the removal",
			args:    []string{"cluster", "remove", "n3"},
			wantOut: "removed node n3\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, env, tt.args...)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			if tt.wantOut != "" && r.stdout != tt.wantOut {
				t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, tt.wantOut)
			}
			if q := fake.LastRequest().RawQuery; q != tt.wantQuery {
				t.Errorf("query = %q, want %q", q, tt.wantQuery)
			}
		})
	}
	t.Run("cluster status --json prints the API's object", func(t *testing.T) {
		r := runCLI(t, env, "cluster", "status", "--json")
		var st struct {
			NodeID string `json:"node_id"`
			Leader struct {
				ID string `json:"id"`
			} `json:"leader"`
			Nodes []struct {
				ID string `json:"id"`
			} `json:"nodes"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || r.code != 0 {
			t.Fatalf("exit %d, %v:\n%s", r.code, err, r.stdout)
		}
		if st.NodeID != "n1" || st.Leader.ID != "n1" || len(st.Nodes) != 2 {
			t.Errorf("decoded %+v; want n1 leading two nodes after the removal", st)
		}
	})
}
