package web_test

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/agentarena/arena/web"
)

// Behind a reverse proxy every client shared the proxy's address, so one
// client spent every other's allowances (a sign-up burst, requests per
// second, websockets), and an operator could only raise the limits for
// all. With --trusted-proxies a request from a listed proxy is charged to
// the client its X-Forwarded-For names, the nearest entry that is not a
// trusted proxy; from anywhere else the header counts for nothing.
func TestRequestsThroughATrustedProxyAreChargedToTheirClient(t *testing.T) {
	c, nodes := plCluster(t, 2, plOptions{web: func(cfg *web.Config) {
		cfg.Limits.SignupsPerHourPerIP, cfg.Limits.SignupBurstPerIP = 0.01, 1
		cfg.Limits.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.8/31")} // two proxies: .8 and .9
		cfg.SecretsKey = func() string { return strings.Repeat("7c", 32) }
	}})
	li := c.Index(c.Leader())
	leader, follower := nodes[li].url, nodes[1-li].url
	signUp := func(from, base, xff string) int {
		t.Helper()
		var hdr map[string]string
		if xff != "" {
			hdr = map[string]string{"X-Forwarded-For": xff}
		}
		return peerDo(t, fromAddr(t, from), http.MethodPost, base+"/v1/owners", `{"name":"someone"}`, hdr)
	}
	for _, tc := range []struct {
		name       string
		from, base string
		xff        string
		want       int
	}{
		{"a client behind the proxy signs up", "127.0.0.8", leader, "203.0.113.1", 201},
		{"the same client again is refused", "127.0.0.8", leader, "203.0.113.1", 429},
		{"another client behind the same proxy is not", "127.0.0.8", leader, "203.0.113.2", 201},
		{"what the client wrote left of its own address does not help", "127.0.0.8", leader, "198.51.100.7, 203.0.113.2", 429},
		{"a chain of trusted proxies names the client before them", "127.0.0.8", leader, "203.0.113.3, 127.0.0.9", 201},
		{"through a follower, the client the follower charged", "127.0.0.9", follower, "203.0.113.3", 429},
		{"an untrusted sender's header counts for nothing", "127.0.0.6", leader, "203.0.113.4", 201},
		{"so it cannot pose as another client", "127.0.0.6", leader, "203.0.113.5", 429},
		{"a header the proxy's chain cannot be read in charges the proxy", "127.0.0.9", leader, "203.0.113.6, not-an-address", 201},
		{"which is then one client", "127.0.0.9", leader, "garbage", 429},
	} {
		if got := signUp(tc.from, tc.base, tc.xff); got != tc.want {
			t.Errorf("%s: from %s with X-Forwarded-For %q: %d, want %d", tc.name, tc.from, tc.xff, got, tc.want)
		}
	}
}
