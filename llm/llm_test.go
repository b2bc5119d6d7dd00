package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/llm"
	"github.com/agentarena/arena/llm/llmtest"
	"go.uber.org/goleak"
)

// Every request goroutine must end with its call.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fake starts an llmtest server and a client configured for it.
func fake(t *testing.T, h func(llmtest.Request) llmtest.Reply, edit ...func(*llm.Config)) (*llmtest.Server, *llm.Client) {
	t.Helper()
	srv := llmtest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := llm.Config{BaseURL: srv.BaseURL(), Model: "test-model", APIKey: llmtest.APIKey}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := llm.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func ptr[T any](v T) *T { return &v }

var hello = []llm.Message{{Role: llm.RoleSystem, Content: "Answer in JSON."}, {Role: llm.RoleUser, Content: "hi"}}

func TestCompleteSendsTheRequestAndDecodesTheReply(t *testing.T) {
	srv, c := fake(t, func(llmtest.Request) llmtest.Reply {
		return llmtest.Reply{Content: `{"ok":true}`, Model: "test-model-2025-01-01"}
	}, func(cfg *llm.Config) {
		cfg.Temperature, cfg.TopP, cfg.MaxTokens = ptr(0.0), ptr(0.5), 128
		cfg.BaseURL += "/" // a trailing slash is tolerated
	})
	resp, err := c.Complete(context.Background(), hello, llm.JSONObject())
	if err != nil {
		t.Fatal(err)
	}
	if resp.Content != `{"ok":true}` || resp.FinishReason != "stop" || resp.Model != "test-model-2025-01-01" {
		t.Fatalf("response = %+v", resp)
	}
	if resp.Usage.TotalTokens == 0 || resp.Usage.TotalTokens != resp.Usage.PromptTokens+resp.Usage.CompletionTokens {
		t.Fatalf("usage = %+v", resp.Usage)
	}
	if !json.Valid(resp.Raw) || !strings.Contains(string(resp.Raw), `"chat.completion"`) {
		t.Fatalf("raw = %s", resp.Raw)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if !r.Authorized || r.Model != "test-model" || r.Stream || r.ResponseFormat != "json_object" || r.MaxTokens != 128 {
		t.Fatalf("request = %+v", r)
	}
	if r.Temperature == nil || *r.Temperature != 0 || r.TopP == nil || *r.TopP != 0.5 {
		t.Fatalf("temperature 0 and top_p must be sent: %s", r.Body)
	}
	if len(r.Messages) != 2 || r.System() != "Answer in JSON." || r.User() != "hi" {
		t.Fatalf("messages = %+v", r.Messages)
	}
}

func TestCompleteOmitsUnsetSamplingFields(t *testing.T) {
	srv, c := fake(t, func(llmtest.Request) llmtest.Reply { return llmtest.Reply{Content: "x"} })
	if _, err := c.Complete(context.Background(), hello); err != nil {
		t.Fatal(err)
	}
	body := string(srv.Requests()[0].Body)
	for _, f := range []string{"temperature", "top_p", "max_tokens", "response_format", "stream"} {
		if strings.Contains(body, `"`+f+`"`) {
			t.Errorf("body sends %s the caller did not set: %s", f, body)
		}
	}
}

func TestStreamDeliversAReplySplitAcrossManyChunksInOrder(t *testing.T) {
	want := strings.Repeat("Raft elects a leader per term — ünïcödé 🚀. ", 8)
	srv, c := fake(t, func(llmtest.Request) llmtest.Reply {
		return llmtest.Reply{Content: want, ChunkRunes: 3}
	})
	var deltas []string
	resp, err := c.Stream(context.Background(), hello, func(d string) error {
		deltas = append(deltas, d)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(llmtest.Split(want, 3)); len(deltas) != n || n < 100 {
		t.Fatalf("%d deltas, want %d", len(deltas), n)
	}
	if strings.Join(deltas, "") != want || resp.Content != want {
		t.Fatalf("content = %q", resp.Content)
	}
	if resp.FinishReason != "stop" || resp.Usage.CompletionTokens == 0 || resp.Model != "test-model" {
		t.Fatalf("response = %+v", resp)
	}
	if !strings.Contains(string(resp.Raw), `"chat.completion.chunk"`) || !strings.HasSuffix(string(resp.Raw), "data: [DONE]\n\n") {
		t.Fatalf("raw stream:\n%s", resp.Raw)
	}
	if r := srv.Requests()[0]; !r.Stream || !r.IncludeUsage {
		t.Fatalf("request = %s", r.Body)
	}
}

func TestStreamStopsWhenTheConsumerFails(t *testing.T) {
	_, c := fake(t, func(llmtest.Request) llmtest.Reply { return llmtest.Reply{Content: "abcdefghijkl", ChunkRunes: 1} })
	stop := errors.New("enough")
	n := 0
	_, err := c.Stream(context.Background(), hello, func(string) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 || llm.IsRetryable(err) {
		t.Fatalf("err = %v after %d deltas", err, n)
	}
}

func TestStreamCutBeforeDoneIsARetryableError(t *testing.T) {
	_, c := fake(t, func(llmtest.Request) llmtest.Reply { return llmtest.Reply{Content: "partial", CutStream: true} })
	resp, err := c.Stream(context.Background(), hello, nil)
	if !errors.Is(err, io.ErrUnexpectedEOF) || !llm.IsRetryable(err) {
		t.Fatalf("err = %v", err)
	}
	if resp.Content != "partial" {
		t.Fatalf("partial content = %q", resp.Content)
	}
}

func TestStreamAcceptsAServerThatIgnoresStreaming(t *testing.T) {
	body := `{"id":"x","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"whole"},"finish_reason":"stop"}]}`
	_, c := fake(t, func(llmtest.Request) llmtest.Reply { return llmtest.Reply{Body: body} })
	var got []string
	resp, err := c.Stream(context.Background(), hello, func(d string) error { got = append(got, d); return nil })
	if err != nil || resp.Content != "whole" || len(got) != 1 {
		t.Fatalf("resp %+v deltas %v err %v", resp, got, err)
	}
}

func TestStreamReportsAnErrorSentInsideTheStream(t *testing.T) {
	body := "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},\"finish_reason\":null}]}\n\n" +
		": keep-alive\n\n" +
		"data: {\"error\":{\"message\":\"model overloaded\",\"type\":\"server_error\",\"code\":null}}\n\n"
	_, c := fake(t, func(llmtest.Request) llmtest.Reply {
		return llmtest.Reply{Body: body, ContentType: "text/event-stream"}
	})
	_, err := c.Stream(context.Background(), hello, nil)
	var ae *llm.APIError
	if !errors.As(err, &ae) || ae.Status != 0 || ae.Message != "model overloaded" || !llm.IsRetryable(err) {
		t.Fatalf("err = %#v", err)
	}
}

func TestAPIErrorsAreTypedAndClassified(t *testing.T) {
	cases := []struct {
		name      string
		reply     llmtest.Reply
		status    int
		typ, code string
		message   string
		retry     time.Duration
		retryable bool
	}{
		{"rate limited with Retry-After", llmtest.Reply{Status: 429, RetryAfter: "2"}, 429, "requests", "rate_limit_exceeded", "Rate limit reached", 2 * time.Second, true},
		{"server error", llmtest.Reply{Status: 500}, 500, "server_error", "", "The server had an error", 0, true},
		{"bad request", llmtest.Reply{Status: 400, ErrorMessage: "bad 'messages'"}, 400, "invalid_request_error", "", "bad 'messages'", 0, false},
		{"proxy HTML page", llmtest.Reply{Status: 502, Body: "<html>Bad Gateway</html>", ContentType: "text/html"}, 502, "", "", "<html>Bad Gateway</html>", 0, true},
		{"old vLLM flat error", llmtest.Reply{Status: 400, Body: `{"object":"error","message":"too long","type":"BadRequestError","param":null,"code":400}`}, 400, "BadRequestError", "400", "too long", 0, false},
		{"bare string error", llmtest.Reply{Status: 404, Body: `{"error":"model \"x\" not found"}`}, 404, "", "", `model "x" not found`, 0, false},
		{"spent quota", llmtest.Reply{Status: 429, ErrorType: "insufficient_quota", ErrorCode: "insufficient_quota", ErrorMessage: "You exceeded your current quota"}, 429, "insufficient_quota", "insufficient_quota", "exceeded your current quota", 0, false},
		{"fractional Retry-After", llmtest.Reply{Status: 503, RetryAfter: "0.25"}, 503, "server_error", "", "", 250 * time.Millisecond, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, c := fake(t, func(llmtest.Request) llmtest.Reply { return tc.reply })
			_, err := c.Complete(context.Background(), hello)
			var ae *llm.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want *llm.APIError", err)
			}
			if ae.Status != tc.status || ae.Type != tc.typ || ae.Code != tc.code || !strings.Contains(ae.Message, tc.message) || ae.RetryAfter != tc.retry {
				t.Fatalf("APIError = %+v", ae)
			}
			if llm.IsRetryable(err) != tc.retryable {
				t.Fatalf("IsRetryable = %v", !tc.retryable)
			}
		})
	}
}

func TestRetryAfterAsAnHTTPDate(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	_, c := fake(t, func(llmtest.Request) llmtest.Reply {
		return llmtest.Reply{Status: 429, RetryAfter: now.Add(90 * time.Second).Format(http.TimeFormat)}
	}, func(cfg *llm.Config) { cfg.Now = func() time.Time { return now } })
	_, err := c.Complete(context.Background(), hello)
	var ae *llm.APIError
	if !errors.As(err, &ae) || ae.RetryAfter != 90*time.Second {
		t.Fatalf("err = %v", err)
	}
}

func TestErrorsNeverContainTheKey(t *testing.T) {
	echo := `{"error":{"message":"Incorrect API key provided: ` + llmtest.APIKey + `. You can find your key at ...","type":"invalid_request_error","code":"invalid_api_key"}}`
	_, c := fake(t, func(llmtest.Request) llmtest.Reply { return llmtest.Reply{Status: 401, Body: echo} })
	_, err := c.Complete(context.Background(), hello)
	if err == nil || strings.Contains(err.Error(), llmtest.APIKey) || !strings.Contains(err.Error(), "[redacted]") {
		t.Fatalf("err = %v", err)
	}
	// A wrong key is the server's 401, not retryable.
	_, c = fake(t, nil, func(cfg *llm.Config) { cfg.APIKey = "sk-wrong-key" })
	_, err = c.Complete(context.Background(), hello)
	var ae *llm.APIError
	if !errors.As(err, &ae) || ae.Status != 401 || ae.Code != "invalid_api_key" || llm.IsRetryable(err) || strings.Contains(err.Error(), "sk-wrong-key") {
		t.Fatalf("err = %v", err)
	}
}

func TestASlowServerTimesOutWithTheContext(t *testing.T) {
	_, c := fake(t, func(llmtest.Request) llmtest.Reply { return llmtest.Reply{Content: "late", Delay: 5 * time.Second} })
	for _, stream := range []bool{false, true} {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		start := time.Now()
		var err error
		if stream {
			_, err = c.Stream(ctx, hello, nil)
		} else {
			_, err = c.Complete(ctx, hello)
		}
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || !llm.IsRetryable(err) || time.Since(start) > 2*time.Second {
			t.Fatalf("stream=%v: err = %v after %v", stream, err, time.Since(start))
		}
	}
}

func TestAStreamStalledMidwayTimesOut(t *testing.T) {
	_, c := fake(t, func(llmtest.Request) llmtest.Reply {
		return llmtest.Reply{Content: "abcdefgh", ChunkRunes: 1, ChunkDelay: time.Second}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	_, err := c.Stream(ctx, hello, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

func TestResponsesOverTheLimitFail(t *testing.T) {
	big := strings.Repeat("x", 8<<10)
	_, c := fake(t, func(llmtest.Request) llmtest.Reply { return llmtest.Reply{Content: big, ChunkRunes: 512} },
		func(cfg *llm.Config) { cfg.MaxResponseBytes = 4 << 10 })
	if _, err := c.Complete(context.Background(), hello); !errors.Is(err, llm.ErrResponseTooLarge) || llm.IsRetryable(err) {
		t.Fatalf("complete: err = %v", err)
	}
	if _, err := c.Stream(context.Background(), hello, nil); !errors.Is(err, llm.ErrResponseTooLarge) {
		t.Fatalf("stream: err = %v", err)
	}
}

func TestNewRejectsABadConfig(t *testing.T) {
	for _, cfg := range []llm.Config{
		{BaseURL: "", Model: "m"},
		{BaseURL: "localhost:8000/v1", Model: "m"},
		{BaseURL: "ftp://x/v1", Model: "m"},
		{BaseURL: "http://x/v1", Model: " "},
		{BaseURL: "http://x/v1", Model: "m", APIKey: "sk-secret\nInjected: 1"},
	} {
		_, err := llm.New(cfg)
		if err == nil {
			t.Errorf("New(%+v) succeeded", cfg)
		} else if strings.Contains(err.Error(), "sk-secret") {
			t.Errorf("error leaks the key: %v", err)
		}
	}
}

func TestIsRetryable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{context.Canceled, false},
		{context.DeadlineExceeded, true},
		{&llm.APIError{Status: 408}, true},
		{&llm.APIError{Status: 403}, false},
		{&llm.APIError{Status: 0, Type: "invalid_request_error"}, false},
		{errors.New("some parse error"), false},
	} {
		if got := llm.IsRetryable(tc.err); got != tc.want {
			t.Errorf("IsRetryable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// TestCallErrorsHideTheEndpointsPathAndQuery: a model agent's base URL is
// its owner's and the operator's to read, and an owner may keep a token
// in its path or query; a failed call's error, which the arena logs,
// names only its host.
func TestCallErrorsHideTheEndpointsPathAndQuery(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	c, err := llm.New(llm.Config{BaseURL: base + "/SECRETPATH/v1?key=SECRETQUERY", Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Complete(context.Background(), []llm.Message{{Role: llm.RoleUser, Content: "hi"}})
	if err == nil {
		t.Fatal("a call to a closed server succeeded")
	}
	if msg := err.Error(); strings.Contains(msg, "SECRET") || !strings.Contains(msg, base+"/…") {
		t.Errorf("error %q: want the host and no path or query", msg)
	}
}
