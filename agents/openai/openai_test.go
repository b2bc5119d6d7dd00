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
	"github.com/agentarena/arena/internal/egress"
	"github.com/agentarena/arena/llm/llmtest"
)

func newAgent(t *testing.T, reply func(llmtest.Request) llmtest.Reply) (*openai.Agent, *llmtest.Server) {
	t.Helper()
	srv := llmtest.NewServer(reply)
	t.Cleanup(srv.Close)
	a, err := openai.New(openai.Config{Endpoint: agents.ModelEndpoint{BaseURL: srv.BaseURL(), Model: "m"}, APIKey: llmtest.APIKey, Egress: egress.Any,
		Backoff: time.Millisecond})
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

// The seat of a failed endpoint forfeits with "model endpoint failed: "
// and Answer's error, and a forfeit reason keeps 64 bytes: the owner read
// "model endpoint failed: model endpoint: llm: server answered 500:", the
// server's message and any wrong key's code cut off. The error says the
// cause first, and fits.
func TestAnswerErrorsFitAForfeitReason(t *testing.T) {
	const prefix = "model endpoint failed: " // arena/runner's
	refused := llmtest.NewServer(nil)
	refusedURL := refused.BaseURL()
	refused.Close()
	for _, tc := range []struct {
		name   string
		reply  llmtest.Reply
		base   string
		egress egress.Policy
		want   string
	}{
		{"an error status with the server's message", llmtest.Reply{Status: 500, ErrorMessage: "down"}, "", egress.Any, "HTTP 500 server_error: down"},
		{"a wrong API key", llmtest.Reply{Status: 401, ErrorType: "invalid_request_error", ErrorCode: "invalid_api_key", ErrorMessage: "Incorrect API key provided: sk-****. You can find your key in your account."},
			"", egress.Any, "HTTP 401 invalid_api_key: Incorrect API k"},
		{"a message cut on a character boundary", llmtest.Reply{Status: 503, ErrorCode: "overloaded", ErrorMessage: "Серверу нужно отдохнуть"},
			"", egress.Any, "HTTP 503 overloaded: Серверу ну"},
		{"no server at the address", llmtest.Reply{}, refusedURL, egress.Any, "connection refused"},
		{"an endpoint on the arena's own machine", llmtest.Reply{}, refusedURL, egress.Public, "not public: loopback 127.0.0.1"},
		{"the cloud metadata address", llmtest.Reply{}, "http://169.254.169.254/v1", egress.Public, "not public: link-local 169.254.169.254"},
		{"a name resolving to loopback", llmtest.Reply{}, "http://localhost:9/v1", egress.Public, "not public: loopback "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, _ := newAgent(t, func(llmtest.Request) llmtest.Reply { return tc.reply })
			if tc.base != "" {
				var err error
				if a, err = openai.New(openai.Config{Endpoint: agents.ModelEndpoint{BaseURL: tc.base, Model: "m"}, Egress: tc.egress, Backoff: time.Millisecond}); err != nil {
					t.Fatal(err)
				}
			}
			var s sends
			err := a.Answer(context.Background(), turnWith(`{"prompt":"p","max_answer_bytes":100}`), s.send)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) || (tc.base == "" && err.Error() != tc.want) {
				t.Fatalf("err %q; want %q", err, tc.want)
			}
			if n := len(prefix + err.Error()); n > 64 {
				t.Fatalf("the forfeit reason %q is %d bytes; the history keeps 64", prefix+err.Error(), n)
			}
		})
	}
}

