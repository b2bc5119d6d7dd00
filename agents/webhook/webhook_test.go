package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentarena/arena/agents/protocol"
	"github.com/agentarena/arena/agents/webhook"
	"github.com/agentarena/arena/internal/egress"
)

func turn(deadline time.Time) protocol.Turn {
	return protocol.Turn{Type: protocol.TypeTurn, Contest: "c_1", Seq: 3, Seat: 1, Deadline: deadline,
		DeadlineMS: 5000, View: json.RawMessage(`{"legal":[0,1]}`)}
}

func TestMove(t *testing.T) {
	t.Run("the turn frame is POSTed as JSON and the reply's move returned", func(t *testing.T) {
		tn := turn(time.Now().Add(5 * time.Second))
		var got *http.Request
		var body []byte
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got, body = r, must(io.ReadAll(r.Body))
			io.WriteString(w, `{"move": 4}`)
		}))
		defer srv.Close()
		move, call, err := webhook.New(nil, egress.Any).Move(context.Background(), srv.URL+"/turn", "", tn)
		if err != nil || string(move) != "4" {
			t.Fatalf("move %s, err %v", move, err)
		}
		if call.Status != 200 || call.Delivery != got.Header.Get(webhook.DeliveryHeader) {
			t.Fatalf("call %+v; want status 200 and the delivery id sent (%s)", call, got.Header.Get(webhook.DeliveryHeader))
		}
		want, _ := json.Marshal(tn)
		if got.Method != http.MethodPost || got.URL.Path != "/turn" || string(body) != string(want) {
			t.Fatalf("%s %s with %s, want POST /turn with %s", got.Method, got.URL.Path, body, want)
		}
		if ct, ua := got.Header.Get("Content-Type"), got.Header.Get("User-Agent"); ct != "application/json" || ua != "agent-arena-webhook/1" {
			t.Fatalf("content type %q, user agent %q", ct, ua)
		}
	})

	for _, tc := range []struct {
		name, status, reply, err string
		code                     int
	}{
		{"a status other than 200 is an error naming it", "503", `{"move": 1}`, "webhook answered 503 Service Unavailable", 503},
		{"a reply without a move is an error", "200", `{"mvoe": 1}`, `webhook reply must be {"move": ...}: it has no move`, 200},
		{"a null move is an error", "200", `{"move": null}`, `webhook reply must be {"move": ...}: its move is null: {"move": null}`, 200},
		{"a reply that is not JSON is an error", "200", `move 1`, `webhook reply must be {"move": ...}: invalid character`, 200},
		// JavaScript's JSON.stringify writes half a pair when a string was
		// cut inside an emoji; decoding kept U+FFFD in its place, silently.
		{"a move with half a surrogate pair is an error", "200", `{"move": {"text": "ok \ud83d", "final": true}}`,
			`webhook reply's move holds \ud83d, half of a UTF-16 surrogate pair`, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.status == "503" {
					w.WriteHeader(http.StatusServiceUnavailable)
				}
				io.WriteString(w, tc.reply)
			}))
			defer srv.Close()
			_, call, err := webhook.New(nil, egress.Any).Move(context.Background(), srv.URL, "", turn(time.Now().Add(5*time.Second)))
			if err == nil || !strings.HasPrefix(err.Error(), tc.err) || call.Status != tc.code {
				t.Fatalf("err %v, status %d; want %q, %d", err, call.Status, tc.err, tc.code)
			}
		})
	}

	t.Run("the call ends at the turn's deadline", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// The server notices the caller hanging up only once the body
			// is read.
			io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}))
		defer srv.Close()
		start := time.Now()
		_, call, err := webhook.New(nil, egress.Any).Move(context.Background(), srv.URL, "", turn(time.Now().Add(100*time.Millisecond)))
		if err == nil || time.Since(start) > 5*time.Second || call.Status != 0 {
			t.Fatalf("err %v, status %d after %s; want an error without a status", err, call.Status, time.Since(start))
		}
		// The owner reads this error in the agent's deliveries: it said
		// `Post "http://…": context deadline exceeded`.
		if !strings.HasPrefix(err.Error(), "no answer before the turn's deadline: the call was cut off after ") {
			t.Fatalf("err %q; want it to say the agent did not answer before the turn's deadline", err)
		}
	})
}

