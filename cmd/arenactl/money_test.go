package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/client/clienttest"
)

// moneyFixture is a real node with two owners, an agent each, a settled
// connect4 contest (alice's chess-bot won: bob's go-bot resigned) and a
// running one, and the prompt arena widened to three seats. known names
// the ids for normalize.
type moneyFixture struct {
	srv            *clienttest.Server
	alice, bob, op map[string]string // environments
	known          map[string]string
}

func newMoneyFixture(t *testing.T) *moneyFixture {
	t.Helper()
	srv := clienttest.NewServer(t)
	aliceID, aliceKey := srv.AddOwner(t, "alice", "")
	bobID, bobKey := srv.AddOwner(t, "bob", "")
	f := &moneyFixture{srv: srv,
		alice: map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": aliceKey},
		bob:   map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": bobKey},
		op:    map[string]string{"ARENA_SERVER": srv.URL, "ARENA_OPERATOR_TOKEN": clienttest.OperatorToken},
		known: map[string]string{"alice": aliceID, "bob": bobID},
	}
	ctx := context.Background()
	chess, err := srv.Client(t, aliceKey).CreateAgent(ctx, client.CreateAgentRequest{Name: "chess-bot"})
	if err != nil {
		t.Fatal(err)
	}
	gobot, err := srv.Client(t, bobKey).CreateAgent(ctx, client.CreateAgentRequest{Name: "go-bot"})
	if err != nil {
		t.Fatal(err)
	}
	f.known["chess-bot"], f.known["go-bot"] = chess.Agent.ID, gobot.Agent.ID
	f.known["settled"] = srv.StartContest(t, "connect4", chess.Agent.ID, gobot.Agent.ID)
	srv.Resign(t, f.known["settled"], gobot.Agent.ID)
	f.known["running"] = srv.StartContest(t, "connect4", chess.Agent.ID, gobot.Agent.ID)
	srv.PutArena(t, "prompt", client.PutArenaRequest{Game: "prompt", Seats: 3, Rewards: []int{60, 30, 10}})
	return f
}

// check runs arenactl and compares its exit code, output (cell by cell)
// and last request with what a test expects.
func (f *moneyFixture) check(t *testing.T, env map[string]string, args []string, wantOut, wantStderr, wantReq string) {
	t.Helper()
	r := runCLI(t, env, args...)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	out := normalize(r.stdout, f.known)
	if wantOut == "" {
		var obj map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &obj); err != nil {
			t.Errorf("stdout is not JSON: %v\n%s", err, r.stdout)
		}
	} else if !sameTable(out, wantOut) {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, wantOut)
	}
	if got := normalize(r.stderr, f.known); got != wantStderr {
		t.Errorf("stderr = %q, want %q", got, wantStderr)
	}
	if req := lastRequest(f.srv, f.known); req != wantReq {
		t.Errorf("last request = %q, want %q", req, wantReq)
	}
}

