package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/web"
)

// TestSignupsAreLimitedPerAddress: POST /v1/owners is anonymous, and each
// sign-up is an owner kept for good in the replicated state with the
// ledger's starting grant (100,000 by default). Only the request rate
// bounded it: one address signed up about 100 owners a second. Sign-ups
// now have an allowance per address of their own, charged where the
// write is applied (the leader) to the client a follower forwarded it for.
func TestSignupsAreLimitedPerAddress(t *testing.T) {
	const burst = 3
	c, nodes := plCluster(t, 2, plOptions{web: func(cfg *web.Config) {
		cfg.Limits.SignupsPerHourPerIP, cfg.Limits.SignupBurstPerIP = 0.01, burst
		cfg.SecretsKey = func() string { return strings.Repeat("7c", 32) }
	}})
	li := c.Index(c.Leader())
	leader, follower := nodes[li].url, nodes[1-li].url
	const signUp = `{"name":"someone"}`
	statuses := func(ip, base, body string, n int, hdr map[string]string) []int {
		cl := fromAddr(t, ip)
		var got []int
		for range n {
			got = append(got, peerDo(t, cl, http.MethodPost, base+"/v1/owners", body, hdr))
		}
		return got
	}
	want := func(t *testing.T, got []int, want ...int) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("statuses %v, want %v", got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("statuses %v, want %v", got, want)
			}
		}
	}
	t.Run("an address signs up its burst, then is refused 429", func(t *testing.T) {
		want(t, statuses("127.0.0.2", leader, signUp, burst+1, nil), 201, 201, 201, 429)
		cl := fromAddr(t, "127.0.0.2")
		req, _ := http.NewRequest(http.MethodPost, leader+"/v1/owners", strings.NewReader(signUp))
		req.Header.Set("Content-Type", "application/json")
		res, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
			t.Errorf("status %d, Retry-After %q: want 429 with a Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
		}
	})
	t.Run("another address is not affected", func(t *testing.T) {
		want(t, statuses("127.0.0.3", leader, signUp, burst, nil), 201, 201, 201)
	})
	t.Run("a body that signs nobody up costs no sign-up", func(t *testing.T) {
		want(t, statuses("127.0.0.4", leader, `{"name":""}`, burst+2, nil), 400, 400, 400, 400, 400)
		want(t, statuses("127.0.0.4", leader, signUp, 1, nil), 201)
	})
	t.Run("sign-ups forwarded by a follower are charged to their client", func(t *testing.T) {
		want(t, statuses("127.0.0.5", follower, signUp, burst+1, nil), 201, 201, 201, 429)
		want(t, statuses("127.0.0.6", follower, signUp, 1, nil), 201)
		want(t, statuses("127.0.0.5", leader, signUp, 1, nil), 429)
	})
	t.Run("the operator is not limited", func(t *testing.T) {
		auth := map[string]string{"Authorization": "Bearer " + arenatest.OperatorToken}
		want(t, statuses("127.0.0.2", leader, signUp, 2, auth), 201, 201)
	})
}
