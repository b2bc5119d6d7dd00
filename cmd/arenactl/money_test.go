package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/client/clienttest"
)

var sha256Hex = regexp.MustCompile(`\b[0-9a-f]{64}\b`)

// lastRequest renders the fake's last request as "METHOD path?query body".
func lastRequest(fake *clienttest.Server) string {
	last := fake.LastRequest()
	req := last.Method + " " + last.Path
	if last.RawQuery != "" {
		req += "?" + last.RawQuery
	}
	return req + " " + last.Body
}

// moneyFixture is a fake with two owners, an agent each, a settled and a
// running connect4 contest, and a leaderboard.
func moneyFixture(t *testing.T) (fake *clienttest.Server, alice, bob, op map[string]string) {
	t.Helper()
	fake = clienttest.NewServer(t)
	_, aliceKey := fake.AddOwner("alice", "") // own_1
	_, bobKey := fake.AddOwner("bob", "")     // own_2
	alice = map[string]string{"ARENA_SERVER": fake.URL, "ARENA_KEY": aliceKey}
	bob = map[string]string{"ARENA_SERVER": fake.URL, "ARENA_KEY": bobKey}
	op = map[string]string{"ARENA_SERVER": fake.URL, "ARENA_OPERATOR_TOKEN": clienttest.OperatorToken}
	if r := runCLI(t, alice, "agent", "create", "--name", "chess-bot"); r.code != 0 { // agt_3
		t.Fatalf("setup: %+v", r)
	}
	if r := runCLI(t, bob, "agent", "create", "--name", "go-bot"); r.code != 0 { // agt_4
		t.Fatalf("setup: %+v", r)
	}
	if _, err := fake.AddContest("connect4", []string{"agt_3", "agt_4"}, []int{0, 1}); err != nil { // ct_5
		t.Fatal(err)
	}
	if _, err := fake.AddContest("connect4", []string{"agt_3", "agt_4"}, nil); err != nil { // ct_6
		t.Fatal(err)
	}
	fake.SetLeaderboard("connect4",
		clienttest.LeaderboardEntry{AgentID: "agt_4", Name: "go-bot", OwnerID: "own_2", Elo: 984, Games: 2, Losses: 1, Draws: 1,
			BT: &clienttest.BTRating{Rating: 950, Lower: 900, Upper: 1001, Rank: 1, Battles: 2}},
		clienttest.LeaderboardEntry{AgentID: "agt_3", Name: "chess-bot", OwnerID: "own_1", Elo: 1016.25, Games: 2, Wins: 1, Draws: 1,
			BT: &clienttest.BTRating{Rating: 1050, Lower: 999, Upper: 1100, Rank: 1, Battles: 2}},
		clienttest.LeaderboardEntry{AgentID: "agt_9", Name: "new\tbot", OwnerID: "own_3", Elo: 1000})
	return fake, alice, bob, op
}

