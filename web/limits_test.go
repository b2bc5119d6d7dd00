package web_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/web"
)

// want429 asserts a limit refusal: 429, code rate_limited, a message, and
// a Retry-After of at least one second.
func want429(t *testing.T, r resp, msg ...string) {
	t.Helper()
	r.wantError(t, http.StatusTooManyRequests, "rate_limited", msg...)
	if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("Retry-After %q, want whole seconds >= 1", r.header.Get("Retry-After"))
	}
}

func TestRequestRateLimits(t *testing.T) {
	ln := limCluster(t, limOptions{web: func(c *web.Config) {
		c.Limits.RequestsPerSecondPerIP, c.Limits.RequestBurstPerIP = 0.01, 5
		c.Limits.RequestsPerSecondPerKey, c.Limits.RequestBurstPerKey = 0.01, 5
	}})
	// Keys made directly on the node, so making them costs no requests.
	ids := newIdentities(t, ln.node, 0)
	keyA := ids.keys[ownerA]

	t.Run("anonymous requests are limited per address", func(t *testing.T) {
		for i := range 5 {
			limDo(t, "GET", ln.url+"/v1/arenas", "", "", nil).want(t, 200)
			_ = i
		}
		want429(t, limDo(t, "GET", ln.url+"/v1/arenas", "", "", nil), "too many requests from your address", "--rps-per-ip")
		want429(t, limDo(t, "GET", ln.url+"/", "", "", nil), "too many requests")
	})
	t.Run("probes and metrics are never limited", func(t *testing.T) {
		for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
			limDo(t, "GET", ln.url+p, "", "", nil).want(t, 200)
		}
	})
	t.Run("a wrong key is charged to the address, so guessing keys is limited too", func(t *testing.T) {
		want429(t, limDo(t, "GET", ln.url+"/v1/owners/me", "aro_notakeyatall", "", nil), "from your address")
		want429(t, limDo(t, "GET", ln.url+"/v1/owners/me", "", "", map[string]string{"Authorization": "Basic eA=="}), "from your address")
		want429(t, limDo(t, "GET", ln.url+"/v1/no-such-route", ids.keys[ownerA], "", nil), "from your address")
	})
	t.Run("a valid key has its own bucket", func(t *testing.T) {
		for range 5 {
			limDo(t, "GET", ln.url+"/v1/owners/me", keyA, "", nil).want(t, 200)
		}
		want429(t, limDo(t, "GET", ln.url+"/v1/owners/me", keyA, "", nil), "too many requests with this key", "--rps-per-key")
		limDo(t, "GET", ln.url+"/v1/owners/me", ids.keys[ownerB], "", nil).want(t, 200)
	})
	t.Run("a linearizable read is charged once, before it asks for a read index", func(t *testing.T) {
		key := ids.keys[agentKey]
		for range 5 {
			limDo(t, "GET", ln.url+"/v1/arenas?consistency=linearizable", key, "", nil).want(t, 200)
		}
		want429(t, limDo(t, "GET", ln.url+"/v1/arenas?consistency=linearizable", key, "", nil), "too many requests with this key")
		want429(t, limDo(t, "GET", ln.url+"/v1/arenas?consistency=linearizable", "aro_notakeyatall", "", nil), "from your address")
	})
	t.Run("the operator is not limited", func(t *testing.T) {
		for range 20 {
			limDo(t, "GET", ln.url+"/v1/ledger/audit", arenatest.OperatorToken, "", nil).want(t, 200)
		}
	})
	t.Run("refusals are counted by limit", func(t *testing.T) {
		if n := ln.limitHits(t, "requests_per_ip"); n < 4 {
			t.Errorf("requests_per_ip hits %v, want >= 4", n)
		}
		if n := ln.limitHits(t, "requests_per_key"); n != 2 {
			t.Errorf("requests_per_key hits %v, want 2", n)
		}
	})
}

