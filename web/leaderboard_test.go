package web_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/agentarena/arena/api"
)

// TestLeaderboardRanking drives contests on a real node and reads the
// leaderboard over HTTP: the default method follows the arena (judged:
// Bradley–Terry; rule-judged: Elo; rank_by overrides), and agents with
// fewer than provisional_games games are flagged and ranked after every
// established agent, never above one; with nobody established the table
// still starts at rank 1 (it started at 2, rank 1 kept vacant).
func TestLeaderboardRanking(t *testing.T) {
	c, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	ids := plAgents(t, base, "alpha", "beta", "gamma")
	a, b, g := ids[0].agentID, ids[1].agentID, ids[2].agentID
	put := func(name string, body map[string]any) {
		t.Helper()
		if code := plHTTP(t, "PUT", base+"/v1/arenas/"+name, plOperator, body, nil); code != 200 {
			t.Fatalf("put arena %s: %d", name, code)
		}
	}
	put("c4bt", map[string]any{"game": "connect4", "seats": 2, "rank_by": "bt", "provisional_games": 3})
	put("c4fresh", map[string]any{"game": "connect4", "seats": 2})
	put("judged-elo", map[string]any{"game": "prompt", "seats": 2, "rank_by": "elo"})

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n := 0
	win := func(arenaName, winner, loser string) {
		t.Helper()
		n++
		con, err := c.Leader().CreateContest(ctx, fmt.Sprintf("ct_lb_%d", n), arenaName, []string{winner, loser}, uint64(n))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Leader().Resign(ctx, con.ID, loser, "test"); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		win("c4bt", a, b)
	}
	win("c4bt", g, b)
	win("c4fresh", a, b)

	board := func(arenaName, method string) api.Leaderboard {
		t.Helper()
		url := base + "/v1/arenas/" + arenaName + "/leaderboard"
		if method != "" {
			url += "?method=" + method
		}
		var lb api.Leaderboard
		if code := plHTTP(t, "GET", url, "", nil, &lb); code != 200 {
			t.Fatalf("GET %s: %d", url, code)
		}
		return lb
	}
	t.Run("rows and agents name their owner", func(t *testing.T) {
		for _, r := range board("c4bt", "").Entries {
			if r.OwnerName != "tester" {
				t.Errorf("row %s: owner_name %q, want the owner's name", r.AgentID, r.OwnerName)
			}
		}
		var got struct {
			OwnerName string `json:"owner_name"`
		}
		if code := plHTTP(t, "GET", base+"/v1/agents/"+a, "", nil, &got); code != 200 || got.OwnerName != "tester" {
			t.Errorf("GET agent: %d, owner_name %q", code, got.OwnerName)
		}
	})
	type want struct {
		agent       string
		rank        int
		provisional bool
	}
	tests := []struct {
		name, arena, method string
		wantMethod          api.RankMethod
		want                []want
	}{
		{"a rule-judged arena ranks by Elo by default", "connect4", "", api.RankElo, nil},
		{"a judged arena ranks by Bradley–Terry by default", "prompt", "", api.RankBT, nil},
		{"rank_by overrides a judged arena's default", "judged-elo", "", api.RankElo, nil},
		{"a one-game agent ranks after the established ones by Bradley–Terry", "c4bt", "", api.RankBT,
			[]want{{a, 1, false}, {b, 0, false}, {g, 3, true}}},
		{"a one-game agent ranks after the established ones by Elo", "c4bt", "elo", api.RankElo,
			[]want{{a, 1, false}, {b, 2, false}, {g, 3, true}}},
		{"with nobody established the table still starts at rank 1", "c4fresh", "", api.RankElo,
			[]want{{a, 1, true}, {b, 2, true}}},
		{"with nobody established the table still starts at rank 1 by Bradley–Terry too", "c4fresh", "bt", api.RankBT,
			[]want{{a, 1, true}, {b, 1, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lb := board(tt.arena, tt.method)
			if lb.Method != tt.wantMethod {
				t.Fatalf("method %q, want %q", lb.Method, tt.wantMethod)
			}
			if len(lb.Entries) != len(tt.want) {
				t.Fatalf("%d rows, want %d: %+v", len(lb.Entries), len(tt.want), lb.Entries)
			}
			for i, w := range tt.want {
				e := lb.Entries[i]
				if e.AgentID != w.agent || e.Provisional != w.provisional || (w.rank != 0 && e.Rank != w.rank) {
					t.Errorf("row %d = %s rank %d provisional %v, want %s rank %d provisional %v", i, e.AgentID, e.Rank, e.Provisional, w.agent, w.rank, w.provisional)
				}
				if e.Provisional && !lb.Entries[0].Provisional && (e.Rank == 1 || (e.BT != nil && e.BT.Rank == 1)) {
					t.Errorf("provisional %s holds rank 1 beside an established agent: %+v", e.AgentID, e)
				}
			}
		})
	}
	t.Run("an unknown method is refused", func(t *testing.T) {
		if code := plHTTP(t, "GET", base+"/v1/arenas/c4bt/leaderboard?method=glicko", "", nil, nil); code != 400 {
			t.Fatalf("status %d, want 400", code)
		}
	})
}

func TestArenaRankingFieldsAreValidated(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	tests := []struct {
		name   string
		body   map[string]any
		status int
	}{
		{"an unknown rank_by is refused", map[string]any{"game": "connect4", "seats": 2, "rank_by": "glicko"}, 400},
		{"a negative provisional_games is refused", map[string]any{"game": "connect4", "seats": 2, "provisional_games": -1}, 400},
		{"rank_by and provisional_games are stored", map[string]any{"game": "connect4", "seats": 2, "rank_by": "bt", "provisional_games": 5}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code := plHTTP(t, "PUT", base+"/v1/arenas/rk", plOperator, tt.body, nil); code != tt.status {
				t.Fatalf("status %d, want %d", code, tt.status)
			}
		})
	}
	var got struct{ Arena api.Arena }
	plHTTP(t, "GET", base+"/v1/arenas/rk", "", nil, &got)
	if got.Arena.RankBy != api.RankBT || got.Arena.ProvisionalGames != 5 || !got.Arena.VoidAllForfeit {
		t.Fatalf("arena = %+v, want rank_by bt, provisional_games 5 and void_all_forfeit (new arenas void all-forfeit contests)", got.Arena)
	}
	t.Run("an operator can keep the old all-forfeit draw", func(t *testing.T) {
		body := map[string]any{"game": "connect4", "seats": 2, "void_all_forfeit": false}
		var put struct{ Arena api.Arena }
		if code := plHTTP(t, "PUT", base+"/v1/arenas/rk", plOperator, body, &put); code != 200 || put.Arena.VoidAllForfeit || put.Arena.RankBy != "" {
			t.Fatalf("status %d, arena %+v", code, put.Arena)
		}
	})
}