func TestMoneyCommandsPrintTablesAndSendMinimalRequests(t *testing.T) {
	fake, alice, _, op := moneyFixture(t)
	tests := []struct {
		name       string
		env        map[string]string
		args       []string
		wantOut    string
		wantStderr string
		wantReq    string
	}{
		{
			name: "balance shows the key owner's wallet in units",
			env:  alice, args: []string{"balance"},
			wantOut: lines(
				"OWNER    own_1",
				"ACCOUNT  wallet:own_1",
				"BALANCE  1000.00 ARC"),
			wantReq: "GET /v1/owners/me/balance ",
		},
		{
			name: "balance --json keeps minor units",
			env:  op, args: []string{"balance", "--owner", "own_2", "--json"},
			wantOut: "{\n  \"owner_id\": \"own_2\",\n  \"account\": \"wallet:own_2\",\n  \"currency\": \"ARC\",\n  \"balance\": 99800\n}\n",
			wantReq: "GET /v1/owners/own_2/balance ",
		},
		{
			name: "transfers signs each amount from the wallet's side",
			env:  alice, args: []string{"transfers"},
			wantOut: lines(
				"SEQ  AT                    KIND    AMOUNT        COUNTERPARTY  CONTEST  MEMO            ID",
				"1    2025-01-02T03:04:06Z  grant   +1000.00 ARC  issuer        -        starting grant  grant/start/own_1",
				"3    2025-01-02T03:04:10Z  stake   -1.00 ARC     escrow:ct_5   ct_5     -               stake/ct_5/0",
				"5    2025-01-02T03:04:10Z  payout  +2.00 ARC     escrow:ct_5   ct_5     -               payout/ct_5/0",
				"6    2025-01-02T03:04:11Z  stake   -1.00 ARC     escrow:ct_6   ct_6     -               stake/ct_6/0"),
			wantReq: "GET /v1/owners/me/transfers ",
		},
		{
			name: "transfers --limit prints one page and how to get the next",
			env:  op, args: []string{"transfers", "--owner", "own_2", "--limit", "1"},
			wantOut: lines(
				"SEQ  AT                    KIND   AMOUNT        COUNTERPARTY  CONTEST  MEMO            ID",
				"2    2025-01-02T03:04:07Z  grant  +1000.00 ARC  issuer        -        starting grant  grant/start/own_2"),
			wantStderr: "arenactl: more transfers follow; next page: --limit 1 --cursor 2\n",
			wantReq:    "GET /v1/owners/own_2/transfers?limit=1 ",
		},
		{
			name: "grant prints the transfer it made",
			env:  op, args: []string{"grant", "--owner", "own_1", "--amount", "250", "--id", "prize-1", "--memo", "prize"},
			wantOut: lines(
				"ID      prize-1",
				"SEQ     8",
				"KIND    grant",
				"FROM    issuer",
				"TO      wallet:own_1",
				"AMOUNT  2.50 ARC",
				"MEMO    prize",
				"AT      2025-01-02T03:04:11Z",
				"HASH    <hash>"),
			wantReq: `POST /v1/ledger/grants {"id":"prize-1","owner_id":"own_1","amount":250,"memo":"prize"}`,
		},
		{
			name: "adjust without --id warns that a rerun would move money again",
			env:  op, args: []string{"adjust", "--owner", "own_1", "--amount", "-5", "--json"},
			wantStderr: "arenactl: note: the server named this transfer adjust_1; rerunning the command without --id would move the money again. Pass --id to make retries safe.\n",
			wantReq:    `POST /v1/ledger/adjustments {"owner_id":"own_1","amount":-5}`,
		},
		{
			name: "audit prints the head, count and sum",
			env:  op, args: []string{"audit"},
			wantOut: lines(
				"RESULT     OK",
				"NODE       n1",
				"HEAD       <hash>",
				"TRANSFERS  9",
				"SUM        0",
				"ACCOUNTS   5",
				"PROBLEMS   0"),
			wantReq: "GET /v1/ledger/audit ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, tt.env, tt.args...)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			// Hashes are the fake's own; the table must show one.
			out := sha256Hex.ReplaceAllString(r.stdout, "<hash>")
			if tt.wantOut == "" {
				var obj map[string]any
				if err := json.Unmarshal([]byte(r.stdout), &obj); err != nil {
					t.Errorf("stdout is not JSON: %v\n%s", err, r.stdout)
				}
			} else if out != tt.wantOut {
				t.Errorf("stdout:\n%s\nwant:\n%s", out, tt.wantOut)
			}
			if r.stderr != tt.wantStderr {
				t.Errorf("stderr = %q, want %q", r.stderr, tt.wantStderr)
			}
			if req := lastRequest(fake); req != tt.wantReq {
				t.Errorf("last request = %q, want %q", req, tt.wantReq)
			}
		})
	}
}