func TestBodySizeLimitIsCounted(t *testing.T) {
	ln := limCluster(t, limOptions{web: func(c *web.Config) { c.MaxBodyBytes = 1024 }})
	limDo(t, "POST", ln.url+"/v1/owners", "", `{"name":"`+strings.Repeat("x", 2048)+`"}`, nil).
		wantError(t, http.StatusRequestEntityTooLarge, "too_large", "1024 bytes")
	if n := ln.limitHits(t, "body_bytes"); n != 1 {
		t.Errorf("body_bytes hits %v, want 1", n)
	}
}

// wsDial opens a websocket, returning the handshake's status on failure.
func wsDial(url, key string, header http.Header) (*websocket.Conn, int, []byte, error) {
	if header == nil {
		header = http.Header{}
	}
	if key != "" {
		header.Set("Authorization", "Bearer "+key)
	}
	conn, res, err := websocket.DefaultDialer.Dial(strings.Replace(url, "http://", "ws://", 1), header)
	if err != nil {
		status := 0
		var body []byte
		if res != nil {
			status = res.StatusCode
			body = make([]byte, 4096)
			n, _ := res.Body.Read(body)
			body = body[:n]
		}
		return nil, status, body, err
	}
	return conn, http.StatusSwitchingProtocols, nil, nil
}

// closeOf reads until the connection ends and returns its close frame.
func closeOf(t *testing.T, conn *websocket.Conn) *websocket.CloseError {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		if _, _, err := conn.ReadMessage(); err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				return ce
			}
			t.Fatalf("connection ended without a close frame: %v", err)
		}
	}
}

func TestAgentFrameLimits(t *testing.T) {
	ln := limCluster(t, limOptions{web: func(c *web.Config) {
		c.Limits.FrameBytes = 1024
		c.Limits.FramesPerSecond, c.Limits.FrameBurst = 0.01, 5
	}})
	ids := newIdentities(t, ln.node, 0)

	t.Run("a frame over the size limit closes with 1009", func(t *testing.T) {
		conn, status, body, err := wsDial(ln.url+"/v1/agents/connect", ids.keys[agentKey], nil)
		if err != nil {
			t.Fatalf("dial: %v (%d %s)", err, status, body)
		}
		defer conn.Close()
		big := fmt.Sprintf(`{"type":"ping","pad":%q}`, strings.Repeat("x", 2048))
		if err := conn.WriteMessage(websocket.TextMessage, []byte(big)); err != nil {
			t.Fatal(err)
		}
		if ce := closeOf(t, conn); ce.Code != websocket.CloseMessageTooBig {
			t.Fatalf("close %d %q, want 1009", ce.Code, ce.Text)
		}
		eventually(t, 5*time.Second, func() error { // counted as the server's read returns
			if n := ln.limitHits(t, "frame_bytes"); n != 1 {
				return fmt.Errorf("frame_bytes hits %v, want 1", n)
			}
			return nil
		})
	})
	t.Run("frames past the rate close with 1008 and say why", func(t *testing.T) {
		conn, status, body, err := wsDial(ln.url+"/v1/agents/connect", ids.keys[agentKey], nil)
		if err != nil {
			t.Fatalf("dial: %v (%d %s)", err, status, body)
		}
		defer conn.Close()
		for range 6 {
			if err := conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping"}`)); err != nil {
				break // the server may already have closed
			}
		}
		ce := closeOf(t, conn)
		if ce.Code != websocket.ClosePolicyViolation || !strings.Contains(ce.Text, "rate_limited") {
			t.Fatalf("close %d %q, want 1008 rate_limited", ce.Code, ce.Text)
		}
		if n := ln.limitHits(t, "frames_per_second"); n != 1 { // counted before the close is sent
			t.Errorf("frames_per_second hits %v, want 1", n)
		}
	})
}

