package client_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/client/clienttest"
)

func TestLedgerAndArenaResponsesDecode(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	t.Run("a transfer page decodes every transfer field and the cursor", func(t *testing.T) {
		srv, _ := captureServer(t, 200, `{"owner_id":"own_1","next_cursor":"9","transfers":[{"id":"payout/ct_1/0","seq":9,
			"from":"escrow:ct_1","to":"wallet:own_1","amount":200,"currency":"ARC","kind":"payout","contest":"ct_1",
			"memo":"m","at":"2025-03-04T05:06:07Z","prev_hash":"aa","hash":"bb"}]}`)
		page, err := newClient(t, srv.URL).ListTransfers(ctx, client.ListTransfersOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := client.Transfer{ID: "payout/ct_1/0", Seq: 9, From: "escrow:ct_1", To: "wallet:own_1", Amount: 200,
			Currency: "ARC", Kind: client.TransferPayout, Contest: "ct_1", Memo: "m", At: at, PrevHash: "aa", Hash: "bb"}
		if page.OwnerID != "own_1" || page.NextCursor != "9" || len(page.Transfers) != 1 || page.Transfers[0] != want {
			t.Errorf("page = %+v", page)
		}
		if d := want.Delta("wallet:own_1"); d != 200 {
			t.Errorf("delta into the wallet = %d", d)
		}
		if d := want.Delta("escrow:ct_1"); d != -200 {
			t.Errorf("delta out of the escrow = %d", d)
		}
		if d := want.Delta("house"); d != 0 {
			t.Errorf("delta of an uninvolved account = %d", d)
		}
	})
	t.Run("a balance keeps int64 minor units exactly", func(t *testing.T) {
		srv, _ := captureServer(t, 200, `{"owner_id":"own_1","account":"wallet:own_1","currency":"ARC","balance":9007199254740993}`)
		b, err := newClient(t, srv.URL).Balance(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if *b != (client.Balance{OwnerID: "own_1", Account: "wallet:own_1", Currency: "ARC", Balance: 9007199254740993}) {
			t.Errorf("balance = %+v", b)
		}
	})
	t.Run("a leaderboard row decodes its Bradley–Terry cell", func(t *testing.T) {
		srv, _ := captureServer(t, 200, `{"arena":"connect4","method":"bt","entries":[
			{"rank":1,"agent_id":"agt_1","name":"a","owner_id":"own_1","elo":1016.5,"rating":1016500,
			 "bt":{"rating":1100.5,"lower":1050,"upper":1150,"rank":1,"battles":12},
			 "games":12,"wins":8,"draws":1,"losses":3,"last_at":"2025-03-04T05:06:07Z"},
			{"rank":2,"agent_id":"agt_2","elo":984,"rating":984000,"games":0,"last_at":"0001-01-01T00:00:00Z"}]}`)
		lb, err := newClient(t, srv.URL).Leaderboard(ctx, "connect4", client.RankBT)
		if err != nil {
			t.Fatal(err)
		}
		if lb.Arena != "connect4" || lb.Method != client.RankBT || len(lb.Entries) != 2 {
			t.Fatalf("leaderboard = %+v", lb)
		}
		e := lb.Entries[0]
		if e.Rank != 1 || e.Elo != 1016.5 || e.Rating != 1016500 || e.Wins != 8 || e.Draws != 1 || e.Losses != 3 || !e.LastAt.Equal(at) {
			t.Errorf("entry = %+v", e)
		}
		if e.BT == nil || *e.BT != (client.BTCell{Rating: 1100.5, Lower: 1050, Upper: 1150, Rank: 1, Battles: 12}) {
			t.Errorf("bt = %+v", e.BT)
		}
		if lb.Entries[1].BT != nil {
			t.Errorf("an agent without battles has bt %+v", lb.Entries[1].BT)
		}
	})
	t.Run("a contest decodes its seats and results", func(t *testing.T) {
		srv, _ := captureServer(t, 200, `{"contest":{"id":"ct_1","arena":"connect4","game":"connect4","status":"settled",
			"seats":[{"agent_id":"agt_1","owner_id":"own_1","name":"a","version":3},{"agent_id":"agt_2","owner_id":"own_2","name":"b","version":1}],
			"seed":7,"seq":9,"turn":7,"deadlines":[0,0],"strikes":[0,1],"created_at":"2025-03-04T05:06:07Z","ended_at":"2025-03-04T05:07:07Z",
			"ranks":[0,1],"rating_deltas":[16,-16],"payouts":[200,0],"reason":"four in a row","verdict":{"x":1}},
			"view":{"board":[]},"events":[{"contest":"ct_1","seq":1,"type":"created","at":"2025-03-04T05:06:07Z","turn":0},
			{"contest":"ct_1","seq":2,"type":"move","at":"2025-03-04T05:06:08Z","seat":0,"turn":1,"move":3,"auto":true}]}`)
		d, err := newClient(t, srv.URL).GetContest(ctx, "ct_1")
		if err != nil {
			t.Fatal(err)
		}
		c := d.Contest
		if c.Status != client.ContestSettled || len(c.Seats) != 2 || c.Seats[0] != (client.Seat{AgentID: "agt_1", OwnerID: "own_1", Name: "a", Version: 3}) ||
			fmt.Sprint(c.Ranks, c.RatingDeltas, c.Payouts, c.Strikes) != "[0 1] [16 -16] [200 0] [0 1]" ||
			c.EndedAt.Sub(c.CreatedAt) != time.Minute || c.Reason != "four in a row" || string(c.Verdict) != `{"x":1}` {
			t.Errorf("contest = %+v", c)
		}
		if string(d.View) != `{"board":[]}` || len(d.Events) != 2 {
			t.Fatalf("view %s, events %+v", d.View, d.Events)
		}
		if ev := d.Events[1]; ev.Seat == nil || *ev.Seat != 0 || string(ev.Move) != "3" || !ev.Auto || d.Events[0].Seat != nil {
			t.Errorf("events = %+v", d.Events)
		}
	})
}

func TestAuditReportsAFailedLedgerAsAValue(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		wantOK   bool
		wantProb int
		wantCode string
	}{
		{"a 200 is a passing audit", 200, `{"audit":{"ok":true,"transfers":3,"head":"ab","sum":0,"accounts":2,"problems":[]},"node_id":"n1"}`, true, 0, ""},
		{"a 409 with a report is a failing audit, not an error", 409, `{"audit":{"ok":false,"transfers":3,"head":"ab","problems":["sum is 5"]},"node_id":"n1"}`, false, 1, ""},
		{"a 409 error body is an error", 409, `{"error":{"code":"conflict","message":"something else"}}`, false, 0, client.CodeConflict},
		{"a 403 is an error", 403, `{"error":{"code":"forbidden","message":"operator token required"}}`, false, 0, client.CodeForbidden},
		{"a 200 without a report is an error", 200, `{"node_id":"n1"}`, false, 0, client.CodeInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := captureServer(t, tt.status, tt.body)
			res, err := newClient(t, srv.URL).Audit(context.Background())
			if tt.wantCode != "" {
				if !client.IsCode(err, tt.wantCode) {
					t.Fatalf("err = %v, want code %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Audit.OK != tt.wantOK || len(res.Audit.Problems) != tt.wantProb || res.NodeID != "n1" || res.Audit.Problems == nil {
				t.Errorf("audit = %+v", res)
			}
		})
	}
}

func TestMoneyAgainstARealNode(t *testing.T) {
	ctx := context.Background()
	srv := clienttest.NewServer(t)
	aliceID, aliceKey := srv.AddOwner(t, "alice", "")
	alice := newClient(t, srv.URL, client.WithKey(aliceKey))
	op := newClient(t, srv.URL, client.WithKey(clienttest.OperatorToken))

	b, err := alice.Balance(ctx, "me")
	if err != nil || b.Balance != arena.DefaultLedgerSettings.StartingGrant || b.OwnerID != aliceID || b.Account != "wallet:"+aliceID {
		t.Fatalf("Balance = %+v, %v; want the starting grant", b, err)
	}
	start := b.Balance
	req := client.GrantRequest{ID: "bonus-1", OwnerID: aliceID, Amount: 500, Memo: "bonus"}
	first, err := op.Grant(ctx, req)
	if err != nil {
		t.Fatalf("Grant: %v", err)
	}
	again, err := op.Grant(ctx, req)
	if err != nil || *again != *first {
		t.Fatalf("retried Grant = %+v, %v; want the first transfer %+v", again, err, first)
	}
	if _, err := op.Grant(ctx, client.GrantRequest{ID: "bonus-1", OwnerID: aliceID, Amount: 501}); !client.IsCode(err, client.CodeConflict) {
		t.Errorf("reused id: err = %v, want conflict", err)
	}
	if _, err := op.Adjust(ctx, client.GrantRequest{OwnerID: aliceID, Amount: -1 << 40}); !client.IsCode(err, client.CodeInsufficientFunds) {
		t.Errorf("overdraft: err = %v, want insufficient_funds", err)
	}
	if _, err := alice.Grant(ctx, req); !client.IsCode(err, client.CodeForbidden) {
		t.Errorf("an owner granting: err = %v, want forbidden", err)
	}
	for i := range 4 {
		if _, err := op.Adjust(ctx, client.GrantRequest{ID: fmt.Sprintf("fix-%d", i), OwnerID: aliceID, Amount: -10}); err != nil {
			t.Fatal(err)
		}
	}
	if b, err := op.Balance(ctx, aliceID); err != nil || b.Balance != start+500-40 {
		t.Errorf("balance = %+v, %v; want %d", b, err, start+500-40)
	}

	var ids []string
	var sum int64
	for tr, err := range alice.AllTransfers(ctx, client.ListTransfersOptions{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tr.ID)
		sum += tr.Delta("wallet:" + aliceID)
	}
	if got := strings.Join(ids[1:], " "); len(ids) != 6 || got != "bonus-1 fix-0 fix-1 fix-2 fix-3" || sum != start+500-40 {
		t.Errorf("transfers = %v summing to %d; want the starting grant, bonus-1 and fix-0..3", ids, sum)
	}

	res, err := op.Audit(ctx)
	if err != nil || !res.Audit.OK || res.Audit.Transfers != 6 || res.Audit.Sum != 0 || res.NodeID == "" {
		t.Errorf("Audit = %+v, %v", res, err)
	}
	if _, err := alice.Audit(ctx); !client.IsCode(err, client.CodeForbidden) {
		t.Errorf("an owner auditing: err = %v, want forbidden", err)
	}
}

func TestArenasContestsAndQueuesAgainstARealNode(t *testing.T) {
	ctx := context.Background()
	srv := clienttest.NewServer(t)
	_, aliceKey := srv.AddOwner(t, "alice", "")
	_, bobKey := srv.AddOwner(t, "bob", "")
	alice := newClient(t, srv.URL, client.WithKey(aliceKey))
	bob := newClient(t, srv.URL, client.WithKey(bobKey))
	op := newClient(t, srv.URL, client.WithKey(clienttest.OperatorToken))
	a, err := alice.CreateAgent(ctx, client.CreateAgentRequest{Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := bob.CreateAgent(ctx, client.CreateAgentRequest{Name: "b"})
	if err != nil {
		t.Fatal(err)
	}

	arenas, err := alice.ListArenas(ctx)
	if err != nil || len(arenas) != 3 || arenas[0].Name != "connect4" || arenas[1].Name != "prompt" || arenas[2].Name != "verifiable" {
		t.Fatalf("ListArenas = %+v, %v; want the default arenas", arenas, err)
	}
	if _, err := alice.PutArena(ctx, "duel", client.PutArenaRequest{Game: "connect4", Seats: 2}); !client.IsCode(err, client.CodeForbidden) {
		t.Errorf("an owner putting an arena: err = %v, want forbidden", err)
	}
	duel, err := op.PutArena(ctx, "duel", client.PutArenaRequest{Game: "connect4", Seats: 2, Stake: 100})
	if err != nil {
		t.Fatal(err)
	}
	if duel.Forfeit != "lose" || duel.EloK != 32 || duel.MoveDeadlineMS != 5000 || fmt.Sprint(duel.Rewards, duel.Judges) != "[100] [referee]" || duel.CreatedAt.IsZero() {
		t.Errorf("a new arena takes the defaults: %+v", duel)
	}
	if _, err := op.PutArena(ctx, "prompt", client.PutArenaRequest{Game: "prompt", Seats: 3, Rewards: []int{60, 30, 10}}); err != nil {
		t.Fatal(err)
	}
	if p, err := alice.GetArena(ctx, "prompt"); err != nil || p.Seats != 3 || fmt.Sprint(p.Rewards) != "[60 30 10]" {
		t.Errorf("GetArena after PutArena = %+v, %v", p, err)
	}
	if _, err := alice.GetArena(ctx, "chess"); !client.IsCode(err, client.CodeNotFound) {
		t.Errorf("missing arena: err = %v", err)
	}

	queued := func() int {
		t.Helper()
		l, err := alice.ArenaList(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return l.Queued["connect4"]
	}
	tk, err := alice.QueueAgent(ctx, a.Agent.ID, "connect4")
	if err != nil || tk.AgentID != a.Agent.ID || tk.Arena != "connect4" || tk.Seq == 0 || queued() != 1 {
		t.Fatalf("QueueAgent = %+v, %v", tk, err)
	}
	if _, err := bob.QueueAgent(ctx, a.Agent.ID, "connect4"); !client.IsCode(err, client.CodeForbidden) {
		t.Errorf("queueing another owner's agent: err = %v", err)
	}
	if err := alice.UnqueueAgent(ctx, a.Agent.ID, "connect4"); err != nil || queued() != 0 {
		t.Errorf("UnqueueAgent: %v", err)
	}

	for i := range 3 {
		loser := []string{a.Agent.ID, b.Agent.ID}[i%2]
		srv.Resign(t, srv.StartContest(t, "connect4", a.Agent.ID, b.Agent.ID), loser)
	}
	running := srv.StartContest(t, "connect4", a.Agent.ID, b.Agent.ID)
	var statuses []string
	for c, err := range alice.AllContests(ctx, client.ListContestsOptions{Arena: "connect4", Limit: 3}) {
		if err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, c.Status)
	}
	if fmt.Sprint(statuses) != "[running settled settled settled]" {
		t.Errorf("contests newest first = %v", statuses)
	}
	if err := alice.AbortContest(ctx, running, ""); !client.IsCode(err, client.CodeForbidden) {
		t.Errorf("an owner aborting: err = %v", err)
	}
	if err := op.AbortContest(ctx, running, "test"); err != nil {
		t.Fatalf("AbortContest: %v", err)
	}
	p, err := alice.ContestPayouts(ctx, running)
	if err != nil || p.Status != client.ContestAborted || len(p.Transfers) != 4 {
		t.Fatalf("ContestPayouts = %+v, %v; want two stakes and two refunds", p, err)
	}
	d, err := alice.GetContest(ctx, running)
	if err != nil || d.Contest.Reason != "test" || string(d.Contest.State) != "null" || len(d.View) == 0 || len(d.Events) != 2 ||
		d.Events[0].Type != "created" || d.Events[1].Type != "aborted" {
		t.Errorf("GetContest = %+v, %v", d, err)
	}
}

func TestAgentRequestsNeverPrintTheModelAPIKey(t *testing.T) {
	create := client.CreateAgentRequest{Name: "gpt", Kind: client.KindOpenAI,
		Endpoint: &client.ModelEndpoint{BaseURL: "http://m/v1", Model: "tiny"}, APIKey: "sk-secret-1"}
	update := client.UpdateAgentRequest{Name: new("gpt2"), APIKey: new("sk-secret-2")}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		for _, v := range []any{create, &create, update, &update} {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, "sk-secret") || !strings.Contains(out, "gpt") {
				t.Errorf("Sprintf(%q) = %s", verb, out)
			}
		}
	}
	if out := fmt.Sprint(client.CreateAgentRequest{Name: "plain"}); !strings.Contains(out, `APIKey:""`) {
		t.Errorf("a request without a key shows %s", out)
	}
}
