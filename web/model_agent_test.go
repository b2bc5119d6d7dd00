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
