package llm_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/agentarena/arena/llm"
	"github.com/agentarena/arena/llm/llmtest"
)

// TestALoneSurrogateInAReplyIsRefusedAndNamed: a model server that writes
// half of a UTF-16 surrogate pair as a \u escape (a tokenizer that cut an
// emoji, a JavaScript proxy) would have its reply read with U+FFFD in
// its place and kept, in silence, where the arena refuses such text from
// agents. The reply is refused, naming the escape; a whole pair passes.
func TestALoneSurrogateInAReplyIsRefusedAndNamed(t *testing.T) {
	completion := func(content string) string {
		return `{"id":"x","object":"chat.completion","model":"test-model","choices":[{"index":0,"message":{"role":"assistant","content":"` +
			content + `"},"finish_reason":"stop"}]}`
	}
	chunk := func(content string) string {
		return `{"id":"x","object":"chat.completion.chunk","model":"test-model","choices":[{"index":0,"delta":{"content":"` +
			content + `"},"finish_reason":null}]}`
	}
	done := `{"id":"x","object":"chat.completion.chunk","model":"test-model","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`
	tests := []struct {
		name   string
		stream bool
		reply  llmtest.Reply
		esc    string // "" means accepted, with want as the content
		want   string
	}{
		{"a whole pair in a completion", false, llmtest.Reply{Body: completion(`ok \ud83d\ude00`)}, "", "ok 😀"},
		{"a high half in a completion", false, llmtest.Reply{Body: completion(`ok \ud83d`)}, `\ud83d`, ""},
		{"a low half in a completion", false, llmtest.Reply{Body: completion(`\uDE00 ok`)}, `\uDE00`, ""},
		{"a whole pair in a stream", true, llmtest.Reply{Events: []string{chunk(`ok \ud83d\ude00`), done}}, "", "ok 😀"},
		{"a high half in a stream", true, llmtest.Reply{Events: []string{chunk(`ok`), chunk(`\ud800`), done}}, `\ud800`, ""},
		{"a pair split across two chunks", true, llmtest.Reply{Events: []string{chunk(`\ud83d`), chunk(`\ude00`), done}}, `\ud83d`, ""},
		{"a completion to a stream request", true, llmtest.Reply{Body: completion(`\udfff`)}, `\udfff`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := fake(t, func(llmtest.Request) llmtest.Reply { return tt.reply })
			var resp llm.Response
			var err error
			if tt.stream {
				resp, err = c.Stream(context.Background(), hello, nil)
			} else {
				resp, err = c.Complete(context.Background(), hello)
			}
			if tt.esc == "" {
				if err != nil || resp.Content != tt.want {
					t.Fatalf("content %q err %v, want %q", resp.Content, err, tt.want)
				}
				return
			}
			// The escape comes first: a model agent's forfeit reason
			// keeps only the first 41 bytes of the message.
			if !errors.Is(err, llm.ErrLoneSurrogate) || !strings.HasPrefix(err.Error(), "llm: lone UTF-16 surrogate "+tt.esc+" in the reply") || llm.IsRetryable(err) {
				t.Fatalf("err = %v, want ErrLoneSurrogate naming %s first, not retryable", err, tt.esc)
			}
			if strings.Contains(resp.Content, "\uFFFD") {
				t.Fatalf("content kept U+FFFD: %q", resp.Content)
			}
		})
	}
}

// TestRefusalsAndToolCallsAreReported: a reply with no content may be a
// refusal or tool calls; the response says which, streamed or not.
func TestRefusalsAndToolCallsAreReported(t *testing.T) {
	for _, stream := range []bool{false, true} {
		_, c := fake(t, func(r llmtest.Request) llmtest.Reply {
			if r.User() == "refuse" {
				return llmtest.Reply{Refusal: "I can't help with that."}
			}
			return llmtest.Reply{ToolCalls: []string{`{"ranking":["E1"]}`, `{}`}}
		})
		call := func(user string) (llm.Response, error) {
			msgs := []llm.Message{{Role: llm.RoleUser, Content: user}}
			if stream {
				return c.Stream(context.Background(), msgs, nil)
			}
			return c.Complete(context.Background(), msgs)
		}
		resp, err := call("refuse")
		if err != nil || resp.Content != "" || resp.Refusal != "I can't help with that." {
			t.Fatalf("stream=%v: refusal: %+v err %v", stream, resp, err)
		}
		resp, err = call("tools")
		if err != nil || resp.Content != "" || resp.ToolCalls != 2 || resp.FinishReason != "tool_calls" {
			t.Fatalf("stream=%v: tool calls: %+v err %v", stream, resp, err)
		}
	}
}