func TestMoneyCommandsPrintTablesAndSendMinimalRequests(t *testing.T) {
	f := newMoneyFixture(t)
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
			env:  f.alice, args: []string{"balance"},
			wantOut: lines(
				"OWNER    {alice}",
				"ACCOUNT  wallet:{alice}",
				"BALANCE  1000.00 ARC"),
			wantReq: "GET /v1/owners/me/balance ",
		},
		{
			name: "balance --json keeps minor units",
			env:  f.op, args: []string{"balance", "--owner", f.known["bob"], "--json"},
			wantOut: "{\n  \"owner_id\": \"{bob}\",\n  \"account\": \"wallet:{bob}\",\n  \"currency\": \"ARC\",\n  \"balance\": 99800\n}\n",
			wantReq: "GET /v1/owners/{bob}/balance ",
		},
		{
			name: "transfers signs each amount from the wallet's side",
			env:  f.alice, args: []string{"transfers"},
			wantOut: lines(
				"SEQ  AT      KIND    AMOUNT        COUNTERPARTY      CONTEST    MEMO            ID",
				"1    {time}  grant   +1000.00 ARC  issuer            -          starting grant  grant/start/{alice}",
				"3    {time}  stake   -1.00 ARC     escrow:{settled}  {settled}  -               stake/{settled}/0",
				"5    {time}  payout  +2.00 ARC     escrow:{settled}  {settled}  -               payout/{settled}/0",
				"6    {time}  stake   -1.00 ARC     escrow:{running}  {running}  -               stake/{running}/0"),
			wantReq: "GET /v1/owners/me/transfers ",
		},
		{
			name: "transfers --limit prints one page and how to get the next",
			env:  f.op, args: []string{"transfers", "--owner", f.known["bob"], "--limit", "1"},
			wantOut: lines(
				"SEQ  AT      KIND   AMOUNT        COUNTERPARTY  CONTEST  MEMO            ID",
				"2    {time}  grant  +1000.00 ARC  issuer        -        starting grant  grant/start/{bob}"),
			wantStderr: "arenactl: more transfers follow; next page: --limit 1 --cursor 2\n",
			wantReq:    "GET /v1/owners/{bob}/transfers?limit=1 ",
		},
		{
			name: "grant prints the transfer it made",
			env:  f.op, args: []string{"grant", "--owner", f.known["alice"], "--amount", "250", "--id", "prize-1", "--memo", "prize"},
			wantOut: lines(
				"ID      prize-1",
				"SEQ     8",
				"KIND    grant",
				"FROM    issuer",
				"TO      wallet:{alice}",
				"AMOUNT  2.50 ARC",
				"MEMO    prize",
				"AT      {time}",
				"HASH    {hash}"),
			wantReq: `POST /v1/ledger/grants {"id":"prize-1","owner_id":"{alice}","amount":250,"memo":"prize"}`,
		},
		{
			name: "adjust without --id warns that a rerun would move money again",
			env:  f.op, args: []string{"adjust", "--owner", f.known["alice"], "--amount", "-5", "--json"},
			wantStderr: "arenactl: note: the server named this transfer {new-transfer}; rerunning the command without --id would move the money again. Pass --id to make retries safe.\n",
			wantReq:    `POST /v1/ledger/adjustments {"owner_id":"{alice}","amount":-5}`,
		},
		{
			name: "audit prints the head, count, sum and where the money is",
			env:  f.op, args: []string{"audit"},
			wantOut: lines(
				"RESULT     OK",
				"NODE       node0",
				"HEAD       {hash}",
				"TRANSFERS  9",
				"SUM        0",
				"ACCOUNTS   5",
				"ISSUED     2002.45 ARC",
				"WALLETS    2000.45 ARC",
				"ESCROW     2.00 ARC",
				"HOUSE      0.00 ARC",
				"PROBLEMS   0"),
			wantReq: "GET /v1/ledger/audit ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.check(t, tt.env, tt.args, tt.wantOut, tt.wantStderr, tt.wantReq)
		})
	}
}