func TestPromptSetIsPublic(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	var set api.PromptSet
	if code := plHTTP(t, "GET", base+"/v1/arenas/prompt/prompts", "", nil, &set); code != 200 {
		t.Fatalf("status %d", code)
	}
	if set.Arena != "prompt" || set.Game != "prompt" || len(set.Prompts) < 10 {
		t.Fatalf("set = %s/%s with %d prompts", set.Arena, set.Game, len(set.Prompts))
	}
	seen := map[string]bool{}
	for _, p := range set.Prompts {
		if p.ID == "" || p.Text == "" || seen[p.ID] {
			t.Fatalf("prompt %+v: empty or duplicate", p)
		}
		seen[p.ID] = true
	}
	if c := set.Prompts[0].Criteria; c.MinWords == 0 && c.MaxWords == 0 && len(c.Required) == 0 && c.Format == "" {
		t.Fatalf("first prompt carries no criteria: %+v", set.Prompts[0])
	}
	tests := []struct {
		name, arena string
		status      int
	}{
		{"a game with no task set has no prompts", "connect4", 404},
		{"an unknown arena has no prompts", "nope", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code := plHTTP(t, "GET", base+"/v1/arenas/"+tt.arena+"/prompts", "", nil, nil); code != tt.status {
				t.Fatalf("status %d, want %d", code, tt.status)
			}
		})
	}
}