func TestArenaAndContestCommandsPrintTables(t *testing.T) {
	fake, alice, _, op := moneyFixture(t)
	tests := []struct {
		name       string
		env        map[string]string
		args       []string
		wantOut    string
		wantStderr string
		wantReq    string
	}{
		{
			name: "arena list shows stakes in units and the reward schedule",
			env:  alice, args: []string{"arena", "list"},
			wantOut: lines(
				"NAME      GAME      SEATS  STAKE  REWARDS %  DEADLINE  JUDGES",
				"connect4  connect4  2      1.00   100        5s        referee",
				"prompt    prompt    3      1.00   60,30,10   30s       rubric"),
			wantReq: "GET /v1/arenas ",
		},
		{
			name: "arena show prints every setting",
			env:  alice, args: []string{"arena", "show", "prompt"},
			wantOut: lines(
				"NAME            prompt",
				"GAME            prompt",
				"SEATS           3",
				"MOVE DEADLINE   30s",
				"GRACE           10s",
				"FORFEIT         lose",
				"STAKE           1.00",
				"REWARDS %       60,30,10",
				"HOUSE FEE       0.00%",
				"JUDGES          rubric",
				"ELO K           32",
				"MAX CONCURRENT  1",
				"INJECTION       -",
				"OPTIONS         -",
				"CREATED         2025-01-02T03:04:05Z",
				"UPDATED         2025-01-02T03:04:05Z"),
			wantReq: "GET /v1/arenas/prompt ",
		},
		{
			name: "arena leaderboard orders by Elo and shows the Bradley–Terry cells",
			env:  alice, args: []string{"arena", "leaderboard", "connect4"},
			wantOut: lines(
				"RANK  NAME        AGENT  ELO     BT      BT 95%         GAMES  W-D-L  OWNER",
				"1     chess-bot   agt_3  1016.2  1050.0  999.0..1100.0  2      1-1-0  own_1",
				`2     "new\tbot"  agt_9  1000.0  -       -              0      0-0-0  own_3`,
				"3     go-bot      agt_4  984.0   950.0   900.0..1001.0  2      0-1-1  own_2"),
			wantReq: "GET /v1/arenas/connect4/leaderboard?method=elo ",
		},
		{
			name: "arena leaderboard --method bt shares ranks between tied agents",
			env:  alice, args: []string{"arena", "leaderboard", "connect4", "--method", "bt"},
			wantOut: lines(
				"RANK  NAME        AGENT  ELO     BT      BT 95%         GAMES  W-D-L  OWNER",
				"1     chess-bot   agt_3  1016.2  1050.0  999.0..1100.0  2      1-1-0  own_1",
				"1     go-bot      agt_4  984.0   950.0   900.0..1001.0  2      0-1-1  own_2",
				`3     "new\tbot"  agt_9  1000.0  -       -              0      0-0-0  own_3`),
			wantReq: "GET /v1/arenas/connect4/leaderboard?method=bt ",
		},
		{
			name: "contest list shows the newest first with the winner",
			env:  alice, args: []string{"contest", "list", "--arena", "connect4"},
			wantOut: lines(
				"ID    ARENA     STATUS   SEATS              WINNER     CREATED",
				"ct_6  connect4  running  chess-bot, go-bot  -          2025-01-02T03:04:11Z",
				"ct_5  connect4  settled  chess-bot, go-bot  chess-bot  2025-01-02T03:04:10Z"),
			wantReq: "GET /v1/contests?arena=connect4 ",
		},
		{
			name: "contest list with --limit prints how to get the next page",
			env:  alice, args: []string{"contest", "list", "--status", "running", "--agent", "agt_3", "--limit", "1"},
			wantOut: lines(
				"ID    ARENA     STATUS   SEATS              WINNER  CREATED",
				"ct_6  connect4  running  chess-bot, go-bot  -       2025-01-02T03:04:11Z"),
			wantReq: "GET /v1/contests?agent=agt_3&limit=1&status=running ",
		},
		{
			name: "contest show prints the contest and its seats",
			env:  alice, args: []string{"contest", "show", "ct_5"},
			wantOut: lines(
				"ID       ct_5",
				"ARENA    connect4",
				"GAME     connect4",
				"STATUS   settled",
				"TURN     7",
				"EVENTS   2",
				"CREATED  2025-01-02T03:04:10Z",
				"ENDED    2025-01-02T03:04:10Z",
				"REASON   -",
				"",
				"SEAT  NAME       AGENT  VERSION  OWNER  PLACE  PAYOUT  RATING",
				"0     chess-bot  agt_3  1        own_1  1      2.00    +16.0",
				"1     go-bot     agt_4  1        own_2  2      0.00    -16.0"),
			wantReq: "GET /v1/contests/ct_5 ",
		},
		{
			name: "contest payouts lists the contest's transfers",
			env:  alice, args: []string{"contest", "payouts", "ct_5"},
			wantOut: lines(
				"CONTEST  ct_5",
				"STATUS   settled",
				"",
				"SEQ  KIND    FROM          TO            AMOUNT    ID",
				"3    stake   wallet:own_1  escrow:ct_5   1.00 ARC  stake/ct_5/0",
				"4    stake   wallet:own_2  escrow:ct_5   1.00 ARC  stake/ct_5/1",
				"5    payout  escrow:ct_5   wallet:own_1  2.00 ARC  payout/ct_5/0"),
			wantReq: "GET /v1/contests/ct_5/payouts ",
		},
		{
			name:    "contest abort confirms the refund",
			env:     op,
			args:    []string{"contest", "abort", "ct_6", "--reason", "stuck"},
			wantOut: "aborted contest ct_6; its stakes were refunded\n",
			wantReq: `POST /v1/contests/ct_6/abort {"reason":"stuck"}`,
		},
		{
			name: "agent queue prints the ticket",
			env:  alice, args: []string{"agent", "queue", "agt_3", "--arena", "connect4"},
			wantOut: lines(
				"ARENA   connect4",
				"AGENT   agt_3",
				"OWNER   own_1",
				"QUEUED  2025-01-02T03:04:13Z",
				"SEQ     108"),
			wantReq: `POST /v1/agents/agt_3/queue {"arena":"connect4"}`,
		},
		{
			name:    "agent unqueue confirms",
			env:     alice,
			args:    []string{"agent", "unqueue", "agt_3", "--arena", "connect4"},
			wantOut: "removed agent agt_3 from the queue of arena connect4\n",
			wantReq: "DELETE /v1/agents/agt_3/queue/connect4 ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, tt.env, tt.args...)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			if r.stdout != tt.wantOut {
				t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, tt.wantOut)
			}
			if r.stderr != tt.wantStderr && !strings.HasPrefix(r.stderr, "arenactl: more contests follow") {
				t.Errorf("stderr = %q, want %q", r.stderr, tt.wantStderr)
			}
			if req := lastRequest(fake); req != tt.wantReq {
				t.Errorf("last request = %q, want %q", req, tt.wantReq)
			}
		})
	}
	t.Run("contest list --json prints the page", func(t *testing.T) {
		r := runCLI(t, alice, "contest", "list", "--json")
		var page client.ContestPage
		if err := json.Unmarshal([]byte(r.stdout), &page); err != nil || r.code != 0 || len(page.Contests) != 2 {
			t.Fatalf("exit %d, %v:\n%s", r.code, err, r.stdout)
		}
	})
}

