package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/client/clienttest"
)

// A large arena's Bradley–Terry fit runs in the background, and its board
// answers meanwhile with bt_stale (and the previous fit's bt_as_of, or
// none before the first fit); arena leaderboard printed the stale or empty
// BT columns as if they were current.
func TestArenaLeaderboardSaysWhenTheBTColumnsLag(t *testing.T) {
	ctx := context.Background()
	srv := clienttest.NewServer(t)
	_, aliceKey := srv.AddOwner(t, "alice", "")
	_, bobKey := srv.AddOwner(t, "bob", "")
	// 200 rated agents: a board the node fits in the background the
	// first time (web's btLargeBoard).
	const pairs = 100
	for i := range pairs {
		a, err := srv.Client(t, aliceKey).CreateAgent(ctx, client.CreateAgentRequest{Name: fmt.Sprintf("a%03d", i)})
		if err != nil {
			t.Fatal(err)
		}
		b, err := srv.Client(t, bobKey).CreateAgent(ctx, client.CreateAgentRequest{Name: fmt.Sprintf("b%03d", i)})
		if err != nil {
			t.Fatal(err)
		}
		srv.Resign(t, srv.StartContest(t, "connect4", a.Agent.ID, b.Agent.ID), b.Agent.ID)
	}
	env := map[string]string{"ARENA_SERVER": srv.URL}
	r := runCLI(t, env, "arena", "leaderboard", "connect4", "--method", "elo")
	if r.code != 0 || !strings.HasPrefix(r.stderr, "arenactl: BT being fitted (") || len(cells(r.stdout)) != 2*pairs+1 {
		t.Fatalf("the first read: exit %d, stderr %q, %d lines; want every row and the note that BT is being fitted",
			r.code, r.stderr, len(cells(r.stdout)))
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		r = runCLI(t, env, "arena", "leaderboard", "connect4", "--method", "elo")
		if r.code != 0 {
			t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
		}
		if r.stderr == "" {
			break // the fit landed: the board is current, and says nothing
		}
		if !strings.HasPrefix(r.stderr, "arenactl: BT being fitted (") || time.Now().After(deadline) {
			t.Fatalf("while fitting: stderr %q", r.stderr)
		}
	}
	if rows := cells(r.stdout); len(rows) != 2*pairs+1 || rows[1][4] == "" || !strings.Contains(rows[1][5], "..") {
		t.Errorf("after the fit, the first row is %q; want BT cells", rows[1])
	}
}

func TestBTNoteSaysWhatTheBTColumnsCover(t *testing.T) {
	now := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	at := func(t time.Time) *time.Time { return &t }
	tests := []struct {
		name string
		in   client.BTFreshness
		want string
	}{
		{"a current board says nothing", client.BTFreshness{BTAsOf: at(now)}, ""},
		{"an empty board says nothing", client.BTFreshness{}, ""},
		{"a board never fitted is being fitted", client.BTFreshness{BTStale: true},
			"BT being fitted (no BT cells until the first fit lands; the Elo columns are current)"},
		{"a refit of today's board gives the time", client.BTFreshness{BTStale: true, BTAsOf: at(time.Date(2026, 1, 2, 14, 58, 7, 0, time.UTC))},
			"BT as of 14:58:07 UTC, refitting (later contests are not in the BT columns yet; the Elo columns are current)"},
		{"a refit of an older board gives the date too", client.BTFreshness{BTStale: true, BTAsOf: at(time.Date(2026, 1, 1, 23, 0, 0, 0, time.FixedZone("x", 3600)))},
			"BT as of 2026-01-01 22:00:00 UTC, refitting (later contests are not in the BT columns yet; the Elo columns are current)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := btNote(tt.in, now); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}
