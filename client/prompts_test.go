package client_test

import (
	"context"
	"testing"

	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/client/clienttest"
)

// Against a real node: the prompt arena's set comes back with its
// criteria, a game without a task set is not_found, and leaderboards
// without a method come back in the arena's default.
func TestPromptsAndDefaultRankingAgainstANode(t *testing.T) {
	srv := clienttest.NewServer(t)
	c := newClient(t, srv.URL)
	ctx := context.Background()

	set, err := c.Prompts(ctx, "prompt")
	if err != nil {
		t.Fatal(err)
	}
	if set.Game != "prompt" || len(set.Prompts) == 0 || set.Prompts[0].ID == "" || set.Prompts[0].Text == "" {
		t.Fatalf("set = %+v", set)
	}
	if _, err := c.Prompts(ctx, "connect4"); !client.IsCode(err, client.CodeNotFound) {
		t.Fatalf("connect4 prompts: err %v, want not_found", err)
	}

	tests := []struct {
		name  string
		arena string
		want  client.RankMethod
	}{
		{"the judged prompt arena ranks by Bradley–Terry", "prompt", client.RankBT},
		{"the rule-judged connect4 arena ranks by Elo", "connect4", client.RankElo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lb, err := c.Leaderboard(ctx, tt.arena, "")
			if err != nil {
				t.Fatal(err)
			}
			if lb.Method != tt.want {
				t.Fatalf("method %q, want %q", lb.Method, tt.want)
			}
		})
	}
}
