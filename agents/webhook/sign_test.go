package webhook_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/agents/protocol"
	"github.com/agentarena/arena/agents/webhook"
	"github.com/agentarena/arena/internal/egress"
	"github.com/agentarena/arena/internal/fuzzseed"
)

// A fixed vector, so a verifier written in another language (docs, the
// Python example) can check itself against this implementation.
const (
	vecSecret = "whsec_MfKQ9r8GKYqrTz8g2BnE0zW9kKUAg1Ns3Zs1gKfV0uQ"
	vecBody   = `{"type":"turn","contest":"c_1","seq":0}`
	vecT      = 1733240000
	// vecHeader was computed with Python's hmac module, independently.
	vecHeader = "t=1733240000,v1=3662377c83ad06db0064ff569e1dd0e29d04cd63b16e6438ceac5d3cb4f82596"
)

func TestSignAndVerify(t *testing.T) {
	at := time.Unix(vecT, 0)
	header := webhook.Sign(vecSecret, at, []byte(vecBody))
	if header != vecHeader {
		t.Fatalf("Sign = %q, want the fixed vector %q", header, vecHeader)
	}
	other := webhook.Sign("whsec_other", at, []byte(vecBody))
	tests := []struct {
		name   string
		secret string
		header string
		body   string
		now    time.Time
		want   error
	}{
		{"the signed call verifies", vecSecret, header, vecBody, at, nil},
		{"within the tolerance, either way", vecSecret, header, vecBody, at.Add(4 * time.Minute), nil},
		{"a clock behind the sender's", vecSecret, header, vecBody, at.Add(-4 * time.Minute), nil},
		{"spaces after commas are accepted", vecSecret, strings.Replace(header, ",", ", ", 1), vecBody, at, nil},
		{"one matching v1 among several (a rotation)", vecSecret, other + "," + header[strings.Index(header, "v1="):], vecBody, at, nil},
		{"an unknown scheme beside v1 is skipped", vecSecret, header + ",v0=abc", vecBody, at, nil},
		{"a changed body", vecSecret, header, strings.Replace(vecBody, "seq\":0", "seq\":1", 1), at, webhook.ErrMismatch},
		{"another secret", "whsec_wrong", header, vecBody, at, webhook.ErrMismatch},
		{"a replay after the tolerance", vecSecret, header, vecBody, at.Add(webhook.DefaultTolerance + time.Second), webhook.ErrStale},
		{"a timestamp from the future", vecSecret, header, vecBody, at.Add(-webhook.DefaultTolerance - time.Second), webhook.ErrStale},
		{"a moved timestamp breaks the signature", vecSecret, strings.Replace(header, "t=1733240000", "t=1733240100", 1), vecBody, at, webhook.ErrMismatch},
		{"no header", vecSecret, "", vecBody, at, webhook.ErrNoSignature},
		{"no timestamp", vecSecret, header[strings.Index(header, "v1="):], vecBody, at, webhook.ErrBadSignature},
		{"no v1", vecSecret, "t=1733240000", vecBody, at, webhook.ErrBadSignature},
		{"a short v1", vecSecret, "t=1733240000,v1=abcd", vecBody, at, webhook.ErrBadSignature},
		{"two timestamps", vecSecret, "t=1," + header, vecBody, at, webhook.ErrBadSignature},
		{"a part without =", vecSecret, header + ",junk", vecBody, at, webhook.ErrBadSignature},
		{"a negative timestamp", vecSecret, "t=-5,v1=" + strings.Repeat("0", 64), vecBody, at, webhook.ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := webhook.Verify(tt.secret, tt.header, []byte(tt.body), tt.now, webhook.DefaultTolerance)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestNewSecret(t *testing.T) {
	a, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := webhook.NewSecret()
	if !strings.HasPrefix(a, webhook.SecretPrefix) || len(a) != len(webhook.SecretPrefix)+43 || a == b {
		t.Fatalf("secrets %q, %q", a, b)
	}
}

// The client signs every call it makes: a turn and a contest_end.
func TestCallsAreSigned(t *testing.T) {
	secret, _ := webhook.NewSecret()
	type call struct {
		event, delivery string
		err             error
	}
	calls := make(chan call, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		err := webhook.Verify(secret, r.Header.Get(webhook.SignatureHeader), body, time.Now(), webhook.DefaultTolerance)
		calls <- call{r.Header.Get(webhook.EventHeader), r.Header.Get(webhook.DeliveryHeader), err}
		io.WriteString(w, `{"move": 2}`)
	}))
	defer srv.Close()
	c := webhook.New(nil, egress.Any)
	if _, _, err := c.Move(context.Background(), srv.URL, secret, turn(time.Now().Add(5*time.Second))); err != nil {
		t.Fatal(err)
	}
	end := protocol.ContestEnd{Type: protocol.TypeContestEnd, Contest: "c_1", Status: "settled", Ranks: []int{0, 1}, Payout: 200}
	if _, err := c.Notify(context.Background(), srv.URL, secret, end); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, event := range []string{"turn", "contest_end"} {
		got := <-calls
		if got.event != event || got.err != nil || !strings.HasPrefix(got.delivery, "wd_") || seen[got.delivery] {
			t.Fatalf("call %+v, want a verified %s with a fresh delivery id", got, event)
		}
		seen[got.delivery] = true
	}
}

func TestNotifyRefusesANon2xxAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer srv.Close()
	call, err := webhook.New(nil, egress.Any).Notify(context.Background(), srv.URL, "whsec_x", protocol.ContestEnd{Type: protocol.TypeContestEnd})
	if err == nil || !strings.Contains(err.Error(), "401") || call.Status != 401 {
		t.Fatalf("err = %v, want the 401 named", err)
	}
}

// FuzzVerify: any header, body and secret is answered with nil or one of
// the named errors, never a panic, and only a header Sign made verifies.
func FuzzVerify(f *testing.F) {
	for _, s := range []string{
		webhook.Sign(vecSecret, time.Unix(vecT, 0), []byte(vecBody)), "", "t=", "v1=", "t=1733240000",
		"t=1733240000,v1=" + strings.Repeat("a", 64), "t=1733240000,v1=" + strings.Repeat("a", 64) + ",v1=zz",
		"t=99999999999999999999,v1=" + strings.Repeat("0", 64), "t=-1,v1=00", ",,,", "t=1733240000 ,v1 = x",
		"t=1733240000,v0=" + strings.Repeat("f", 64), "T=1733240000,V1=" + strings.Repeat("F", 64),
	} {
		fuzzseed.Add(f, s, vecBody)
	}
	f.Fuzz(func(t *testing.T, header, body string) {
		err := webhook.Verify(vecSecret, header, []byte(body), time.Unix(vecT, 0), webhook.DefaultTolerance)
		for _, known := range []error{nil, webhook.ErrNoSignature, webhook.ErrBadSignature, webhook.ErrStale, webhook.ErrMismatch} {
			if errors.Is(err, known) {
				if err == nil && header != webhook.Sign(vecSecret, time.Unix(vecT, 0), []byte(body)) &&
					!strings.Contains(header, webhook.Sign(vecSecret, time.Unix(vecT, 0), []byte(body))[len("t=1733240000,"):]) {
					t.Fatalf("%q verified a header Sign did not make", header)
				}
				return
			}
		}
		t.Fatalf("Verify(%q) = %v, not one of the named errors", header, err)
	})
}
