package aijudge

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/llm"
	"github.com/agentarena/arena/llm/llmtest"
)

// The tests here play servers that misbehave the way real ones do, and
// check what an operator reads in the judge's error and what the judge
// sends next.

// withSurrogate writes a real verdict for the request and puts a lone
// surrogate escape in its rationale, as the raw body of a completion (a
// Go string cannot carry one through encoding/json).
func withSurrogate(t *testing.T, req llmtest.Request, stream bool) llmtest.Reply {
	rep := scoringModel(t, opinion)(req)
	content := strings.ReplaceAll(strings.ReplaceAll(rep.Content, `\`, `\\`), `"`, `\"`)
	content = strings.Replace(content, "read first", `read \ud83d first`, 1)
	if stream {
		return llmtest.Reply{Events: []string{
			`{"id":"x","object":"chat.completion.chunk","model":"judge-model","choices":[{"index":0,"delta":{"content":"` + content + `"},"finish_reason":null}]}`,
			`{"id":"x","object":"chat.completion.chunk","model":"judge-model","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`}}
	}
	return llmtest.Reply{Body: `{"id":"x","object":"chat.completion","model":"judge-model","choices":[{"index":0,"message":{"role":"assistant","content":"` +
		content + `"},"finish_reason":"stop"}]}`}
}

// TestAIJudgeRefusesAReplyHoldingALoneSurrogate: such a reply used to be
// kept with U+FFFD in place of the escape, in the verdict's rationale and
// its verbatim audit trail alike. It is now an unusable reply, asked
// again at once; a server that keeps sending one fails the judging,
// naming the escape.
func TestAIJudgeRefusesAReplyHoldingALoneSurrogate(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run("asked again", func(t *testing.T) {
			srv, j := newAI(t, func(r llmtest.Request) llmtest.Reply {
				if r.Seq == 1 {
					return withSurrogate(t, r, stream)
				}
				return scoringModel(t, opinion)(r)
			}, func(c *Config) { c.Stream = stream; c.Backoff = time.Hour })
			v, err := j.Rank(context.Background(), task3, entries3)
			if err != nil || !slices.Equal(v.Ranks, []int{2, 0, 1}) || len(srv.Requests()) != 2 {
				t.Fatalf("stream=%v: verdict %+v err %v after %d requests", stream, v, err, len(srv.Requests()))
			}
			if strings.Contains(v.Rationale, "\uFFFD") || slices.ContainsFunc(v.Raw, func(s string) bool { return strings.Contains(s, "\uFFFD") }) {
				t.Fatalf("stream=%v: U+FFFD kept: %q %q", stream, v.Rationale, v.Raw)
			}
		})
		t.Run("named when it never stops", func(t *testing.T) {
			srv, j := newAI(t, func(r llmtest.Request) llmtest.Reply { return withSurrogate(t, r, stream) },
				func(c *Config) { c.Stream = stream })
			_, err := j.Rank(context.Background(), task3, entries3)
			if !errors.Is(err, llm.ErrLoneSurrogate) || !strings.Contains(err.Error(), `\ud83d`) || len(srv.Requests()) != 3 {
				t.Fatalf("stream=%v: err %v after %d requests", stream, err, len(srv.Requests()))
			}
		})
	}
}

// TestAIJudgeSaysWhyAReplyWithoutAVerdictHadNone: a reply cut at the
// server's token limit, a refusal and tool calls all failed as "empty
// reply" or a JSON error, which sent an operator looking in the wrong
// place; the error now says what the reply was, and a cut reply is asked
// again for a shorter rationale.
func TestAIJudgeSaysWhyAReplyWithoutAVerdictHadNone(t *testing.T) {
	tests := []struct {
		name  string
		reply func(llmtest.Request) llmtest.Reply
		want  string
		retry string // in the second request's last message
	}{
		{"cut at the token limit", func(r llmtest.Request) llmtest.Reply {
			rep := scoringModel(t, opinion)(r)
			return llmtest.Reply{Content: rep.Content[:len(rep.Content)/2], FinishReason: "length"}
		}, `cut at the server's token limit: finish_reason "length"`, "Keep the rationale to a few sentences"},
		{"a refusal", func(llmtest.Request) llmtest.Reply { return llmtest.Reply{Refusal: "I can't rank these."} },
			`empty reply (the model refused: "I can't rank these.")`, "not a valid verdict"},
		{"tool calls", func(llmtest.Request) llmtest.Reply { return llmtest.Reply{ToolCalls: []string{`{"ranking":["E1"]}`}} },
			"holds 1 tool call(s) and no text", "not a valid verdict"},
	}
	for _, tt := range tests {
		for _, stream := range []bool{false, true} {
			t.Run(tt.name, func(t *testing.T) {
				srv, j := newAI(t, tt.reply, func(c *Config) { c.Stream = stream })
				_, err := j.Rank(context.Background(), task3, entries3)
				if !errors.Is(err, ErrInvalidVerdict) || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("stream=%v: err = %v, want %q", stream, err, tt.want)
				}
				reqs := srv.Requests()
				if len(reqs) != 3 {
					t.Fatalf("stream=%v: %d requests, want 3", stream, len(reqs))
				}
				if last := reqs[1].Messages[len(reqs[1].Messages)-1]; !strings.Contains(last.Content, tt.retry) {
					t.Fatalf("stream=%v: the retry says %q, want %q", stream, last.Content, tt.retry)
				}
			})
		}
	}
}