func TestAuditFindingProblemsExitsWith1(t *testing.T) {
	fake, _, _, op := moneyFixture(t)
	fake.SetAuditProblems("transfer 3: hash mismatch", "sum of ARC is 5, want 0")
	r := runCLI(t, op, "audit")
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	for _, want := range []string{"RESULT     FAILED\n", "PROBLEMS   2\n", "PROBLEM    transfer 3: hash mismatch\n", "PROBLEM    sum of ARC is 5, want 0\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if r.stderr != "arenactl: ledger audit on node n1 failed with 2 problem(s)\n" {
		t.Errorf("stderr = %q", r.stderr)
	}
	r = runCLI(t, op, "audit", "--json")
	var res client.AuditResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 1 || res.Audit.OK || len(res.Audit.Problems) != 2 {
		t.Errorf("--json: exit %d, %v:\n%s", r.code, err, r.stdout)
	}
}

func TestMoneyCommandsChooseTheirKey(t *testing.T) {
	fake, alice, _, _ := moneyFixture(t)
	both := map[string]string{"ARENA_SERVER": fake.URL, "ARENA_KEY": alice["ARENA_KEY"], "ARENA_OPERATOR_TOKEN": clienttest.OperatorToken}
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantAuth string
	}{
		{"balance of me sends the owner key even when the operator token is set", both, []string{"balance"}, "Bearer " + alice["ARENA_KEY"]},
		{"balance of an id prefers the operator token", both, []string{"balance", "--owner", "own_2"}, "Bearer " + clienttest.OperatorToken},
		{"balance of an id falls back to the owner key", alice, []string{"balance", "--owner", "own_1"}, "Bearer " + alice["ARENA_KEY"]},
		{"transfers of an id prefers the operator token", both, []string{"transfers", "--owner", "own_2"}, "Bearer " + clienttest.OperatorToken},
		{"grant sends the operator token, never the owner key", both, []string{"grant", "--owner", "own_2", "--amount", "1", "--id", "k1"}, "Bearer " + clienttest.OperatorToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, tt.env, tt.args...)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			if got := fake.LastRequest().Authorization; got != tt.wantAuth {
				t.Errorf("Authorization = %q, want %q", got, tt.wantAuth)
			}
		})
	}
	t.Run("an owner reading another owner's balance is refused by the server", func(t *testing.T) {
		r := runCLI(t, alice, "balance", "--owner", "own_2")
		if r.code != 1 || r.stderr != "arenactl: forbidden: you may only see your own money\n" {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
}

func TestListsFollowEveryCursor(t *testing.T) {
	fake, alice, _, op := moneyFixture(t)
	ctx := context.Background()
	c, err := client.New(fake.URL, client.WithKey(clienttest.OperatorToken))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 150 { // more than the fake's 100-transfer page
		if _, err := c.Grant(ctx, client.GrantRequest{ID: fmt.Sprintf("drip-%03d", i), OwnerID: "own_1", Amount: 1}); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("transfers without --limit fetches every page", func(t *testing.T) {
		before := len(fake.Requests())
		r := runCLI(t, alice, "transfers", "--json")
		var page client.TransferPage
		if err := json.Unmarshal([]byte(r.stdout), &page); err != nil || r.code != 0 {
			t.Fatalf("exit %d, %v", r.code, err)
		}
		if len(page.Transfers) != 154 || page.NextCursor != "" || page.OwnerID != "own_1" || page.Transfers[153].ID != "drip-149" {
			t.Errorf("%d transfers, cursor %q", len(page.Transfers), page.NextCursor)
		}
		if n := len(fake.Requests()) - before; n != 2 {
			t.Errorf("made %d requests, want 2", n)
		}
	})
	if _, err := fake.AddContest("prompt", []string{"agt_3"}, nil); err == nil {
		t.Fatal("the fake accepted a contest with too few seats")
	}
	for range 60 {
		if _, err := fake.AddContest("connect4", []string{"agt_3", "agt_4"}, []int{1, 0}); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("contest list prints one page and points at the next", func(t *testing.T) {
		r := runCLI(t, op, "contest", "list")
		if r.code != 0 || strings.Count(r.stdout, "\n") != 51 || !strings.HasPrefix(r.stderr, "arenactl: more contests follow; next page: --cursor ct_") {
			t.Errorf("exit %d, %d lines, stderr %q", r.code, strings.Count(r.stdout, "\n"), r.stderr)
		}
	})
	t.Run("contest list --all fetches every page", func(t *testing.T) {
		r := runCLI(t, op, "contest", "list", "--all", "--limit", "25")
		if r.code != 0 || strings.Count(r.stdout, "\n") != 63 || r.stderr != "" {
			t.Errorf("exit %d, %d lines, stderr %q", r.code, strings.Count(r.stdout, "\n"), r.stderr)
		}
	})
}

func TestOpenAIAgentsKeepTheirAPIKeyOffTheScreen(t *testing.T) {
	const secret = "sk-do-not-print"
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantKey string
		wantReq string
	}{
		{
			name:    "the key comes from ARENA_MODEL_API_KEY",
			env:     map[string]string{"ARENA_MODEL_API_KEY": secret},
			args:    []string{"--base-url", "http://m.example/v1", "--model", "tiny", "--max-tokens", "256", "--system", "be brief"},
			wantKey: secret,
			wantReq: `POST /v1/agents {"name":"gpt","kind":"openai","endpoint":{"base_url":"http://m.example/v1","model":"tiny","max_tokens":256,"system":"be brief"},"api_key":"` + secret + `"}`,
		},
		{
			name:    "--api-key overrides the environment",
			env:     map[string]string{"ARENA_MODEL_API_KEY": "sk-env"},
			args:    []string{"--base-url", "http://m.example/v1", "--model", "tiny", "--api-key", secret, "--temperature", "0", "--top-p", "0.9"},
			wantKey: secret,
			wantReq: `POST /v1/agents {"name":"gpt","kind":"openai","endpoint":{"base_url":"http://m.example/v1","model":"tiny","temperature":0,"top_p":0.9},"api_key":"` + secret + `"}`,
		},
		{
			name:    "no key is sent when none is given",
			args:    []string{"--base-url", "http://m.example/v1", "--model", "tiny"},
			wantReq: `POST /v1/agents {"name":"gpt","kind":"openai","endpoint":{"base_url":"http://m.example/v1","model":"tiny"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := clienttest.NewServer(t)
			_, key := fake.AddOwner("alice", "")
			env := map[string]string{"ARENA_SERVER": fake.URL, "ARENA_KEY": key}
			for k, v := range tt.env {
				env[k] = v
			}
			r := runCLI(t, env, append([]string{"agent", "create", "--name", "gpt", "--kind", "openai"}, tt.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			if req := lastRequest(fake); req != tt.wantReq {
				t.Errorf("request = %s\nwant      %s", req, tt.wantReq)
			}
			if got := fake.ModelAPIKey("agt_2"); got != tt.wantKey {
				t.Errorf("stored key = %q, want %q", got, tt.wantKey)
			}
			if !strings.Contains(r.stdout, "MODEL        tiny\nBASE URL     http://m.example/v1\n") {
				t.Errorf("stdout:\n%s", r.stdout)
			}
			for _, cmd := range [][]string{nil, {"agent", "show", "agt_2", "--json"}, {"agent", "update", "agt_2", "--model", "big"}} {
				out := r
				if cmd != nil {
					out = runCLI(t, env, cmd...)
				}
				if strings.Contains(out.stdout+out.stderr, "sk-") {
					t.Errorf("%v printed the API key:\n%s%s", cmd, out.stdout, out.stderr)
				}
			}
			if got := fake.ModelAPIKey("agt_2"); got != tt.wantKey {
				t.Errorf("an update without --api-key changed the stored key to %q", got)
			}
		})
	}
	t.Run("the environment key is not sent for other kinds", func(t *testing.T) {
		fake := clienttest.NewServer(t)
		_, key := fake.AddOwner("alice", "")
		env := map[string]string{"ARENA_SERVER": fake.URL, "ARENA_KEY": key, "ARENA_MODEL_API_KEY": secret}
		if r := runCLI(t, env, "agent", "create", "--name", "ws"); r.code != 0 {
			t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
		}
		if req := lastRequest(fake); req != `POST /v1/agents {"name":"ws"}` {
			t.Errorf("request = %s", req)
		}
	})
	t.Run("agent update merges endpoint flags into the current endpoint and can replace the key", func(t *testing.T) {
		fake := clienttest.NewServer(t)
		_, key := fake.AddOwner("alice", "")
		env := map[string]string{"ARENA_SERVER": fake.URL, "ARENA_KEY": key}
		if r := runCLI(t, env, "agent", "create", "--name", "gpt", "--kind", "openai", "--base-url", "http://m/v1", "--model", "a", "--temperature", "0.5"); r.code != 0 {
			t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
		}
		r := runCLI(t, env, "agent", "update", "agt_2", "--model", "b", "--api-key", "sk-new")
		if r.code != 0 || strings.Contains(r.stdout+r.stderr, "sk-new") {
			t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
		}
		if req := lastRequest(fake); req != `PATCH /v1/agents/agt_2 {"endpoint":{"base_url":"http://m/v1","model":"b","temperature":0.5},"api_key":"sk-new"}` {
			t.Errorf("request = %s", req)
		}
		if fake.ModelAPIKey("agt_2") != "sk-new" {
			t.Errorf("stored key = %q", fake.ModelAPIKey("agt_2"))
		}
	})
}

func TestFormatAmountIsExact(t *testing.T) {
	tests := []struct {
		minor int64
		want  string
	}{
		{0, "0.00"}, {5, "0.05"}, {-5, "-0.05"}, {100, "1.00"}, {-250, "-2.50"}, {100_000, "1000.00"},
		{math.MaxInt64, "92233720368547758.07"}, {math.MinInt64, "-92233720368547758.08"},
	}
	for _, tt := range tests {
		if got := formatAmount(tt.minor); got != tt.want {
			t.Errorf("formatAmount(%d) = %q, want %q", tt.minor, got, tt.want)
		}
	}
	if got := formatDelta(100, "ARC"); got != "+1.00 ARC" {
		t.Errorf("formatDelta = %q", got)
	}
	if got := formatDelta(-1, "ARC"); got != "-0.01 ARC" {
		t.Errorf("formatDelta = %q", got)
	}
}
