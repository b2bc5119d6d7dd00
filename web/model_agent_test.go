package web_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	agentsecrets "github.com/agentarena/arena/agents/secrets"
	"github.com/agentarena/arena/llm/llmtest"
	"github.com/agentarena/arena/web"
)

// TestOpenAIAgentStreamsItsAnswerAsMoves registers an agent by model
// endpoint (a local server speaking the chat-completions protocol) and
// plays a whole prompt contest: the streamed reply arrives as chunk moves.
func TestOpenAIAgentStreamsItsAnswerAsMoves(t *testing.T) {
	const answer = "Raft keeps a replicated log; a leader appends entries and a quorum makes them durable before they apply."
	llmSrv := llmtest.NewServer(func(r llmtest.Request) llmtest.Reply {
		if !r.Stream {
			return llmtest.Reply{Status: 400, ErrorMessage: "this test expects streaming"}
		}
		return llmtest.Reply{Content: answer, ChunkRunes: 3, ChunkDelay: 15 * time.Millisecond}
	})
	defer llmSrv.Close()

	key, _ := agentsecrets.NewKey()
	sealer, _ := agentsecrets.New(key)
	_, nodes := plCluster(t, 1, plOptions{web: func(c *web.Config) { c.Sealer = sealer }, sealer: sealer})
	base := nodes[0].url
	duel := map[string]any{"game": "prompt", "seats": 2, "move_deadline_ms": 20000}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/duel", plOperator, duel, nil); code != 200 {
		t.Fatalf("create arena: %d", code)
	}
	var o struct {
		APIKey string `json:"api_key"`
	}
	plHTTP(t, "POST", base+"/v1/owners", "", map[string]string{"name": "modeller"}, &o)
	var created json.RawMessage
	code := plHTTP(t, "POST", base+"/v1/agents", o.APIKey, map[string]any{"name": "gpt-ish", "kind": "openai",
		"endpoint": map[string]any{"base_url": llmSrv.BaseURL(), "model": "tiny", "temperature": 0.2}, "api_key": llmtest.APIKey}, &created)
	if code != 201 {
		t.Fatalf("create model agent: %d %s", code, created)
	}
	if strings.Contains(string(created), llmtest.APIKey) {
		t.Fatal("the endpoint key came back in the create answer")
	}
	var a struct {
		Agent struct{ ID string } `json:"agent"`
	}
	json.Unmarshal(created, &a)
	var got json.RawMessage
	plHTTP(t, "GET", base+"/v1/agents/"+a.Agent.ID, o.APIKey, nil, &got)
	if strings.Contains(string(got), llmtest.APIKey) {
		t.Fatal("the endpoint key is readable through the API")
	}

	rival := plAgents(t, base, "rival")[0]
	if code := plHTTP(t, "POST", base+"/v1/agents/"+a.Agent.ID+"/queue", o.APIKey, map[string]string{"arena": "duel"}, nil); code != 200 {
		t.Fatalf("queue model agent: %d", code)
	}
	rc := plDial(t, base+"/v1/agents/connect", rival.agentKey)
	rc.send(map[string]string{"type": "queue", "arena": "duel"})
	var start struct {
		Contest string `json:"contest"`
	}
	rc.expect("contest_start", 5*time.Second).decode(t, &start)
	rc.send(map[string]string{"type": "final", "contest": start.Contest, "text": "A log."})
	rc.expect("contest_end", 15*time.Second)

	var con struct {
		Contest struct {
			Seats []struct{ AgentID string } `json:"seats"`
		} `json:"contest"`
		View struct {
			Answers []string `json:"answers"`
		} `json:"view"`
		Events []struct {
			Type string `json:"type"`
			Seat *int   `json:"seat"`
		} `json:"events"`
	}
	plHTTP(t, "GET", base+"/v1/contests/"+start.Contest, "", nil, &con)
	seat := 0
	if con.Contest.Seats[1].AgentID == a.Agent.ID {
		seat = 1
	}
	if con.View.Answers[seat] != answer {
		t.Fatalf("model seat answered %q, want the streamed reply", con.View.Answers[seat])
	}
	moves := 0
	for _, ev := range con.Events {
		if ev.Type == "move" && ev.Seat != nil && *ev.Seat == seat {
			moves++
		}
	}
	if moves < 2 {
		t.Fatalf("the reply arrived in %d move(s); a streamed reply should arrive in several chunks", moves)
	}
	reqs := llmSrv.Requests()
	if len(reqs) != 1 || !reqs[0].Authorized || reqs[0].Model != "tiny" || reqs[0].Temperature == nil || *reqs[0].Temperature != 0.2 {
		t.Fatalf("model requests: %+v", reqs)
	}
}

