package web_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/web"
)

// fromAddr is an HTTP client whose connections leave from a loopback
// address of its own (127.0.0.x), so a node sees distinct clients.
func fromAddr(t *testing.T, ip string) *http.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 15 * time.Second}
}

// peerDo sends req from client, with extra headers, and returns the status.
func peerDo(t *testing.T, cl *http.Client, method, url, body string, hdr map[string]string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 400 {
		t.Logf("%s %s: %d %s", method, url, resp.StatusCode, b)
	}
	return resp.StatusCode
}

// TestPeerRequestsAreChargedToTheirClient: a follower forwards writes and
// asks the leader for read indexes from its own address. The leader must
// charge the client a forwarded write acts for (so one client cannot use
// up the follower's bucket for everyone) and nobody for a read index, and
// must not believe an unsigned or forged claim.
func TestPeerRequestsAreChargedToTheirClient(t *testing.T) {
	const burst = 3
	c, nodes := plCluster(t, 2, plOptions{web: func(cfg *web.Config) {
		cfg.Limits.RequestsPerSecondPerIP, cfg.Limits.RequestBurstPerIP = 0.001, burst
		cfg.SecretsKey = func() string { return strings.Repeat("5a", 32) }
	}})
	li := c.Index(c.Leader())
	leader, follower := nodes[li].url, nodes[1-li].url
	followerID := c.Nodes[1-li].ID()
	signUp := `{"name":"someone"}`

	// signUps makes n anonymous sign-ups from ip at base and returns the
	// statuses.
	signUps := func(ip, base string, n int, hdr map[string]string) []int {
		cl := fromAddr(t, ip)
		var got []int
		for range n {
			got = append(got, peerDo(t, cl, http.MethodPost, base+"/v1/owners", signUp, hdr))
		}
		return got
	}
	want := func(name string, got []int, ok int) {
		t.Helper()
		for i, code := range got {
			switch {
			case i < ok && code != http.StatusCreated:
				t.Errorf("%s: request %d answered %d, want 201 (statuses %v)", name, i+1, code, got)
			case i >= ok && code != http.StatusTooManyRequests:
				t.Errorf("%s: request %d answered %d, want 429 (statuses %v)", name, i+1, code, got)
			}
		}
	}

	t.Run("one client using up its bucket through the follower does not lock out another", func(t *testing.T) {
		want("first client via the follower", signUps("127.0.0.2", follower, burst+1, nil), burst)
		want("second client via the follower", signUps("127.0.0.3", follower, burst, nil), burst)
	})
	t.Run("the leader charged the forwarded client itself", func(t *testing.T) {
		want("first client at the leader", signUps("127.0.0.2", leader, 1, nil), 0)
	})

	forged := func(client string) map[string]string {
		return map[string]string{
			"X-Arena-Forwarded-By": followerID,
			"X-Arena-Client-Addr":  client,
			"X-Arena-Peer-Sig":     strconv.FormatInt(time.Now().Unix(), 10) + "." + strings.Repeat("00", 32),
		}
	}
	for _, tc := range []struct{ name, ip, claim string }{
		{"a forged client address is ignored", "127.0.0.4", "127.0.0.99"},
		{"a forged own-request claim is ignored", "127.0.0.5", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want(tc.name, signUps(tc.ip, leader, burst+1, forged(tc.claim)), burst)
		})
	}
	t.Run("the address a forgery named was not charged", func(t *testing.T) {
		want("named address", signUps("127.0.0.99", leader, burst, nil), burst)
	})

	t.Run("a follower's read indexes are not charged to its address", func(t *testing.T) {
		// Eight clients, each within its own burst, make far more read
		// indexes than one address's burst at the leader.
		for k := range 8 {
			cl := fromAddr(t, fmt.Sprintf("127.0.1.%d", k+1))
			for range 2 {
				if code := peerDo(t, cl, http.MethodGet, follower+"/v1/arenas?consistency=linearizable", "", nil); code != http.StatusOK {
					t.Fatalf("client %d: linearizable read at the follower answered %d", k+1, code)
				}
			}
		}
	})
}
