package openai_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/agents/openai"
	"github.com/agentarena/arena/agents/protocol"
	"github.com/agentarena/arena/llm/llmtest"
)

func newAgent(t *testing.T, reply func(llmtest.Request) llmtest.Reply) (*openai.Agent, *llmtest.Server) {
	t.Helper()
	srv := llmtest.NewServer(reply)
	t.Cleanup(srv.Close)
	a, err := openai.New(openai.Config{Endpoint: agents.ModelEndpoint{BaseURL: srv.BaseURL(), Model: "m"}, APIKey: llmtest.APIKey})
	if err != nil {
		t.Fatal(err)
	}
	return a, srv
}

func turnWith(view string) protocol.Turn {
	return protocol.Turn{Type: protocol.TypeTurn, Contest: "c_1", Deadline: time.Now().Add(5 * time.Second), View: json.RawMessage(view)}
}

func TestColumn(t *testing.T) {
	const view = `{"board":[[-1,0],[1,0]],"you":1,"legal":[0,3]}`
	t.Run("the first integer of the reply is played when it is legal", func(t *testing.T) {
		a, srv := newAgent(t, func(llmtest.Request) llmtest.Reply { return llmtest.Reply{Content: "Column 3, surely."} })
		move, err := a.Column(context.Background(), turnWith(view))
		if err != nil || string(move) != "3" {
			t.Fatalf("move %s, err %v", move, err)
		}
		req := srv.Requests()[0]
		wantUser := "You play Connect Four as 1. Board, top row first (. empty):\n. 0 \n1 0 \nLegal columns: [0 3]. Reply with one column number only."
		if !strings.HasPrefix(req.System(), "You are an agent competing in an arena.") || req.User() != wantUser {
			t.Fatalf("system %q, user %q", req.System(), req.User())
		}
	})
	t.Run("an illegal column is an error quoting the reply", func(t *testing.T) {
		a, _ := newAgent(t, func(llmtest.Request) llmtest.Reply { return llmtest.Reply{Content: "7"} })
		if _, err := a.Column(context.Background(), turnWith(view)); err == nil || err.Error() != `model answered "7", not a legal column` {
			t.Fatalf("err %v", err)
		}
	})
}

// sends records what Answer relays.
type sends struct {
	mu    sync.Mutex
	texts []string
	final []bool
}

func (s *sends) send(text string, final bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.texts, s.final = append(s.texts, text), append(s.final, final)
	return nil
}

func TestAnswer(t *testing.T) {
	t.Run("the answer is clipped to the byte budget on a rune boundary and closed with a final chunk", func(t *testing.T) {
		a, _ := newAgent(t, func(llmtest.Request) llmtest.Reply {
			return llmtest.Reply{Chunks: []string{"héllo", " wörld", " and more"}}
		})
		var s sends
		a.Answer(context.Background(), turnWith(`{"prompt":"p","max_answer_bytes":12,"answer":"ab"}`), s.send)
		if got := strings.Join(s.texts, ""); got != "héllo wö" {
			t.Fatalf("relayed %q", got)
		}
		if !s.final[len(s.final)-1] {
			t.Fatalf("last send not final: %v", s.final)
		}
	})
	t.Run("a stream cut short still ends with a final chunk", func(t *testing.T) {
		a, _ := newAgent(t, func(llmtest.Request) llmtest.Reply {
			return llmtest.Reply{Content: "partial", CutStream: true}
		})
		var s sends
		a.Answer(context.Background(), turnWith(`{"prompt":"p","max_answer_bytes":100}`), s.send)
		if got := strings.Join(s.texts, ""); got != "partial" || !s.final[len(s.final)-1] {
			t.Fatalf("relayed %q, final %v", got, s.final)
		}
	})
	t.Run("a view that is not a prompt's sends nothing", func(t *testing.T) {
		a, _ := newAgent(t, func(llmtest.Request) llmtest.Reply { return llmtest.Reply{Content: "x"} })
		var s sends
		if err := a.Answer(context.Background(), turnWith(`[1]`), s.send); err == nil || len(s.texts) != 0 {
			t.Fatalf("sent %q, err %v: want nothing sent and an error", s.texts, err)
		}
	})
	t.Run("an endpoint that fails before the model writes sends nothing and says why", func(t *testing.T) {
		a, _ := newAgent(t, func(llmtest.Request) llmtest.Reply { return llmtest.Reply{Status: 500} })
		var s sends
		err := a.Answer(context.Background(), turnWith(`{"prompt":"p","max_answer_bytes":100}`), s.send)
		if err == nil || len(s.texts) != 0 {
			t.Fatalf("sent %q, err %v: want nothing sent (an empty final would be judged as an answer) and the error", s.texts, err)
		}
	})
}