// A model agent answers verifiable tasks as it answers prompts (both are
// answer games: the view carries the prompt); it was sent a Connect Four
// board with no legal columns and forfeited. And an endpoint that fails
// before writing anything forfeits the seat, saying why, instead of
// entering an empty answer that is judged like a real one: under keep,
// that lost stake after stake with nothing to show the owner.
func TestOpenAIAgentAnswersVerifiableTasksAndForfeitsOnAFailedEndpoint(t *testing.T) {
	llmSrv := llmtest.NewServer(func(r llmtest.Request) llmtest.Reply {
		if r.Model == "down" {
			return llmtest.Reply{Status: 500}
		}
		return llmtest.Reply{Content: "ANSWER: 42"}
	})
	defer llmSrv.Close()
	key, _ := agentsecrets.NewKey()
	sealer, _ := agentsecrets.New(key)
	_, nodes := plCluster(t, 1, plOptions{web: func(c *web.Config) { c.Sealer = sealer }, sealer: sealer})
	base := nodes[0].url
	arena := map[string]any{"game": "verifiable", "seats": 2, "move_deadline_ms": 20000}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/vduel", plOperator, arena, nil); code != 200 {
		t.Fatalf("create arena: %d", code)
	}
	var o struct {
		APIKey string `json:"api_key"`
	}
	plHTTP(t, "POST", base+"/v1/owners", "", map[string]string{"name": "modeller"}, &o)
	rival := plAgents(t, base, "rival")[0]
	rc := plDial(t, base+"/v1/agents/connect", rival.agentKey)

	type event struct {
		Type   string `json:"type"`
		Seat   *int   `json:"seat"`
		Reason string `json:"reason"`
	}
	play := func(model string, keep bool) (seat int, events []event) {
		t.Helper()
		var a struct {
			Agent struct{ ID string } `json:"agent"`
		}
		if code := plHTTP(t, "POST", base+"/v1/agents", o.APIKey, map[string]any{"name": "m-" + model, "kind": "openai",
			"endpoint": map[string]any{"base_url": llmSrv.BaseURL(), "model": model}, "api_key": llmtest.APIKey}, &a); code != 201 {
			t.Fatalf("create model agent: %d", code)
		}
		if code := plHTTP(t, "POST", base+"/v1/agents/"+a.Agent.ID+"/queue", o.APIKey, map[string]any{"arena": "vduel", "keep": keep}, nil); code != 200 {
			t.Fatalf("queue model agent: %d", code)
		}
		rc.send(map[string]string{"type": "queue", "arena": "vduel"})
		var start struct {
			Contest string `json:"contest"`
		}
		rc.expect("contest_start", 10*time.Second).decode(t, &start)
		rc.send(map[string]string{"type": "final", "contest": start.Contest, "text": "ANSWER: 41"})
		rc.expect("contest_end", 20*time.Second)
		var con struct {
			Contest struct {
				Seats []struct{ AgentID string } `json:"seats"`
			} `json:"contest"`
			Events []event `json:"events"`
		}
		plHTTP(t, "GET", base+"/v1/contests/"+start.Contest, "", nil, &con)
		if con.Contest.Seats[1].AgentID == a.Agent.ID {
			seat = 1
		}
		return seat, con.Events
	}

	seat, events := play("solve", false)
	answered := false
	for _, ev := range events {
		if ev.Seat != nil && *ev.Seat == seat {
			answered = answered || ev.Type == "move"
			if ev.Type == "forfeit" {
				t.Fatalf("the model seat forfeited (%s): it should answer the task", ev.Reason)
			}
		}
	}
	if !answered {
		t.Fatalf("the model seat made no move: %+v", events)
	}

	seat, events = play("down", true)
	forfeited := ""
	for _, ev := range events {
		if ev.Seat != nil && *ev.Seat == seat {
			if ev.Type == "move" {
				t.Fatalf("a failed endpoint entered an answer: %+v", events)
			}
			if ev.Type == "forfeit" {
				forfeited = ev.Reason
			}
		}
	}
	if !strings.HasPrefix(forfeited, "model endpoint failed") {
		t.Fatalf("the seat of a failed endpoint: forfeit reason %q, want \"model endpoint failed…\"; events %+v", forfeited, events)
	}
	var ar struct {
		Queued int `json:"queued"`
	}
	plHTTP(t, "GET", base+"/v1/arenas/vduel", "", nil, &ar)
	if ar.Queued != 0 {
		t.Errorf("%d tickets queued after the forfeit, want none: the forfeit must stop the failed agent's keep ticket", ar.Queued)
	}
}

// A webhook agent becomes a model agent with one PATCH naming the new kind
// and its endpoint, as API.md says; the webhook URL goes with the old
// kind (it was refused unless the request also cleared webhook_url).
func TestAWebhookAgentBecomesAModelAgent(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	var o struct {
		APIKey string `json:"api_key"`
	}
	plHTTP(t, "POST", base+"/v1/owners", "", map[string]string{"name": "switcher"}, &o)
	var a struct {
		Agent struct{ ID string } `json:"agent"`
	}
	if code := plHTTP(t, "POST", base+"/v1/agents", o.APIKey, map[string]any{"name": "hook", "kind": "webhook", "webhook_url": "http://127.0.0.1:9/turn"}, &a); code != 201 {
		t.Fatalf("create webhook agent: %d", code)
	}
	var got struct {
		Agent struct {
			Kind       string          `json:"kind"`
			WebhookURL string          `json:"webhook_url"`
			Endpoint   json.RawMessage `json:"endpoint"`
		} `json:"agent"`
	}
	patch := map[string]any{"kind": "openai", "endpoint": map[string]any{"base_url": "http://127.0.0.1:9/v1", "model": "m"}}
	if code := plHTTP(t, "PATCH", base+"/v1/agents/"+a.Agent.ID, o.APIKey, patch, &got); code != 200 {
		t.Fatalf("PATCH to openai: %d", code)
	}
	if got.Agent.Kind != "openai" || got.Agent.WebhookURL != "" || len(got.Agent.Endpoint) == 0 {
		t.Fatalf("agent after the switch: %+v", got.Agent)
	}
}
