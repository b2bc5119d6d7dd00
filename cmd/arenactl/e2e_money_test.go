package main

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/client/clienttest"
)

// TestMoneyArenasAndContestsAgainstARealNode drives the ledger, arena and
// contest commands against a real node. clienttest runs no runner, so the
// test plays a contest through the node.
func TestMoneyArenasAndContestsAgainstARealNode(t *testing.T) {
	ctx := context.Background()
	srv := clienttest.NewServer(t)
	node := srv.Node

	type res struct {
		out, err string
		code     int
	}
	cli := func(env map[string]string, args ...string) res {
		t.Helper()
		var out, errb bytes.Buffer
		code := run(ctx, args, func(k string) string { return env[k] }, &out, &errb)
		return res{out.String(), errb.String(), code}
	}
	must := func(r res, what string) res {
		t.Helper()
		if r.code != 0 {
			t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", what, r.code, r.out, r.err)
		}
		return r
	}
	decode := func(r res, v any) {
		t.Helper()
		if err := json.Unmarshal([]byte(r.out), v); err != nil {
			t.Fatalf("output is not the expected JSON: %v\n%s", err, r.out)
		}
	}
	base := map[string]string{"ARENA_SERVER": srv.URL}
	with := func(kv ...string) map[string]string {
		env := map[string]string{"ARENA_SERVER": srv.URL}
		for i := 0; i < len(kv); i += 2 {
			env[kv[i]] = kv[i+1]
		}
		return env
	}
	newOwner := func(name string) (id, key string) {
		var o client.CreateOwnerResponse
		decode(must(cli(base, "owner", "create", "--name", name, "--json"), "owner create"), &o)
		return o.Owner.ID, o.APIKey
	}
	annID, annKey := newOwner("ann")
	bobID, bobKey := newOwner("bob")
	ann := with("ARENA_KEY", annKey)
	bob := with("ARENA_KEY", bobKey)
	op := with("ARENA_OPERATOR_TOKEN", clienttest.OperatorToken)
	balanceOf := func(env map[string]string, args ...string) client.Balance {
		t.Helper()
		var b client.Balance
		decode(must(cli(env, append([]string{"balance", "--json"}, args...)...), "balance"), &b)
		return b
	}
	start := arena.DefaultLedgerSettings.StartingGrant

	t.Run("a new owner holds the starting grant", func(t *testing.T) {
		b := balanceOf(ann)
		if b.OwnerID != annID || b.Balance != start || b.Currency != "ARC" || b.Account != "wallet:"+annID {
			t.Fatalf("balance = %+v, want %d ARC for %s", b, start, annID)
		}
		r := must(cli(ann, "balance"), "balance")
		if !strings.Contains(r.out, "BALANCE  1000.00 ARC") {
			t.Errorf("table:\n%s", r.out)
		}
	})

	var grant client.Transfer
	t.Run("a grant with an id moves the money once however often it is sent", func(t *testing.T) {
		args := []string{"grant", "--owner", annID, "--amount", "2500", "--id", "e2e-bonus-1", "--memo", "welcome bonus", "--json"}
		var first, second struct{ Transfer client.Transfer }
		r := must(cli(op, args...), "grant")
		decode(r, &first)
		if r.err != "" {
			t.Errorf("a grant with --id printed %q to stderr", r.err)
		}
		decode(must(cli(op, args...), "grant again"), &second)
		grant = first.Transfer
		if grant.ID != "e2e-bonus-1" || grant.Amount != 2500 || grant.Kind != "grant" || grant.To != "wallet:"+annID || grant.Hash == "" {
			t.Errorf("transfer = %+v", grant)
		}
		if second.Transfer.Seq != grant.Seq || second.Transfer.Hash != grant.Hash {
			t.Errorf("the retry made a new transfer: %+v, first %+v", second.Transfer, grant)
		}
		if b := balanceOf(ann); b.Balance != start+2500 {
			t.Errorf("balance = %d after two identical grants, want %d", b.Balance, start+2500)
		}
		r = cli(op, "grant", "--owner", annID, "--amount", "9999", "--id", "e2e-bonus-1")
		if r.code != 1 || !strings.Contains(r.err, "conflict") {
			t.Errorf("reusing an id for another amount: exit %d, stderr %q", r.code, r.err)
		}
	})
	t.Run("grant prints the transfer and warns when the server chose its id", func(t *testing.T) {
		r := must(cli(op, "grant", "--owner", bobID, "--amount", "1"), "grant")
		if !strings.Contains(r.out, "AMOUNT  0.01 ARC") || !strings.Contains(r.out, "TO      wallet:"+bobID) {
			t.Errorf("table:\n%s", r.out)
		}
		if !strings.Contains(r.err, "Pass --id to make retries safe") {
			t.Errorf("stderr = %q", r.err)
		}
	})
	var adjust client.Transfer
	t.Run("adjust debits with a negative amount", func(t *testing.T) {
		var out struct{ Transfer client.Transfer }
		decode(must(cli(op, "adjust", "--owner", annID, "--amount", "-500", "--id", "e2e-fix-1", "--memo", "oops", "--json"), "adjust"), &out)
		adjust = out.Transfer
		if adjust.From != "wallet:"+annID || adjust.To != "issuer" || adjust.Amount != 500 || adjust.Kind != "adjust" {
			t.Errorf("transfer = %+v", adjust)
		}
		if b := balanceOf(ann); b.Balance != start+2000 {
			t.Errorf("balance = %d, want %d", b.Balance, start+2000)
		}
		r := cli(op, "adjust", "--owner", bobID, "--amount", "-100000000", "--id", "e2e-too-much")
		if r.code != 1 || !strings.Contains(r.err, "insufficient_funds") {
			t.Errorf("overdrawing: exit %d, stderr %q", r.code, r.err)
		}
	})
	t.Run("transfers lists the wallet's history with signed amounts", func(t *testing.T) {
		var page client.TransferPage
		decode(must(cli(ann, "transfers", "--json"), "transfers"), &page)
		var ids []string
		for _, tr := range page.Transfers {
			ids = append(ids, tr.ID)
		}
		if got := strings.Join(ids, " "); got != "grant/start/"+annID+" e2e-bonus-1 e2e-fix-1" || page.NextCursor != "" {
			t.Fatalf("transfers = %s (next %q)", got, page.NextCursor)
		}
		r := must(cli(ann, "transfers"), "transfers")
		for _, want := range []string{"+1000.00 ARC", "+25.00 ARC", "-5.00 ARC", "welcome bonus", "issuer"} {
			if !strings.Contains(r.out, want) {
				t.Errorf("table lacks %q:\n%s", want, r.out)
			}
		}
		r = must(cli(ann, "transfers", "--limit", "2"), "transfers --limit")
		if strings.Count(r.out, "\n") != 3 || !strings.Contains(r.err, "--limit 2 --cursor ") {
			t.Fatalf("one page of 2: stdout\n%s\nstderr %q", r.out, r.err)
		}
		cursor := strings.TrimSpace(r.err[strings.LastIndex(r.err, " ")+1:])
		r = must(cli(ann, "transfers", "--limit", "2", "--cursor", cursor), "transfers --cursor")
		if !strings.Contains(r.out, "e2e-fix-1") || strings.Contains(r.out, "e2e-bonus-1") || r.err != "" {
			t.Errorf("second page:\n%s\nstderr %q", r.out, r.err)
		}
	})
	t.Run("only the owner and the operator see a wallet", func(t *testing.T) {
		if b := balanceOf(op, "--owner", annID); b.Balance != start+2000 {
			t.Errorf("operator sees %d", b.Balance)
		}
		if b := balanceOf(ann, "--owner", annID); b.OwnerID != annID {
			t.Errorf("ann by id sees %+v", b)
		}
		if r := cli(bob, "balance", "--owner", annID); r.code != 1 || !strings.Contains(r.err, "forbidden") {
			t.Errorf("bob reading ann: exit %d, stderr %q", r.code, r.err)
		}
		if r := cli(op, "transfers", "--owner", bobID); r.code != 0 || !strings.Contains(r.out, "grant/start/"+bobID) {
			t.Errorf("operator transfers: exit %d\n%s%s", r.code, r.out, r.err)
		}
	})
	t.Run("audit passes and reports the head of the chain", func(t *testing.T) {
		var a client.AuditResult
		decode(must(cli(op, "audit", "--json"), "audit"), &a)
		// ann's and bob's starting grants, the bonus, bob's cent, the fix.
		if !a.Audit.OK || a.Audit.Head != adjust.Hash || a.Audit.Transfers != 5 || len(a.Audit.Problems) != 0 || a.NodeID != "node0" {
			t.Errorf("audit = %+v, want OK with head %s", a, adjust.Hash)
		}
		r := must(cli(op, "audit"), "audit")
		if !strings.Contains(r.out, "RESULT     OK") || !strings.Contains(r.out, "HEAD       "+adjust.Hash) {
			t.Errorf("table:\n%s", r.out)
		}
		if r := cli(ann, "audit", "--operator-token", annKey); r.code != 1 || !strings.Contains(r.err, "forbidden") {
			t.Errorf("an owner auditing: exit %d, stderr %q", r.code, r.err)
		}
	})
	t.Run("arena list shows the seeded arenas", func(t *testing.T) {
		r := must(cli(base, "arena", "list"), "arena list")
		if !regexp.MustCompile(`(?m)^connect4 +connect4 +2 +1\.00 +100 +5s +referee$`).MatchString(r.out) ||
			!regexp.MustCompile(`(?m)^prompt +prompt +2 +1\.00 +100 +30s +rubric$`).MatchString(r.out) ||
			!regexp.MustCompile(`(?m)^verifiable +verifiable +2 +1\.00 +100 +30s +referee$`).MatchString(r.out) {
			t.Errorf("table:\n%s", r.out)
		}
		var a struct{ Arena client.Arena }
		decode(must(cli(base, "arena", "show", "connect4", "--json"), "arena show"), &a)
		if a.Arena.Name != "connect4" || a.Arena.Stake != 100 || a.Arena.Seats != 2 {
			t.Errorf("arena = %+v", a.Arena)
		}
		if r := cli(base, "arena", "show", "nope"); r.code != 1 || !strings.Contains(r.err, "not_found") {
			t.Errorf("missing arena: exit %d, stderr %q", r.code, r.err)
		}
	})
	t.Run("an empty leaderboard prints its header", func(t *testing.T) {
		for _, m := range []string{"elo", "bt"} {
			r := must(cli(base, "arena", "leaderboard", "connect4", "--method", m), "leaderboard")
			if !strings.HasPrefix(r.out, "RANK") || strings.Count(r.out, "\n") != 1 {
				t.Errorf("method %s:\n%s", m, r.out)
			}
		}
	})

	// Each owner registers an agent, ann an openai one.
	var annAgent, bobAgent string
	t.Run("an openai agent's API key is sent but never printed", func(t *testing.T) {
		env := with("ARENA_KEY", annKey, "ARENA_MODEL_API_KEY", "sk-very-secret")
		r := must(cli(env, "agent", "create", "--name", "gpt", "--kind", "openai", "--base-url", "http://127.0.0.1:9/v1",
			"--model", "tiny", "--temperature", "0.5", "--json"), "agent create")
		var created client.CreateAgentResponse
		decode(r, &created)
		annAgent = created.Agent.ID
		if e := created.Agent.Endpoint; e == nil || e.Model != "tiny" || e.BaseURL != "http://127.0.0.1:9/v1" || e.Temperature == nil || *e.Temperature != 0.5 {
			t.Errorf("endpoint = %+v", created.Agent.Endpoint)
		}
		if node.AgentSecret(annAgent) == "" {
			t.Error("the node stored no sealed API key")
		}
		r2 := must(cli(env, "agent", "show", annAgent), "agent show")
		r3 := must(cli(env, "agent", "update", annAgent, "--model", "bigger"), "agent update")
		for _, out := range []string{r.out, r.err, r2.out, r2.err, r3.out, r3.err} {
			if strings.Contains(out, "sk-very-secret") {
				t.Fatalf("the API key was printed:\n%s", out)
			}
		}
		if !strings.Contains(r2.out, "MODEL        tiny") || !strings.Contains(r3.out, "MODEL        bigger") ||
			!strings.Contains(r3.out, "BASE URL     http://127.0.0.1:9/v1") || !strings.Contains(r3.out, "TEMPERATURE  0.5") {
			t.Errorf("show:\n%s\nupdate:\n%s", r2.out, r3.out)
		}
		var other client.CreateAgentResponse
		decode(must(cli(bob, "agent", "create", "--name", "plain", "--json"), "agent create"), &other)
		bobAgent = other.Agent.ID
	})
	t.Run("agent queue and unqueue", func(t *testing.T) {
		var tk struct{ Ticket client.Ticket }
		decode(must(cli(ann, "agent", "queue", annAgent, "--arena", "connect4", "--json"), "agent queue"), &tk)
		if tk.Ticket.Arena != "connect4" || tk.Ticket.AgentID != annAgent || tk.Ticket.OwnerID != annID {
			t.Errorf("ticket = %+v", tk.Ticket)
		}
		r := must(cli(ann, "agent", "unqueue", annAgent, "--arena", "connect4"), "agent unqueue")
		if r.out != "removed agent "+annAgent+" from the queue of arena connect4\n" {
			t.Errorf("stdout = %q", r.out)
		}
		if r := cli(bob, "agent", "queue", annAgent, "--arena", "connect4"); r.code != 1 || !strings.Contains(r.err, "forbidden") {
			t.Errorf("queueing another owner's agent: exit %d, stderr %q", r.code, r.err)
		}
	})

	// Play a connect4 contest through the node: seat 0 stacks column 0.
	con, err := node.CreateContest(ctx, "ct_e2e_1", "connect4", []string{annAgent, bobAgent}, 1)
	if err != nil {
		t.Fatalf("create contest: %v", err)
	}
	for i, col := range []int{0, 1, 0, 1, 0, 1, 0} {
		if err := node.Move(ctx, con.ID, con.Seats[i%2].AgentID, nil, json.RawMessage(strconv.Itoa(col))); err != nil {
			t.Fatalf("move %d: %v", i, err)
		}
	}
	winner, loser := con.Seats[0], con.Seats[1]

	t.Run("contest list, show and payouts describe the settled contest", func(t *testing.T) {
		r := must(cli(base, "contest", "list", "--arena", "connect4", "--status", "settled"), "contest list")
		if !regexp.MustCompile(`(?m)^ct_e2e_1 +connect4 +settled +` + regexp.QuoteMeta(winner.Name+", "+loser.Name) + ` +` + regexp.QuoteMeta(winner.Name) + ` `).MatchString(r.out) {
			t.Errorf("list:\n%s", r.out)
		}
		r = must(cli(base, "contest", "show", con.ID), "contest show")
		if !strings.Contains(r.out, "STATUS   settled") || !regexp.MustCompile(`(?m)^0 +`+regexp.QuoteMeta(winner.Name)+` .* 1 +2\.00 +\+`).MatchString(r.out) {
			t.Errorf("show:\n%s", r.out)
		}
		var p client.ContestPayouts
		decode(must(cli(base, "contest", "payouts", con.ID, "--json"), "contest payouts"), &p)
		kinds := map[string]int64{}
		for _, tr := range p.Transfers {
			kinds[tr.Kind] += tr.Amount
		}
		if p.Status != "settled" || kinds["stake"] != 200 || kinds["payout"] != 200 || len(p.Payouts) != 2 || p.Payouts[0] != 200 {
			t.Errorf("payouts = %+v", p)
		}
		if b := balanceOf(op, "--owner", winner.OwnerID); b.Balance != balanceAfter(winner.OwnerID == annID, start)+100 {
			t.Errorf("winner's balance = %d", b.Balance)
		}
	})
	t.Run("the leaderboard ranks the players", func(t *testing.T) {
		var lb client.Leaderboard
		decode(must(cli(base, "arena", "leaderboard", "connect4", "--json"), "leaderboard"), &lb)
		// One game each: both are provisional, and the winner is listed
		// first at rank 1 (flagged provisional; nobody is established).
		if len(lb.Entries) != 2 || lb.Entries[0].AgentID != winner.AgentID || lb.Entries[0].Rank != 1 || !lb.Entries[0].Provisional ||
			lb.Entries[0].Wins != 1 || lb.Entries[0].Elo <= lb.Entries[1].Elo {
			t.Errorf("leaderboard = %+v", lb)
		}
		r := must(cli(base, "arena", "leaderboard", "connect4", "--method", "bt"), "leaderboard bt")
		if !strings.Contains(r.out, winner.Name) || !strings.Contains(r.out, "1-0-0") {
			t.Errorf("bt table:\n%s", r.out)
		}
	})
	t.Run("contest abort refunds the stakes", func(t *testing.T) {
		before := balanceOf(op, "--owner", bobID).Balance
		if _, err := node.CreateContest(ctx, "ct_e2e_2", "connect4", []string{annAgent, bobAgent}, 2); err != nil {
			t.Fatalf("create contest: %v", err)
		}
		if b := balanceOf(op, "--owner", bobID).Balance; b != before-100 {
			t.Errorf("bob's balance after staking = %d, want %d", b, before-100)
		}
		if r := cli(ann, "contest", "abort", "ct_e2e_2"); r.code != 2 || !strings.Contains(r.err, "operator token") {
			t.Errorf("abort without the token: exit %d, stderr %q", r.code, r.err)
		}
		r := must(cli(op, "contest", "abort", "ct_e2e_2", "--reason", "test over"), "contest abort")
		if r.out != "aborted contest ct_e2e_2; its stakes were refunded\n" {
			t.Errorf("stdout = %q", r.out)
		}
		if b := balanceOf(op, "--owner", bobID).Balance; b != before {
			t.Errorf("bob's balance after the refund = %d, want %d", b, before)
		}
		r = must(cli(base, "contest", "payouts", "ct_e2e_2"), "contest payouts")
		if strings.Count(r.out, " refund ") != 2 || strings.Count(r.out, " stake ") != 2 {
			t.Errorf("payouts:\n%s", r.out)
		}
		var a client.AuditResult
		decode(must(cli(op, "audit", "--json"), "audit"), &a)
		if !a.Audit.OK || a.Audit.Sum != 0 {
			t.Errorf("audit after contests = %+v", a.Audit)
		}
	})
}

// balanceAfter is an owner's balance after the grants of the test above,
// before contests: ann got 25.00 and lost 5.00, bob got 0.01.
func balanceAfter(isAnn bool, start int64) int64 {
	if isAnn {
		return start + 2000
	}
	return start + 1
}