// An agent far past the frame rate, at the default limits, still learns
// why it was closed. The server closed the socket over the burst's frames
// still unread in the kernel, which resets the connection: the agent saw
// "connection reset" or 1006 in 4 of 5 tries instead of the 1008 frame.
func TestAFrameBurstGetsItsCloseFrame(t *testing.T) {
	ln := limCluster(t, limOptions{})
	ids := newIdentities(t, ln.node, 0)
	for try := range 3 {
		conn, status, body, err := wsDial(ln.url+"/v1/agents/connect", ids.keys[agentKey], nil)
		if err != nil {
			t.Fatalf("dial: %v (%d %s)", err, status, body)
		}
		for range 260 { // past the default burst of 200, without reading
			if err := conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping"}`)); err != nil {
				break
			}
		}
		var end error
		for end == nil {
			_, _, end = conn.ReadMessage()
		}
		conn.Close()
		var ce *websocket.CloseError
		if !errors.As(end, &ce) || ce.Code != websocket.ClosePolicyViolation || !strings.Contains(ce.Text, "rate_limited") {
			t.Fatalf("try %d: the connection ended with %v, want the 1008 rate_limited close", try, end)
		}
	}
}

func TestWebsocketConnectionLimits(t *testing.T) {
	ln := limCluster(t, limOptions{web: func(c *web.Config) {
		c.Limits.WSConnsPerIP = 3
		c.Limits.WSConnsPerKey = 1
	}})
	ids := newIdentities(t, ln.node, 0)
	live := ln.url + "/v1/arenas/connect4/live"

	t.Run("one key holds at most its websockets", func(t *testing.T) {
		first, _, _, err := wsDial(live, ids.keys[ownerA], nil)
		if err != nil {
			t.Fatal(err)
		}
		_, status, body, _ := wsDial(live, ids.keys[ownerA], nil)
		if status != http.StatusTooManyRequests || !strings.Contains(string(body), "rate_limited") || !strings.Contains(string(body), "--ws-conns-per-key") {
			t.Fatalf("second websocket of a key: %d %s, want 429 rate_limited naming the operator's flag", status, body)
		}
		first.Close()
		eventually(t, 5*time.Second, func() error {
			c, status, _, err := wsDial(live, ids.keys[ownerA], nil)
			if err != nil {
				return fmt.Errorf("after closing the first: %d %v", status, err)
			}
			c.Close()
			return nil
		})
	})
	t.Run("one address holds at most its websockets", func(t *testing.T) {
		var open []*websocket.Conn
		defer func() {
			for _, c := range open {
				c.Close()
			}
		}()
		// The slot of the last connection of the subtest above may still
		// be held for an instant; fill up to the limit either way.
		for len(open) < 3 {
			c, status, _, err := wsDial(live, "", nil)
			if err != nil {
				if status == http.StatusTooManyRequests && len(open) == 2 {
					time.Sleep(10 * time.Millisecond)
					continue
				}
				t.Fatalf("websocket %d: %d %v", len(open), status, err)
			}
			open = append(open, c)
		}
		_, status, body, _ := wsDial(live, "", nil)
		if status != http.StatusTooManyRequests || !strings.Contains(string(body), "from your address") || !strings.Contains(string(body), "--ws-conns-per-ip") {
			t.Fatalf("fourth websocket: %d %s, want 429 naming the operator's flag", status, body)
		}
	})
	if ln.limitHits(t, "ws_conns_per_key") < 1 || ln.limitHits(t, "ws_conns_per_ip") < 1 {
		t.Error("websocket refusals are not counted")
	}
}

func TestTCPConnectionsPerAddress(t *testing.T) {
	ln := limCluster(t, limOptions{web: func(c *web.Config) { c.Limits.TCPConnsPerIP = 2 }})
	addr := strings.TrimPrefix(ln.url, "http://")
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
	}
	// The third is accepted and closed at once: reading it ends.
	eventually(t, 10*time.Second, func() error {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil {
			return errors.New("third connection was served")
		} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
			return errors.New("third connection is held open")
		}
		return nil
	})
	if n := ln.limitHits(t, "tcp_conns_per_ip"); n < 1 {
		t.Errorf("tcp_conns_per_ip hits %v, want >= 1", n)
	}
	held[0].Close()
	eventually(t, 10*time.Second, func() error {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return err
		}
		defer c.Close()
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		b := make([]byte, 12)
		if n, _ := c.Read(b); !strings.HasPrefix(string(b[:n]), "HTTP/1.1 200") {
			return fmt.Errorf("after a slot was freed: %q", b[:n])
		}
		return nil
	})
}