// An owner could point an openai agent at the arena's own network and
// read the start of whatever answered in the forfeit reason or the log.
// Under egress.Public (the zero value) the call is never made, and the
// error names the field, the address and the flag.
func TestEndpointOnAPrivateAddressIsNotCalled(t *testing.T) {
	srv := llmtest.NewServer(func(llmtest.Request) llmtest.Reply { return llmtest.Reply{Content: "3"} })
	defer srv.Close()
	a, err := openai.New(openai.Config{Endpoint: agents.ModelEndpoint{BaseURL: srv.BaseURL(), Model: "m"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Column(context.Background(), turnWith(`{"board":[[-1]],"you":0,"legal":[0]}`))
	want := "endpoint.base_url host 127.0.0.1 is a loopback address; this arena calls only public addresses (its operator allows others with --agent-egress=any)"
	if err == nil || err.Error() != want {
		t.Fatalf("err %v; want %q", err, want)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("the endpoint got %d requests", n)
	}
}

// A model agent's seat forfeited at the first 429, though the server's
// Retry-After fitted in the turn many times over, where OpenAI's SDKs
// retry twice. It now retries as they do, within the turn: never past
// its deadline, never what waiting will not fix, and never an answer the
// model has begun.
func TestRetriesWithinTheTurn(t *testing.T) {
	const prompt = `{"prompt":"p","max_answer_bytes":100}`
	const board = `{"board":[[-1,0],[1,0]],"you":1,"legal":[0,3]}`
	rateLimited := llmtest.Reply{Status: 429, ErrorType: "requests", ErrorCode: "rate_limit_exceeded",
		ErrorMessage: "Rate limit reached for requests", RetryAfter: "0.05"}
	firstThen := func(first, then llmtest.Reply) func(llmtest.Request) llmtest.Reply {
		return func(r llmtest.Request) llmtest.Reply {
			if r.Seq == 1 {
				return first
			}
			return then
		}
	}
	always := func(r llmtest.Reply) func(llmtest.Request) llmtest.Reply {
		return func(llmtest.Request) llmtest.Reply { return r }
	}
	for _, tc := range []struct {
		name     string
		column   bool
		reply    func(llmtest.Request) llmtest.Reply
		requests int
		want     string // the answer relayed or the column played
		wantErr  string // the error's start, if the seat fails
	}{
		{name: "a 429 whose Retry-After fits in the turn is waited out and the answer streams",
			reply: firstThen(rateLimited, llmtest.Reply{Content: "a fine answer"}), requests: 2, want: "a fine answer"},
		{name: "a 429 on a connect4 turn is waited out and the column played", column: true,
			reply: firstThen(rateLimited, llmtest.Reply{Content: "3"}), requests: 2, want: "3"},
		{name: "a server failing with 503 is tried three times, as the SDKs do",
			reply: always(llmtest.Reply{Status: 503}), requests: 3, wantErr: "HTTP 503"},
		{name: "a Retry-After past the turn's deadline is not waited for",
			reply: always(llmtest.Reply{Status: 429, ErrorCode: "rate_limit_exceeded", RetryAfter: "30"}), requests: 1, wantErr: "HTTP 429 rate_limit_exceeded"},
		{name: "a spent quota is not asked again",
			reply:    always(llmtest.Reply{Status: 429, ErrorType: "insufficient_quota", ErrorCode: "insufficient_quota", RetryAfter: "0.05"}),
			requests: 1, wantErr: "HTTP 429 insufficient_quota"},
		{name: "a refused key is not asked again",
			reply: always(llmtest.Reply{Status: 401, ErrorCode: "invalid_api_key"}), requests: 1, wantErr: "HTTP 401 invalid_api_key"},
		{name: "an answer cut mid-stream is the answer, not asked again",
			reply: always(llmtest.Reply{Content: "partial", CutStream: true}), requests: 1, want: "partial"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, srv := newAgent(t, tc.reply)
			var got string
			var err error
			if tc.column {
				var move json.RawMessage
				move, err = a.Column(context.Background(), turnWith(board))
				got = string(move)
			} else {
				var s sends
				err = a.Answer(context.Background(), turnWith(prompt), s.send)
				got = strings.Join(s.texts, "")
			}
			if n := len(srv.Requests()); n != tc.requests {
				t.Errorf("%d requests, want %d", n, tc.requests)
			}
			switch {
			case tc.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.wantErr)):
				t.Fatalf("err %v, want one starting %q", err, tc.wantErr)
			case tc.wantErr == "" && (err != nil || got != tc.want):
				t.Fatalf("got %q, err %v; want %q", got, err, tc.want)
			}
		})
	}
}