// TestABodyThatIsNotACompletionSaysWhatItWas: a 200 that is not JSON is
// most often a web page at the base URL (a chat UI, a login page); the
// error says so and where to look, and otherwise shows how it starts.
func TestABodyThatIsNotACompletionSaysWhatItWas(t *testing.T) {
	tests := []struct {
		name  string
		reply llmtest.Reply
		want  string
	}{
		{"an HTML page", llmtest.Reply{Body: "<!DOCTYPE html><html><title>Open WebUI</title>", ContentType: "text/html; charset=utf-8"},
			"HTML page, not a completion: is the base URL the server's API root, usually ending in /v1?"},
		{"HTML sent as JSON", llmtest.Reply{Body: "<html>Sign in</html>"}, "HTML page"},
		{"cut JSON", llmtest.Reply{Body: `{"id":"x","choices":[{"message":{"content":"{\"rank`},
			`unexpected end of JSON input (51 bytes of application/json, starting "{\"id\":\"x\"`},
		{"plain text", llmtest.Reply{Body: "upstream connect error", ContentType: "text/plain"},
			`22 bytes of text/plain, starting "upstream connect error"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := fake(t, func(llmtest.Request) llmtest.Reply { return tt.reply })
			_, err := c.Complete(context.Background(), hello)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestCheckNamesWhatToFix: the start-up check lists the server's models
// and, when something is wrong, says which setting to fix.
func TestCheckNamesWhatToFix(t *testing.T) {
	srv := llmtest.NewServer(func(llmtest.Request) llmtest.Reply { return llmtest.Reply{} })
	defer srv.Close()
	srv.Models = []string{"llama3.1:latest", "qwen2.5:7b"}
	ln, err := net.Listen("tcp", "127.0.0.1:0") // an address where nothing answers
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/v1"
	ln.Close()
	tests := []struct {
		name             string
		base, model, key string
		err, hint        string // "" means no error
	}{
		{"listed", srv.BaseURL(), "qwen2.5:7b", llmtest.APIKey, "", ""},
		{"Ollama's :latest", srv.BaseURL(), "llama3.1", llmtest.APIKey, "", ""},
		{"not listed", srv.BaseURL(), "gpt-4o", llmtest.APIKey, `does not list the model "gpt-4o": it lists llama3.1:latest, qwen2.5:7b`, "model name"},
		{"a wrong key", srv.BaseURL(), "qwen2.5:7b", "sk-wrong", "server answered 401", "API key"},
		{"no /v1", srv.URL, "qwen2.5:7b", llmtest.APIKey, "server answered 404", "ending in /v1"},
		{"nothing listening", closed, "qwen2.5:7b", llmtest.APIKey, "connection refused", "is the server running"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := llm.New(llm.Config{BaseURL: tt.base, Model: tt.model, APIKey: tt.key})
			if err != nil {
				t.Fatal(err)
			}
			err = c.Check(context.Background())
			if tt.err == "" {
				if err != nil {
					t.Fatalf("Check = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(llm.Hint(err), tt.hint) {
				t.Fatalf("Check = %v (hint %q), want %q with a hint on %q", err, llm.Hint(err), tt.err, tt.hint)
			}
			if strings.Contains(err.Error(), "sk-wrong") {
				t.Fatalf("the error leaks the key: %v", err)
			}
		})
	}
}

// TestHintsForChatCompletionErrors: a wrong model and a wrong base URL
// both answer 404 on the chat endpoint; the hint tells them apart.
func TestHintsForChatCompletionErrors(t *testing.T) {
	tests := []struct {
		name  string
		reply llmtest.Reply
		hint  string
	}{
		{"OpenAI's unknown model", llmtest.Reply{Status: 404, ErrorCode: "model_not_found",
			ErrorMessage: "The model `gpt-5o` does not exist or you do not have access to it."}, "does not serve this model"},
		{"Ollama's unknown model", llmtest.Reply{Status: 404, Body: `{"error":{"message":"model \"llama9\" not found, try pulling it first","type":"api_error","param":null,"code":null}}`}, "does not serve this model"},
		{"no such path", llmtest.Reply{Status: 404, Body: "404 page not found", ContentType: "text/plain"}, "ending in /v1"},
		{"a spent quota", llmtest.Reply{Status: 429, ErrorType: "insufficient_quota", ErrorCode: "insufficient_quota"}, "waiting will not help"},
		{"a prompt too long", llmtest.Reply{Status: 400, ErrorCode: "context_length_exceeded"}, "context window"},
		{"a plain rate limit", llmtest.Reply{Status: 429}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := fake(t, func(llmtest.Request) llmtest.Reply { return tt.reply })
			_, err := c.Complete(context.Background(), hello)
			if h := llm.Hint(err); (tt.hint == "" && h != "") || !strings.Contains(h, tt.hint) {
				t.Fatalf("Hint(%v) = %q, want %q", err, h, tt.hint)
			}
		})
	}
}

// TestNewSuggestsTheSchemeLeftOut: "localhost:11434/v1" is answered with
// the URL it should have been.
func TestNewSuggestsTheSchemeLeftOut(t *testing.T) {
	_, err := llm.New(llm.Config{BaseURL: "localhost:11434/v1", Model: "m"})
	if err == nil || !strings.Contains(err.Error(), "such as http://localhost:11434/v1") {
		t.Fatalf("err = %v", err)
	}
}