func TestQueueEntriesPerOwner(t *testing.T) {
	ln := limCluster(t, limOptions{})
	ids := newIdentities(t, ln.node, 0)
	put := `{"game":"prompt","seats":8,"move_deadline_ms":60000,"grace_ms":60000,"forfeit":"lose","stake":0,
		"rewards":[100],"judges":["rubric"],"elo_k":32,"max_concurrent_per_agent":1,"max_queued_per_owner":2}`
	limDo(t, "PUT", ln.url+"/v1/arenas/capped", arenatest.OperatorToken, put, nil).want(t, 200)
	limDo(t, "PUT", ln.url+"/v1/arenas/capped", arenatest.OperatorToken, strings.Replace(put, `"max_queued_per_owner":2`, `"max_queued_per_owner":-1`, 1), nil).
		wantError(t, 400, "invalid", "max_queued_per_owner")

	var agentIDs []string
	for i := range 3 {
		var ab agentBody
		limDo(t, "POST", ln.url+"/v1/agents", ids.keys[ownerA], fmt.Sprintf(`{"name":"q%d"}`, i), nil).want(t, 201).decode(t, &ab)
		agentIDs = append(agentIDs, ab.Agent.ID)
	}
	for _, id := range agentIDs[:2] {
		limDo(t, "POST", ln.url+"/v1/agents/"+id+"/queue", ids.keys[ownerA], `{"arena":"capped"}`, nil).want(t, 200)
	}
	r := limDo(t, "POST", ln.url+"/v1/agents/"+agentIDs[2]+"/queue", ids.keys[ownerA], `{"arena":"capped"}`, nil)
	want429(t, r, "the limit is 2")
	if n := ln.limitHits(t, "queue_per_owner"); n != 1 {
		t.Errorf("queue_per_owner hits %v, want 1", n)
	}
	// Another owner's agents queue as before.
	var ab agentBody
	limDo(t, "POST", ln.url+"/v1/agents", ids.keys[ownerB], `{"name":"other"}`, nil).want(t, 201).decode(t, &ab)
	limDo(t, "POST", ln.url+"/v1/agents/"+ab.Agent.ID+"/queue", ids.keys[ownerB], `{"arena":"capped"}`, nil).want(t, 200)
	// Leaving the queue makes room again.
	limDo(t, "DELETE", ln.url+"/v1/agents/"+agentIDs[0]+"/queue/capped", ids.keys[ownerA], "", nil).want(t, 204)
	limDo(t, "POST", ln.url+"/v1/agents/"+agentIDs[2]+"/queue", ids.keys[ownerA], `{"arena":"capped"}`, nil).want(t, 200)
}

// TestAStalledAgentIsCutOff: an agent that keeps sending but never reads
// fills its bounded send buffer and is disconnected; it cannot make the
// node queue frames for it without bound.
func TestAStalledAgentIsCutOff(t *testing.T) {
	ln := limCluster(t, limOptions{web: func(c *web.Config) {
		c.Limits.FramesPerSecond = -1 // off: this test floods on purpose
		c.WriteTimeout = 200 * time.Millisecond
	}})
	ids := newIdentities(t, ln.node, 0)
	d := websocket.Dialer{NetDial: func(network, addr string) (net.Conn, error) {
		c, err := net.Dial(network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetReadBuffer(4096) // a small window, so the server's side backs up soon
		}
		return c, err
	}}
	h := http.Header{"Authorization": {"Bearer " + ids.keys[agentKey]}}
	conn, _, err := d.Dial(strings.Replace(ln.url, "http://", "ws://", 1)+"/v1/agents/connect", h)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ping, _ := json.Marshal(map[string]string{"type": "ping"})
	deadline := time.Now().Add(60 * time.Second)
	sent := 0
	for time.Now().Before(deadline) {
		conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if err := conn.WriteMessage(websocket.TextMessage, ping); err != nil {
			t.Logf("cut off after %d unread pongs: %v", sent, err)
			return
		}
		sent++
	}
	t.Fatalf("sent %d pings without reading a pong and the node still holds the connection", sent)
}