func TestArenaAndContestCommandsPrintTables(t *testing.T) {
	f := newMoneyFixture(t)
	ctx := context.Background()
	// board is the leaderboard's rows as the node ranks them: Elo moves by
	// K/2 = 16 for one win between equals; the Bradley–Terry cells are
	// whatever the node fitted.
	board := func(method client.RankMethod) []string {
		lb, err := f.srv.Client(t, "").Leaderboard(ctx, "connect4", method)
		if err != nil {
			t.Fatal(err)
		}
		elo := map[string]string{"chess-bot": "1016.0", "go-bot": "984.0"}
		wdl := map[string]string{"chess-bot": "1-0-0", "go-bot": "0-0-1"}
		owner := map[string]string{"chess-bot": "{alice}", "go-bot": "{bob}"}
		var rows []string
		for _, e := range lb.Entries {
			if e.BT == nil {
				t.Fatalf("%s has no Bradley–Terry cell after a battle", e.Name)
			}
			if !e.Provisional {
				t.Fatalf("%s is established after one game", e.Name)
			}
			rows = append(rows, fmt.Sprintf("%d  %s  {%s}  %s  %.1f  %.1f..%.1f  1  yes  %s  %s",
				e.Rank, e.Name, e.Name, elo[e.Name], e.BT.Rating, e.BT.Lower, e.BT.Upper, wdl[e.Name], owner[e.Name]))
		}
		return rows
	}
	const boardHeader = "RANK  NAME  AGENT  ELO  BT  BT 95%  GAMES  PROV  W-D-L  OWNER"
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
			env:  f.alice, args: []string{"arena", "list"},
			wantOut: lines(
				"NAME      GAME      SEATS  STAKE  REWARDS %  DEADLINE  JUDGES",
				"connect4  connect4  2      1.00   100        5s        referee",
				"prompt    prompt    3      0.00   60,30,10   5s        rubric",
				"verifiable  verifiable  2  1.00  100  30s  referee"),
			wantReq: "GET /v1/arenas ",
		},
		{
			name: "arena show prints every setting",
			env:  f.alice, args: []string{"arena", "show", "prompt"},
			wantOut: lines(
				"NAME            prompt",
				"GAME            prompt",
				"SEATS           3",
				"MOVE DEADLINE   5s",
				"GRACE           10s",
				"FORFEIT         lose",
				"STAKE           0.00",
				"REWARDS %       60,30,10",
				"HOUSE FEE       0.00%",
				"JUDGES          rubric",
				"ELO K           32",
				"MAX CONCURRENT  1",
				"MAX QUEUED      20 per owner (default)",
				"INJECTION       -",
				"RANK BY         bt",
				"PROVISIONAL     fewer than 10 games",
				"ALL FORFEIT     void",
				"OWNERS          an owner's agents may meet",
				"ANSWER CLOCK    one deadline per answer",
				"OPTIONS         -",
				"CREATED         {time}",
				"UPDATED         {time}"),
			wantReq: "GET /v1/arenas/prompt ",
		},
		{
			name:    "arena leaderboard orders a rule-judged arena by Elo by default and shows the Bradley–Terry cells",
			env:     f.alice,
			args:    []string{"arena", "leaderboard", "connect4"},
			wantOut: lines(append([]string{boardHeader}, board(client.RankElo)...)...),
			wantReq: "GET /v1/arenas/connect4/leaderboard ",
		},
		{
			name:    "arena leaderboard --method elo asks for Elo",
			env:     f.alice,
			args:    []string{"arena", "leaderboard", "connect4", "--method", "elo"},
			wantOut: lines(append([]string{boardHeader}, board(client.RankElo)...)...),
			wantReq: "GET /v1/arenas/connect4/leaderboard?method=elo ",
		},
		{
			name:    "arena leaderboard --method bt orders by Bradley–Terry rank",
			env:     f.alice,
			args:    []string{"arena", "leaderboard", "connect4", "--method", "bt"},
			wantOut: lines(append([]string{boardHeader}, board(client.RankBT)...)...),
			wantReq: "GET /v1/arenas/connect4/leaderboard?method=bt ",
		},
		{
			name: "contest list shows the newest first with the winner",
			env:  f.alice, args: []string{"contest", "list", "--arena", "connect4"},
			wantOut: lines(
				"ID         ARENA     STATUS   SEATS              WINNER     CREATED",
				"{running}  connect4  running  chess-bot, go-bot  -          {time}",
				"{settled}  connect4  settled  chess-bot, go-bot  chess-bot  {time}"),
			wantReq: "GET /v1/contests?arena=connect4 ",
		},
		{
			name: "contest list with --limit prints how to get the next page",
			env:  f.alice, args: []string{"contest", "list", "--status", "running", "--agent", f.known["chess-bot"], "--limit", "1"},
			wantOut: lines(
				"ID         ARENA     STATUS   SEATS              WINNER  CREATED",
				"{running}  connect4  running  chess-bot, go-bot  -       {time}"),
			wantReq: "GET /v1/contests?agent={chess-bot}&limit=1&status=running ",
		},
		{
			name: "contest show prints the contest and its seats",
			env:  f.alice, args: []string{"contest", "show", f.known["settled"]},
			wantOut: lines(
				"ID       {settled}",
				"ARENA    connect4",
				"GAME     connect4",
				"STATUS   settled",
				"TURN     0",
				"EVENTS   3",
				"CREATED  {time}",
				"ENDED    {time}",
				"REASON   forfeit",
				"FORFEIT  seat 1 (go-bot): resigned",
				"TERMS    100% by place, house fee 0.00%",
				"",
				"SEAT  NAME       AGENT        VERSION  OWNER    PLACE  PAYOUT  RATING",
				"0     chess-bot  {chess-bot}  1        {alice}  1      2.00    +16.0",
				"1     go-bot     {go-bot}     1        {bob}    2      0.00    -16.0"),
			wantReq: "GET /v1/contests/{settled} ",
		},
		{
			name: "contest payouts lists the contest's transfers",
			env:  f.alice, args: []string{"contest", "payouts", f.known["settled"]},
			wantOut: lines(
				"CONTEST  {settled}",
				"STATUS   settled",
				"",
				"SEQ  KIND    FROM              TO                AMOUNT    ID",
				"3    stake   wallet:{alice}    escrow:{settled}  1.00 ARC  stake/{settled}/0",
				"4    stake   wallet:{bob}      escrow:{settled}  1.00 ARC  stake/{settled}/1",
				"5    payout  escrow:{settled}  wallet:{alice}    2.00 ARC  payout/{settled}/0"),
			wantReq: "GET /v1/contests/{settled}/payouts ",
		},
		{
			name:    "contest abort confirms the refund",
			env:     f.op,
			args:    []string{"contest", "abort", f.known["running"], "--reason", "stuck"},
			wantOut: "aborted contest {running}; its stakes were refunded\n",
			wantReq: `POST /v1/contests/{running}/abort {"reason":"stuck"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.check(t, tt.env, tt.args, tt.wantOut, tt.wantStderr, tt.wantReq)
		})
	}
	// chess-bot's running contest is aborted now, so it may queue again.
	t.Run("agent queue prints the ticket", func(t *testing.T) {
		r := runCLI(t, f.alice, "agent", "queue", f.known["chess-bot"], "--arena", "connect4")
		tickets, err := f.srv.Node.Tickets("connect4")
		if r.code != 0 || err != nil || len(tickets) != 1 {
			t.Fatalf("exit %d, stderr %q; tickets %+v, %v", r.code, r.stderr, tickets, err)
		}
		want := lines(
			"ARENA   connect4",
			"AGENT   {chess-bot}",
			"OWNER   {alice}",
			"QUEUED  {time}",
			fmt.Sprintf("SEQ     %d", tickets[0].Seq))
		if out := normalize(r.stdout, f.known); !sameTable(out, want) {
			t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
		}
		if req := lastRequest(f.srv, f.known); req != `POST /v1/agents/{chess-bot}/queue {"arena":"connect4"}` {
			t.Errorf("last request = %q", req)
		}
	})
	t.Run("agent unqueue confirms", func(t *testing.T) {
		f.check(t, f.alice, []string{"agent", "unqueue", f.known["chess-bot"], "--arena", "connect4"},
			"removed agent {chess-bot} from the queue of arena connect4\n", "", "DELETE /v1/agents/{chess-bot}/queue/connect4 ")
	})
	t.Run("contest list --json prints the page", func(t *testing.T) {
		r := runCLI(t, f.alice, "contest", "list", "--json")
		var page client.ContestPage
		if err := json.Unmarshal([]byte(r.stdout), &page); err != nil || r.code != 0 || len(page.Contests) != 2 {
			t.Fatalf("exit %d, %v:\n%s", r.code, err, r.stdout)
		}
	})
	t.Run("arena delete confirms, and a second delete is not found", func(t *testing.T) {
		f.srv.PutArena(t, "scratch", client.PutArenaRequest{Game: "connect4", Seats: 2})
		running := f.srv.StartContest(t, "scratch", f.known["chess-bot"], f.known["go-bot"])
		if r := runCLI(t, f.op, "arena", "delete", "scratch"); r.code != 1 || !strings.Contains(r.stderr, "(here: arena delete scratch --abort)") {
			t.Fatalf("delete of a busy arena: exit %d, stderr %q, want the --abort hint", r.code, r.stderr)
		}
		f.srv.Resign(t, running, f.known["go-bot"])
		f.check(t, f.op, []string{"arena", "delete", "scratch"}, "deleted arena scratch\n", "", "DELETE /v1/arenas/scratch ")
		if r := runCLI(t, f.op, "arena", "delete", "scratch"); r.code != 1 || !strings.Contains(r.stderr, "arena scratch not found") {
			t.Fatalf("second delete: exit %d, stderr %q", r.code, r.stderr)
		}
	})
}

// TestAuditFindingProblemsExitsWith1 shows a damaged ledger's audit. No
// request can damage a real node's ledger, so a stub answers as a node
// whose ledger fails its audit does: 409 with the report.
func TestAuditFindingProblemsExitsWith1(t *testing.T) {
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		fmt.Fprint(w, `{"audit":{"ok":false,"transfers":9,"head":"ab","sum":5,"accounts":5,`+
			`"problems":["transfer 3: hash mismatch","sum of ARC is 5, want 0"]},"node_id":"n1"}`)
	}))
	t.Cleanup(stub.Close)
	op := map[string]string{"ARENA_SERVER": stub.URL, "ARENA_OPERATOR_TOKEN": clienttest.OperatorToken}
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
	f := newMoneyFixture(t)
	alice, bob := f.known["alice"], f.known["bob"]
	both := map[string]string{"ARENA_SERVER": f.srv.URL, "ARENA_KEY": f.alice["ARENA_KEY"], "ARENA_OPERATOR_TOKEN": clienttest.OperatorToken}
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantAuth string
	}{
		{"balance of me sends the owner key even when the operator token is set", both, []string{"balance"}, "Bearer " + f.alice["ARENA_KEY"]},
		{"balance of an id prefers the operator token", both, []string{"balance", "--owner", bob}, "Bearer " + clienttest.OperatorToken},
		{"balance of an id falls back to the owner key", f.alice, []string{"balance", "--owner", alice}, "Bearer " + f.alice["ARENA_KEY"]},
		{"transfers of an id prefers the operator token", both, []string{"transfers", "--owner", bob}, "Bearer " + clienttest.OperatorToken},
		{"grant sends the operator token, never the owner key", both, []string{"grant", "--owner", bob, "--amount", "1", "--id", "k1"}, "Bearer " + clienttest.OperatorToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, tt.env, tt.args...)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			if got := f.srv.LastRequest().Authorization; got != tt.wantAuth {
				t.Errorf("Authorization = %q, want %q", got, tt.wantAuth)
			}
		})
	}
	t.Run("an owner reading another owner's balance is refused by the server", func(t *testing.T) {
		r := runCLI(t, f.alice, "balance", "--owner", bob)
		if r.code != 1 || !strings.HasPrefix(r.stderr, "arenactl: forbidden: ") {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
}

func TestListsFollowEveryCursor(t *testing.T) {
	f := newMoneyFixture(t)
	ctx := context.Background()
	op := f.srv.Client(t, clienttest.OperatorToken)
	alice := f.known["alice"]
	for i := range 150 { // more than the server's default page of 100 transfers
		if _, err := op.Grant(ctx, client.GrantRequest{ID: fmt.Sprintf("drip-%03d", i), OwnerID: alice, Amount: 1}); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("transfers without --limit fetches every page", func(t *testing.T) {
		before := len(f.srv.Requests())
		r := runCLI(t, f.alice, "transfers", "--json")
		var page client.TransferPage
		if err := json.Unmarshal([]byte(r.stdout), &page); err != nil || r.code != 0 {
			t.Fatalf("exit %d, %v", r.code, err)
		}
		if len(page.Transfers) != 154 || page.NextCursor != "" || page.OwnerID != alice || page.Transfers[153].ID != "drip-149" {
			t.Errorf("%d transfers, cursor %q", len(page.Transfers), page.NextCursor)
		}
		if n := len(f.srv.Requests()) - before; n != 2 {
			t.Errorf("made %d requests, want 2", n)
		}
	})
	// The fixture's running contest ends so that the agents may play on.
	if err := op.AbortContest(ctx, f.known["running"], ""); err != nil {
		t.Fatal(err)
	}
	for range 60 {
		id := f.srv.StartContest(t, "connect4", f.known["chess-bot"], f.known["go-bot"])
		f.srv.Resign(t, id, f.known["chess-bot"])
	}
	t.Run("contest list prints one page and points at the next", func(t *testing.T) {
		r := runCLI(t, f.op, "contest", "list")
		if r.code != 0 || strings.Count(r.stdout, "\n") != 51 || !strings.HasPrefix(r.stderr, "arenactl: more contests follow; next page: --cursor c_") {
			t.Errorf("exit %d, %d lines, stderr %q", r.code, strings.Count(r.stdout, "\n"), r.stderr)
		}
	})
	t.Run("contest list --all fetches every page", func(t *testing.T) {
		r := runCLI(t, f.op, "contest", "list", "--all", "--limit", "25")
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
	// created is the id of the one agent an owner has.
	created := func(t *testing.T, srv *clienttest.Server, key string) string {
		t.Helper()
		page, err := srv.Client(t, key).ListAgents(context.Background(), client.ListAgentsOptions{Owner: "me"})
		if err != nil || len(page.Agents) != 1 {
			t.Fatalf("ListAgents = %+v, %v; want the one agent", page, err)
		}
		return page.Agents[0].ID
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := clienttest.NewServer(t)
			_, key := srv.AddOwner(t, "alice", "")
			env := map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": key}
			for k, v := range tt.env {
				env[k] = v
			}
			r := runCLI(t, env, append([]string{"agent", "create", "--name", "gpt", "--kind", "openai"}, tt.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			if req := lastRequest(srv, nil); req != tt.wantReq {
				t.Errorf("request = %s\nwant      %s", req, tt.wantReq)
			}
			id := created(t, srv, key)
			if got := srv.ModelAPIKey(t, id); got != tt.wantKey {
				t.Errorf("stored key = %q, want %q", got, tt.wantKey)
			}
			if !strings.Contains(r.stdout, "MODEL        tiny\nBASE URL     http://m.example/v1\n") {
				t.Errorf("stdout:\n%s", r.stdout)
			}
			for _, cmd := range [][]string{nil, {"agent", "show", id, "--json"}, {"agent", "update", id, "--model", "big"}} {
				out := r
				if cmd != nil {
					out = runCLI(t, env, cmd...)
				}
				if strings.Contains(out.stdout+out.stderr, "sk-") {
					t.Errorf("%v printed the API key:\n%s%s", cmd, out.stdout, out.stderr)
				}
			}
			if got := srv.ModelAPIKey(t, id); got != tt.wantKey {
				t.Errorf("an update without --api-key changed the stored key to %q", got)
			}
		})
	}
	t.Run("the environment key is not sent for other kinds", func(t *testing.T) {
		srv := clienttest.NewServer(t)
		_, key := srv.AddOwner(t, "alice", "")
		env := map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": key, "ARENA_MODEL_API_KEY": secret}
		if r := runCLI(t, env, "agent", "create", "--name", "ws"); r.code != 0 {
			t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
		}
		if req := lastRequest(srv, nil); req != `POST /v1/agents {"name":"ws"}` {
			t.Errorf("request = %s", req)
		}
	})
	t.Run("agent update merges endpoint flags into the current endpoint and can replace the key", func(t *testing.T) {
		srv := clienttest.NewServer(t)
		_, key := srv.AddOwner(t, "alice", "")
		env := map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": key}
		if r := runCLI(t, env, "agent", "create", "--name", "gpt", "--kind", "openai", "--base-url", "http://m/v1", "--model", "a", "--temperature", "0.5"); r.code != 0 {
			t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
		}
		id := created(t, srv, key)
		r := runCLI(t, env, "agent", "update", id, "--model", "b", "--api-key", "sk-new")
		if r.code != 0 || strings.Contains(r.stdout+r.stderr, "sk-new") {
			t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
		}
		if req := lastRequest(srv, map[string]string{"gpt": id}); req != `PATCH /v1/agents/{gpt} {"endpoint":{"base_url":"http://m/v1","model":"b","temperature":0.5},"api_key":"sk-new"}` {
			t.Errorf("request = %s", req)
		}
		if got := srv.ModelAPIKey(t, id); got != "sk-new" {
			t.Errorf("stored key = %q", got)
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