// TestAIJudgeHonoursRetryAfterAcrossCalls: the runner retries a failed
// judging on its own schedule (from 1 s), and every judging contest calls
// the judge on its own, so a server's Retry-After of 30 s was answered by
// more requests within seconds. The judge now holds every call until the
// time the server named, and one that would have to wait past its own
// deadline fails at once without a request, saying why.
func TestAIJudgeHonoursRetryAfterAcrossCalls(t *testing.T) {
	srv, j := newAI(t, func(r llmtest.Request) llmtest.Reply {
		if r.Seq == 1 {
			return llmtest.Reply{Status: 429, RetryAfter: "30"}
		}
		return scoringModel(t, opinion)(r)
	})
	for call := 1; call <= 3; call++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := j.Rank(ctx, task3, entries3)
		cancel()
		want := "would pass the deadline"
		if call > 1 {
			want = "(Retry-After), past this judging's deadline; not calling it"
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("call %d: err = %v, want %q", call, err, want)
		}
	}
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("%d requests within the server's Retry-After, want 1", n)
	}
	// A Retry-After the deadline allows is waited out, then the call is
	// made.
	j.gateMu.Lock()
	j.notBefore = time.Now().Add(50 * time.Millisecond)
	j.gateMu.Unlock()
	v, err := j.Rank(context.Background(), task3, entries3)
	if err != nil || !slices.Equal(v.Ranks, []int{2, 0, 1}) || len(srv.Requests()) != 2 {
		t.Fatalf("verdict %+v err %v after %d requests", v, err, len(srv.Requests()))
	}
}

// TestAIJudgeErrorsSayWhatToFix: a failed judging is logged with the
// judge's error; it names the setting to check, and a deadline that
// passed names how long the judging had.
func TestAIJudgeErrorsSayWhatToFix(t *testing.T) {
	tests := []struct {
		name    string
		reply   llmtest.Reply
		timeout time.Duration
		want    string
	}{
		{"a wrong key", llmtest.Reply{Status: 401, ErrorCode: "invalid_api_key"}, 0, "the server refused the API key"},
		{"an unknown model", llmtest.Reply{Status: 404, ErrorCode: "model_not_found", ErrorMessage: "The model `judge-model` does not exist"}, 0,
			"the server does not serve this model: check the model name"},
		{"a slow server", llmtest.Reply{Delay: time.Minute}, 2 * time.Second, "a judging may take"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, j := newAI(t, func(llmtest.Request) llmtest.Reply { return tt.reply })
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			_, err := j.Rank(ctx, task3, entries3)
			if err == nil || !strings.Contains(err.Error(), tt.want) || len(srv.Requests()) != 1 {
				t.Fatalf("err = %v after %d requests, want %q", err, len(srv.Requests()), tt.want)
			}
		})
	}
}
