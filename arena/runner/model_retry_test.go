package runner_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/agents/secrets"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/arena/runner"
	"github.com/agentarena/arena/internal/egress"
	"github.com/agentarena/arena/judges"
	"github.com/agentarena/arena/llm/llmtest"
)

// TestModelAgentWaitsOutARateLimitInItsTurn: a model-endpoint agent whose
// server answered its first request 429 with a Retry-After of 50 ms
// forfeited its seat at once ("model endpoint failed: HTTP 429 ..."),
// with 30 s of its turn left. It now asks again within the turn, and its
// streamed answer is its seat's.
func TestModelAgentWaitsOutARateLimitInItsTurn(t *testing.T) {
	const answer = "Raft commits an entry once a majority stores it, so any later majority holds it."
	srv := llmtest.NewServer(func(r llmtest.Request) llmtest.Reply {
		if r.Seq == 1 {
			return llmtest.Reply{Status: 429, ErrorType: "requests", ErrorCode: "rate_limit_exceeded",
				ErrorMessage: "Rate limit reached for requests", RetryAfter: "0.05"}
		}
		return llmtest.Reply{Content: answer}
	})
	t.Cleanup(srv.Close)
	key, err := secrets.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}

	c := arenatest.NewCluster(t, 1)
	node := c.Leader()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ar := arena.DefaultArenas()[1]
	ar.Stake, ar.Rewards = 0, nil
	if _, err := node.PutArena(ctx, ar); err != nil {
		t.Fatal(err)
	}
	if _, err := node.CreateOwner(ctx, agents.Owner{ID: "ow_m", Name: "m"}, agents.HashKey("km")); err != nil {
		t.Fatal(err)
	}
	sealed, err := sealer.Seal(llmtest.APIKey, "ag_model")
	if err != nil {
		t.Fatal(err)
	}
	model := agents.Agent{ID: "ag_model", OwnerID: "ow_m", Name: "model", Kind: agents.KindOpenAI,
		Endpoint: &agents.ModelEndpoint{BaseURL: srv.BaseURL(), Model: "tiny"}}
	if _, err := node.CreateAgentWithSecret(ctx, model, agents.HashKey("akmodel"), sealed); err != nil {
		t.Fatal(err)
	}
	if _, err := node.CreateAgent(ctx, agents.Agent{ID: "ag_ws", OwnerID: "ow_m", Name: "ws", Kind: agents.KindWebsocket}, agents.HashKey("akws")); err != nil {
		t.Fatal(err)
	}
	r := runner.New(runner.Config{Node: node, Tick: 10 * time.Millisecond, Sealer: sealer, AgentEgress: egress.Any,
		Judges: map[string]runner.Judge{"rubric": judges.NewRubricJudge()}})
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	if _, err := node.CreateContest(ctx, "c_ratelimited", ar.Name, []string{"ag_model", "ag_ws"}, 7); err != nil {
		t.Fatal(err)
	}
	if err := node.Move(ctx, "c_ratelimited", "ag_ws", nil, json.RawMessage(`{"text":"A log.","final":true}`)); err != nil {
		t.Fatal(err)
	}
	var con *arena.Contest
	c.Eventually(30*time.Second, func() error {
		con, err = node.Contest("c_ratelimited")
		if err != nil {
			return err
		}
		if con.Active() && con.Status != arena.StatusJudging {
			return fmt.Errorf("contest %s, %d requests to the model", con.Status, len(srv.Requests()))
		}
		return nil
	})
	evs, err := node.ContestEvents(con.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Type == arena.EvForfeit {
			t.Fatalf("a seat forfeited: %q", ev.Reason)
		}
	}
	st, err := node.GameState(con)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.(interface{ Answers() []string }).Answers()[0]; got != answer {
		t.Fatalf("the model's seat answered %q, want %q", got, answer)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Fatalf("%d requests to the model, want 2 (the 429 and its retry)", n)
	}
}
