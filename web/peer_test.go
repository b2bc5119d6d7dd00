package web_test

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/web"
)

// memberSigV2 is the X-Arena-Peer-Auth value a member holding secretsHex
// sends (peer.go), written out from the format rather than with the
// server's code: "v2;<unix ms>;<nonce>;<to>;<body sha256>;<mac>", the MAC
// an HMAC-SHA256 under a key derived from the secrets key over the fields,
// the sender, the client, the method, the request URI and the body length.
func memberSigV2(secretsHex, from, client, to, method, uri string, body []byte) string {
	raw, _ := hex.DecodeString(secretsHex)
	d := hmac.New(sha256.New, raw)
	d.Write([]byte("agent-arena peer requests v2"))
	var n [16]byte
	_, _ = rand.Read(n[:])
	ts, nonce := strconv.FormatInt(time.Now().UnixMilli(), 10), hex.EncodeToString(n[:])
	sum := sha256.Sum256(body)
	bodySum := hex.EncodeToString(sum[:])
	m := hmac.New(sha256.New, d.Sum(nil))
	m.Write([]byte(strings.Join([]string{"v2", ts, nonce, from, client, to, method, uri, strconv.Itoa(len(body)), bodySum}, "\n")))
	return strings.Join([]string{"v2", ts, nonce, to, bodySum, hex.EncodeToString(m.Sum(nil))}, ";")
}

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

// TestPeerSignaturesAcrossAnUpgrade walks the end of a rolling upgrade on
// a two-node cluster: while its command level is below the release that
// signs v2, an older member's v1 signature is believed (a node's own
// request is charged to nobody); once every member reports that release,
// v1 is refused and its requests charged to the sender's address like any
// client's, while v2 requests are believed, each once: a captured v2
// request sent again as is is charged to the address that sent it. Every
// outcome is counted on /metrics.
func TestPeerSignaturesAcrossAnUpgrade(t *testing.T) {
	const burst = 3
	secrets := strings.Repeat("5a", 32)
	var level atomic.Int64
	level.Store(arena.LevelAgentCap - 1)
	var regs []*prometheus.Registry
	c, nodes := plCluster(t, 2, plOptions{
		node: func(_ int, cfg *arena.Config) { cfg.Level = func() int { return int(level.Load()) } },
		web: func(cfg *web.Config) {
			cfg.Limits.RequestsPerSecondPerIP, cfg.Limits.RequestBurstPerIP = 0.001, burst
			cfg.SecretsKey = func() string { return secrets }
			reg := prometheus.NewRegistry()
			regs = append(regs, reg)
			cfg.Registerer, cfg.Gatherer = reg, reg
		},
	})
	li := c.Index(c.Leader())
	leader, leaderID, followerID := nodes[li].url, c.Nodes[li].ID(), c.Nodes[1-li].ID()
	uri := "/v1/arenas"

	v1 := func() map[string]string {
		return map[string]string{"X-Arena-Forwarded-By": followerID, "X-Arena-Client-Addr": "",
			"X-Arena-Peer-Sig": memberSig(secrets, followerID, http.MethodGet, uri)}
	}
	v2 := func() map[string]string {
		return map[string]string{"X-Arena-Forwarded-By": followerID, "X-Arena-Client-Addr": "",
			"X-Arena-Peer-Auth": memberSigV2(secrets, followerID, "", leaderID, http.MethodGet, uri, nil)}
	}
	// gets sends n GETs from ip, each with the headers sign makes, and
	// returns how many were answered 429.
	gets := func(ip string, n int, sign func() map[string]string) int {
		cl := fromAddr(t, ip)
		limited := 0
		for range n {
			switch code := peerDo(t, cl, http.MethodGet, leader+uri, "", sign()); code {
			case http.StatusOK:
			case http.StatusTooManyRequests:
				limited++
			default:
				t.Fatalf("GET %s answered %d", uri, code)
			}
		}
		return limited
	}
	clusterLevel := c.Nodes[li].ClusterLevel

	if got := clusterLevel(); got != arena.LevelAgentCap-1 {
		t.Fatalf("cluster level %d, want %d", got, arena.LevelAgentCap-1)
	}
	if n := gets("127.0.0.2", burst+2, v1); n != 0 {
		t.Fatalf("before the upgrade ends, %d of an older member's own requests were charged to its address", n)
	}

	level.Store(arena.LevelAgentCap)
	c.Eventually(15*time.Second, func() error {
		if got := clusterLevel(); got != arena.LevelAgentCap {
			return fmt.Errorf("cluster level %d", got)
		}
		return nil
	})
	if n := gets("127.0.0.3", burst+2, v1); n != 2 {
		t.Fatalf("after the upgrade, %d of %d v1-signed requests were refused by the address's burst of %d, want 2", n, burst+2, burst)
	}
	if n := gets("127.0.0.4", burst+2, v2); n != 0 {
		t.Fatalf("%d v2-signed own requests were charged to the member's address", n)
	}
	captured := v2()
	if n := gets("127.0.0.5", burst+2, func() map[string]string { return captured }); n != 1 {
		t.Fatalf("one v2 request sent %d times: %d refused, want 1 (the first believed, the rest charged to the address)", burst+2, n)
	}

	mfs, err := regs[li].Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "arena_peer_signatures_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			var form, result string
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "form":
					form = l.GetValue()
				case "result":
					result = l.GetValue()
				}
			}
			got[form+" "+result] = m.GetCounter().GetValue()
		}
	}
	for k, want := range map[string]float64{"v1 accepted": burst + 2, "v1 retired": burst + 2, "v2 replayed": burst + 1, "v2 invalid": 0} {
		if got[k] != want {
			t.Errorf("arena_peer_signatures_total{%s} = %v, want %v (all: %v)", k, got[k], want, got)
		}
	}
	if got["v2 accepted"] < burst+3 {
		t.Errorf("arena_peer_signatures_total{v2 accepted} = %v, want at least %d", got["v2 accepted"], burst+3)
	}
	res, err := http.Get(leader + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	text, _ := io.ReadAll(res.Body)
	if !strings.Contains(string(text), `arena_peer_signatures_total{form="v1",result="retired"} 5`) {
		t.Errorf("/metrics lacks the v1 refusals:\n%s", text)
	}
}
