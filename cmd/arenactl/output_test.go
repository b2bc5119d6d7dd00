package main

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/client/clienttest"
)

// lines joins expected output lines; it keeps golden tables readable.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

// lastRequest renders the server's last request as "METHOD path?query body",
// with known values named as normalize names them.
func lastRequest(srv *clienttest.Server, known map[string]string) string {
	last := srv.LastRequest()
	req := last.Method + " " + last.Path
	if last.RawQuery != "" {
		req += "?" + last.RawQuery
	}
	return normalize(req+" "+last.Body, known)
}

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
				"ID       {new-owner}",
				"NAME     alice",
				"EMAIL    alice@example.com",
				"CREATED  {time}",
				"API KEY  {owner-key}"),
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
			args: []string{"--key", "{seed-key}", "agent", "create", "--name", "chess-bot", "--kind", "webhook", "--webhook-url", "https://h.example/chess"},
			wantOut: lines(
				"ID           {new-agent}",
				"OWNER        {seed}",
				"NAME         chess-bot",
				"DESCRIPTION  -",
				"KIND         webhook",
				"WEBHOOK URL  https://h.example/chess",
				"VERSION      1",
				"CREATED      {time}",
				"UPDATED      {time}",
				"AGENT KEY    {agent-key}",
				"WEBHOOK SECRET  {webhook-secret}"),
			wantWarn: "arenactl: warning: this agent key and webhook secret are shown only once and cannot be retrieved later; store them now.\n",
		},
		{
			name:      "agent create --json prints the API's object including the key",
			args:      []string{"--key", "{seed-key}", "agent", "create", "--name", "go-bot", "--json"},
			wantWarn:  "arenactl: warning: this agent key is shown only once",
			wantKeyJS: "agent_key",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := clienttest.NewServer(t)
			seed, seedKey := srv.AddOwner(t, "seed", "")
			known := map[string]string{"seed": seed, "seed-key": seedKey}
			args := slices.Clone(tt.args)
			for i, a := range args {
				args[i] = strings.ReplaceAll(a, "{seed-key}", seedKey)
			}
			r := runCLI(t, map[string]string{"ARENA_SERVER": srv.URL}, args...)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			if !strings.HasPrefix(r.stderr, tt.wantWarn) || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("stderr = %q, want the one-line warning %q", r.stderr, tt.wantWarn)
			}
			if tt.wantKeyJS == "" {
				if got := normalize(r.stdout, known); !sameTable(got, tt.wantOut) {
					t.Errorf("stdout:\n%s\nwant:\n%s", got, tt.wantOut)
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

// agentsByID creates websocket agents through the API and returns their
// ids in the order the API lists agents, by id.
func agentsByID(t *testing.T, c *client.Client, names ...string) []string {
	t.Helper()
	var ids []string
	for _, name := range names {
		a, err := c.CreateAgent(context.Background(), client.CreateAgentRequest{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.Agent.ID)
	}
	slices.Sort(ids)
	return ids
}

func TestAgentCommandsPrintTablesAndSendMinimalRequests(t *testing.T) {
	srv := clienttest.NewServer(t)
	alice, key := srv.AddOwner(t, "alice", "")
	env := map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": key}
	ids := agentsByID(t, srv.Client(t, key), "chess-bot", "go-bot", "red-bot")
	known := map[string]string{"alice": alice}
	names := map[string]string{}
	for _, id := range ids {
		a, err := srv.Client(t, key).GetAgent(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		known[a.Name] = id
		names[id] = a.Name
	}
	// row is an agent's line of agent list, in listing (id) order.
	row := func(i int) string {
		return fmt.Sprintf("{%s}  %s  websocket  1  {alice}  {time}", names[ids[i]], names[ids[i]])
	}
	const header = "ID  NAME  KIND  VERSION  OWNER  UPDATED"
	// One owner's agents also show their connection, queue places and
	// Elo, read from the owner routes a page at a time.
	const ownerHeader = header + "  CONNECTION  QUEUED  ELO"
	ownerRow := func(i int) string { return row(i) + "  disconnected  -  -" }
	tests := []struct {
		name       string
		args       []string
		wantOut    string
		wantStderr string
		wantReq    string // "METHOD path?query body" of the last request
	}{
		{
			name:    "agent list prints one row per agent",
			args:    []string{"agent", "list"},
			wantOut: lines(ownerHeader, ownerRow(0), ownerRow(1), ownerRow(2)),
			wantReq: "GET /v1/owners/me/ratings ",
		},
		{
			name:    "agent list with an empty --owner lists every owner's agents",
			args:    []string{"agent", "list", "--owner=", "--limit", "100"},
			wantOut: lines(header, row(0), row(1), row(2)),
			wantReq: "GET /v1/agents?limit=100 ",
		},
		{
			name:       "agent list with --limit prints one page and how to get the next",
			args:       []string{"agent", "list", "--owner", alice, "--limit", "1"},
			wantOut:    lines(ownerHeader, ownerRow(0)),
			wantStderr: fmt.Sprintf("arenactl: more agents follow; next page: --limit 1 --cursor {%s}\n", names[ids[0]]),
			wantReq:    "GET /v1/owners/{alice}/ratings?limit=1 ",
		},
		{
			name:    "agent list with --cursor continues after the given page",
			args:    []string{"agent", "list", "--limit", "1", "--cursor", ids[1]},
			wantOut: lines(ownerHeader, ownerRow(2)),
			wantReq: fmt.Sprintf("GET /v1/owners/me/ratings?cursor={%s}&limit=1 ", names[ids[1]]),
		},
		{
			name: "agent update sends only the flags given, with an empty value clearing a field",
			args: []string{"agent", "update", known["chess-bot"], "--name", "chess2", "--description="},
			wantOut: lines(
				"ID           {chess-bot}",
				"OWNER        {alice}",
				"NAME         chess2",
				"DESCRIPTION  -",
				"KIND         websocket",
				"WEBHOOK URL  -",
				"VERSION      2",
				"CREATED      {time}",
				"UPDATED      {time}"),
			wantReq: `PATCH /v1/agents/{chess-bot} {"name":"chess2","description":""}`,
		},
		{
			// The API's whole answer: it dropped owner_name, and the
			// queues the agent waits in and its connection, which its
			// owner sees.
			name:    "agent show --json prints the API's answer",
			args:    []string{"agent", "show", known["go-bot"], "--json"},
			wantOut: "{\n  \"agent\": {\n    \"id\": \"{go-bot}\",\n    \"owner_id\": \"{alice}\",\n    \"name\": \"go-bot\",\n    \"description\": \"\",\n    \"kind\": \"websocket\",\n    \"webhook_url\": \"\",\n    \"version\": 1,\n    \"created_at\": \"{time}\",\n    \"updated_at\": \"{time}\"\n  },\n  \"owner_name\": \"alice\",\n  \"queued\": [],\n  \"connection\": {\n    \"state\": \"disconnected\",\n    \"node_id\": \"node0\"\n  }\n}\n",
			wantReq: "GET /v1/agents/{go-bot} ",
		},
		{
			name:    "agent delete confirms the deletion",
			args:    []string{"agent", "delete", known["go-bot"]},
			wantOut: "deleted agent {go-bot}\n",
			wantReq: "DELETE /v1/agents/{go-bot} ",
		},
		{
			name:    "agent delete --json prints nothing because the API returns no body",
			args:    []string{"agent", "delete", known["red-bot"], "--json"},
			wantOut: "",
			wantReq: "DELETE /v1/agents/{red-bot} ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, env, tt.args...)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			if got := normalize(r.stdout, known); !sameTable(got, tt.wantOut) {
				t.Errorf("stdout:\n%s\nwant:\n%s", got, tt.wantOut)
			}
			if got := normalize(r.stderr, known); got != tt.wantStderr {
				t.Errorf("stderr = %q, want %q", got, tt.wantStderr)
			}
			if req := lastRequest(srv, known); req != tt.wantReq {
				t.Errorf("last request = %q, want %q", req, tt.wantReq)
			}
		})
	}
	t.Run("a name with control characters is refused by the server", func(t *testing.T) {
		r := runCLI(t, env, "agent", "create", "--name", "evil\x1b[31mred")
		if r.code != 1 || !strings.Contains(r.stderr, "arenactl: invalid: ") || !strings.Contains(r.stderr, "control characters") {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
}

func TestTableCellsKeepControlCharactersQuoted(t *testing.T) {
	var out strings.Builder
	tb := newTable(&out)
	tb.row("ID", "NAME")
	tb.row("ag_1", "evil\x1b[31mred")
	tb.row("ag_2", "tab\there")
	tb.row("ag_3", "")
	if err := tb.flush(); err != nil {
		t.Fatal(err)
	}
	want := lines(
		"ID    NAME",
		`ag_1  "evil\x1b[31mred"`,
		`ag_2  "tab\there"`,
		"ag_3  -")
	if out.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestAgentListFollowsEveryCursor(t *testing.T) {
	srv := clienttest.NewServer(t)
	_, key := srv.AddOwner(t, "alice", "")
	env := map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": key}
	const total = 120 // more than the server's default page of 100
	names := make([]string, total)
	for i := range names {
		names[i] = fmt.Sprintf("bot-%03d", i)
	}
	agentsByID(t, srv.Client(t, key), names...)
	// The table shows each agent's connection and Elo: per page of 100,
	// the agents, then the same page of the owner's connections and of
	// its ratings, never a request per agent.
	pageReqs := func(more bool) []string {
		if more {
			return []string{"/v1/agents?cursor=.&owner=me", "/v1/owners/me/connections?cursor=.", "/v1/owners/me/ratings?cursor=."}
		}
		return []string{"/v1/agents?owner=me", "/v1/owners/me/connections?", "/v1/owners/me/ratings?"}
	}
	tests := []struct {
		name     string
		args     []string
		wantRows int
		wantReqs []string
	}{
		{"the table holds every agent", []string{"agent", "list"}, total, append(pageReqs(false), pageReqs(true)...)},
		{"the JSON holds every agent and no cursor", []string{"agent", "list", "--json"}, total,
			[]string{"/v1/agents?owner=me", "/v1/agents?cursor=.&owner=me"}},
	}
	cursorValue := regexp.MustCompile(`cursor=[^&]*`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.Requests())
			r := runCLI(t, env, tt.args...)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			var reqs []string
			for _, q := range srv.Requests()[before:] {
				reqs = append(reqs, q.Path+"?"+cursorValue.ReplaceAllString(q.RawQuery, "cursor=."))
			}
			if !slices.Equal(reqs, tt.wantReqs) {
				t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(reqs, "\n"), strings.Join(tt.wantReqs, "\n"))
			}
			rows := strings.Count(r.stdout, "bot-")
			if rows != tt.wantRows || !strings.Contains(r.stdout, "bot-119") || strings.Contains(r.stdout, "next_cursor") {
				t.Errorf("output has %d agents (want %d):\n%.300s", rows, tt.wantRows, r.stdout)
			}
		})
	}
}

func TestClusterCommands(t *testing.T) {
	srv := clienttest.NewServer(t)
	env := map[string]string{"ARENA_SERVER": srv.URL, "ARENA_OPERATOR_TOKEN": clienttest.OperatorToken}
	second := srv.Cluster.Add() // a follower, so that there is a member to remove
	srv.Cluster.WaitConverged()
	st, err := srv.Client(t, clienttest.OperatorToken).Cluster(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
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
				"CLUSTER         "+st.ClusterID,
				"NODE            node0",
				"STATE           Leader",
				fmt.Sprintf("TERM            %d", st.Term),
				"LEADER          node0 ("+srv.URL+")",
				fmt.Sprintf("COMMIT INDEX    %d", st.CommitIndex),
				fmt.Sprintf("APPLIED INDEX   %d", st.AppliedIndex),
				fmt.Sprintf("LAST LOG INDEX  %d", st.LastLogIndex),
				fmt.Sprintf("STATE HASH      %s (at index %d)", st.StateHash, st.StateHashIndex),
				fmt.Sprintf("COMMAND LEVEL   %d", st.CommandLevel),
				"",
				"ID     RAFT ADDR  HTTP ADDR                    SUFFRAGE  APPLIED  LAG  LEVEL  LEADER",
				fmt.Sprintf("node0  node0      %s  Voter     %d        0    %d      yes", srv.URL, st.AppliedIndex, st.CommandLevel),
				// node1's address cannot be polled: its lag and level are
				// unknown until the first poll, its lag unreachable after.
				"node1  node1      http://node1.invalid         Voter     -        LAG  -  no"),
		},
		{
			name:      "cluster status --linearizable asks for a linearizable read",
			args:      []string{"cluster", "status", "--linearizable"},
			wantQuery: "consistency=linearizable",
		},
		{
			// Without --force the query is empty (cli_test.go sends it).
			name:      "cluster remove --force confirms the removal and asks the server to skip its quorum check",
			args:      []string{"cluster", "remove", srv.Cluster.Nodes[second].ID(), "--force"},
			wantOut:   "removed node node1\n",
			wantQuery: "force=true",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, env, tt.args...)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			if tt.wantOut != "" && !sameTable(r.stdout, tt.wantOut) &&
				!sameTable(r.stdout, strings.Replace(tt.wantOut, "LAG  -  no", "-  -  no", 1)) &&
				!sameTable(r.stdout, strings.Replace(tt.wantOut, "LAG  -  no", "unreachable  -  no", 1)) {
				t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, tt.wantOut)
			}
			if q := srv.LastRequest().RawQuery; q != tt.wantQuery {
				t.Errorf("query = %q, want %q", q, tt.wantQuery)
			}
		})
	}
	t.Run("cluster status --json prints the API's object", func(t *testing.T) {
		r := runCLI(t, env, "cluster", "status", "--json")
		var st client.ClusterStatus
		if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || r.code != 0 {
			t.Fatalf("exit %d, %v:\n%s", r.code, err, r.stdout)
		}
		if st.NodeID != "node0" || st.Leader == nil || st.Leader.ID != "node0" || len(st.Nodes) != 1 {
			t.Errorf("decoded %+v; want node0 leading alone after the removal", st)
		}
	})
}