// An agent's error reply usually says why (the example agent answers a call
// whose signature does not verify with 401 and {"error": "bad or stale
// X-Arena-Signature"}); the owner reads these errors in the agent's
// deliveries, which showed only "webhook answered 401 Unauthorized". They
// quote the start of the reply, on one line.
func TestErrorsQuoteTheReply(t *testing.T) {
	long := strings.Repeat("x", 300)
	for _, tc := range []struct {
		name  string
		code  int
		reply string
		err   string
	}{
		{"an error status", 401, `{"error": "bad or stale X-Arena-Signature"}` + "\n",
			`webhook answered 401 Unauthorized: {"error": "bad or stale X-Arena-Signature"}`},
		{"an error status without a body", 500, "", "webhook answered 500 Internal Server Error"},
		{"a reply without a move", 200, `{"mvoe": 3}`, `webhook reply must be {"move": ...}: it has no move: {"mvoe": 3}`},
		{"a reply that is not JSON, on one line", 200, "<html>\n<b>oops</b>",
			`webhook reply must be {"move": ...}: invalid character '<' looking for beginning of value: <html> <b>oops</b>`},
		{"a long reply, cut", 502, long, "webhook answered 502 Bad Gateway: " + long[:200] + " …"},
		// The 200th byte is the middle of a letter: the quote ends before it.
		{"a long reply, cut at a character", 502, "x" + strings.Repeat("я", 150), "webhook answered 502 Bad Gateway: x" + strings.Repeat("я", 99) + " …"},
		// It said "unexpected end of JSON input": the arena reads 1 MiB
		// and decoded the cut-off JSON.
		{"a reply over the 1 MiB the arena reads", 200, `{"move": 3, "pad": "` + strings.Repeat("x", 1<<20) + `"}`,
			`webhook reply is over 1048576 bytes, the most the arena reads: answer {"move": ...} without the rest: {"move": 3, "pad": "` + strings.Repeat("x", 200-len(`{"move": 3, "pad": "`)) + " …"},
		// It said "unexpected end of JSON input".
		{"an empty reply", 200, "", `webhook reply must be {"move": ...}: the body is empty`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.code)
				io.WriteString(w, tc.reply)
			}))
			defer srv.Close()
			_, _, err := webhook.New(nil, egress.Any).Move(context.Background(), srv.URL, "", turn(time.Now().Add(5*time.Second)))
			if err == nil || err.Error() != tc.err {
				t.Fatalf("err %q; want %q", err, tc.err)
			}
		})
	}
	t.Run("contest_end", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "database is down", http.StatusServiceUnavailable)
		}))
		defer srv.Close()
		_, err := webhook.New(nil, egress.Any).Notify(context.Background(), srv.URL, "", protocol.ContestEnd{Type: protocol.TypeContestEnd, Contest: "c_1"})
		if want := "webhook answered 503 Service Unavailable to contest_end: database is down"; err == nil || err.Error() != want {
			t.Fatalf("err %q; want %q", err, want)
		}
	})
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// A webhook URL that redirects (http to https, a moved path) was followed:
// a 301 or 302 turned the POST into a GET without the turn, and the owner
// saw only what that GET got (the example agent answers it 501). The
// arena now follows no redirect and says where it pointed.
func TestRedirectsAreNotFollowed(t *testing.T) {
	var reached atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		io.WriteString(w, `{"move": 1}`)
	}))
	defer target.Close()
	for _, code := range []int{http.StatusFound, http.StatusTemporaryRedirect} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+"/turn", code)
		}))
		_, call, err := webhook.New(&http.Client{Timeout: 5 * time.Second}, egress.Any).Move(context.Background(), srv.URL, "", turn(time.Now().Add(5*time.Second)))
		want := fmt.Sprintf("webhook answered %d %s, a redirect to %q: the arena does not follow redirects", code, http.StatusText(code), target.URL+"/turn")
		if err == nil || !strings.HasPrefix(err.Error(), want) || call.Status != code {
			t.Errorf("%d: err %v, status %d; want %q", code, err, call.Status, want)
		}
		_, err = webhook.New(nil, egress.Any).Notify(context.Background(), srv.URL, "", protocol.ContestEnd{Type: protocol.TypeContestEnd, Contest: "c_1"})
		if err == nil || !strings.Contains(err.Error(), "a redirect to") {
			t.Errorf("%d: contest_end: err %v", code, err)
		}
		srv.Close()
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the redirect's target was called %d times", n)
	}
}

// TestCallErrorsHideTheURLsPathAndQuery: a failed call's error named the
// whole webhook URL, and the runner logs it at the default level
// ("agent produced no move" err="Post \"https://…/hook?token=…\": …"),
// while the API shows that URL to its owner and the operator only.
func TestCallErrorsHideTheURLsPathAndQuery(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing answers there now
	_, _, err := webhook.New(nil, egress.Any).Move(context.Background(), base+"/hook/SECRETPATH?token=SECRETQUERY", "", turn(time.Now().Add(5*time.Second)))
	if err == nil {
		t.Fatal("a call to a closed server succeeded")
	}
	if msg := err.Error(); strings.Contains(msg, "SECRET") || !strings.Contains(msg, base+"/…") {
		t.Errorf("error %q: want the host and no path or query", msg)
	}
}
