package web

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	dto "github.com/prometheus/client_model/go"

	"github.com/agentarena/arena/internal/fuzzseed"
)

var peerTestKey = strings.Repeat("5a", 32)

// peerTestCluster stands in for the node: its id and the cluster's
// command level are all the signatures read.
type peerTestCluster struct {
	Cluster
	id    string
	level int
}

func (c *peerTestCluster) ID() string        { return c.id }
func (c *peerTestCluster) ClusterLevel() int { return c.level }

// peerServer is node id holding key, in a cluster at level.
func peerServer(key, id string, level int) *Server {
	s := &Server{cfg: Config{SecretsKey: func() string { return key }, Cluster: &peerTestCluster{id: id, level: level}}}
	s.peers.register(nil)
	return s
}

// peerCtx is a request as the receiver gets it, with the peer headers;
// sig goes into the v2 header when it has the v2 form, else the v1 one.
func peerCtx(method, uri, from, client, sig string) (*gin.Context, bool) {
	u, err := url.ParseRequestURI(uri)
	if err != nil {
		return nil, false
	}
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = &http.Request{Method: method, URL: u, Header: http.Header{}, Body: http.NoBody}
	c.Request.Header.Set(forwardedHeader, from)
	c.Request.Header.Set(clientAddrHeader, client)
	if strings.HasPrefix(sig, "v2;") {
		c.Request.Header.Set(peerAuthHeader, sig)
	} else {
		c.Request.Header.Set(peerSigHeader, sig)
	}
	return c, true
}

// withBody gives c's request body as what arrives and length as its
// Content-Length.
func withBody(c *gin.Context, body string, length int64) *gin.Context {
	c.Request.Body = io.NopCloser(strings.NewReader(body))
	c.Request.ContentLength = length
	return c
}

// validSig signs like the v1 form of signPeer, at time ts.
func validSig(s *Server, ts int64, from, client, method, uri string) string {
	return strconv.FormatInt(ts, 10) + "." + hex.EncodeToString(peerMAC(s.peerKey("v1"), ts, from, client, method, uri))
}

// v2Sig signs like signPeerTo, at time at with the given nonce.
func v2Sig(s *Server, at time.Time, nonce, from, client, to, method, uri, body string) string {
	sum := sha256.Sum256([]byte(body))
	p := peerV2{ts: strconv.FormatInt(at.UnixMilli(), 10), nonce: nonce, to: to, body: hex.EncodeToString(sum[:])}
	return p.header(p.sum(s.peerKey("v2"), from, client, method, uri, int64(len(body))))
}

// peerCount is arena_peer_signatures_total{form,result} on s.
func peerCount(s *Server, form, result string) float64 {
	var m dto.Metric
	_ = s.peers.sigs.WithLabelValues(form, result).Write(&m)
	return m.GetCounter().GetValue()
}

func upperMAC(sig string) string { return sig[:len(sig)-64] + strings.ToUpper(sig[len(sig)-64:]) }

func nonceN(i int) string { return strings.Repeat("0", 24) + strconv.FormatInt(1<<31+int64(i), 16) }

func TestPeerSignatures(t *testing.T) {
	s := peerServer(peerTestKey, "n1", peerSigV2Level)
	other := peerServer(strings.Repeat("a5", 32), "n1", peerSigV2Level)
	now := time.Now()
	const from, client, uri = "n2", "192.0.2.7", "/v1/owners?x=1"
	n := 0
	sig := func(s *Server, at time.Time, to, method, uri, body string) string {
		n++
		return v2Sig(s, at, nonceN(n), from, client, to, method, uri, body)
	}
	get := http.MethodGet
	tests := []struct {
		name              string
		method, uri, from string
		client, sig       string
		body              string
		length            int64
		ok                bool
	}{
		{"as signed", get, uri, from, client, sig(s, now, "n1", get, uri, ""), "", 0, true},
		{"as signed, to no node in particular", get, uri, from, client, sig(s, now, "", get, uri, ""), "", 0, true},
		{"for another node", get, uri, from, client, sig(s, now, "n3", get, uri, ""), "", 0, false},
		{"another method", http.MethodDelete, uri, from, client, sig(s, now, "n1", get, uri, ""), "", 0, false},
		{"another path", get, "/v1/arenas?x=1", from, client, sig(s, now, "n1", get, uri, ""), "", 0, false},
		{"another query", get, "/v1/owners?x=2", from, client, sig(s, now, "n1", get, uri, ""), "", 0, false},
		{"another sender", get, uri, "n3", client, sig(s, now, "n1", get, uri, ""), "", 0, false},
		{"another client", get, uri, from, "192.0.2.8", sig(s, now, "n1", get, uri, ""), "", 0, false},
		{"no client: the member's own request claimed", get, uri, from, "", sig(s, now, "n1", get, uri, ""), "", 0, false},
		{"a body where none was signed", get, uri, from, client, sig(s, now, "n1", get, uri, ""), "{}", 2, false},
		{"a body of unknown length", get, uri, from, client, sig(s, now, "n1", get, uri, ""), "", -1, false},
		{"a signed body of another length", http.MethodPost, forwardBatchPath, from, client, sig(s, now, "n1", http.MethodPost, forwardBatchPath, "abcd"), "abc", 3, false},
		{"a signed body on a route that acts before its end", http.MethodPost, "/v1/owners", from, client, sig(s, now, "n1", http.MethodPost, "/v1/owners", "{}"), "{}", 2, false},
		{"a signed batch", http.MethodPost, forwardBatchPath, from, client, sig(s, now, "n1", http.MethodPost, forwardBatchPath, "abcd"), "abcd", 4, true},
		{"another cluster's key", get, uri, from, client, sig(other, now, "n1", get, uri, ""), "", 0, false},
		{"three minutes old", get, uri, from, client, sig(s, now.Add(-3*time.Minute), "n1", get, uri, ""), "", 0, false},
		{"three minutes ahead", get, uri, from, client, sig(s, now.Add(3*time.Minute), "n1", get, uri, ""), "", 0, false},
		{"a minute old", get, uri, from, client, sig(s, now.Add(-time.Minute), "n1", get, uri, ""), "", 0, true},
		{"upper-case hex", get, uri, from, client, upperMAC(sig(s, now, "n1", get, uri, "")), "", 0, false},
		{"a field missing", get, uri, from, client, strings.Replace(sig(s, now, "n1", get, uri, ""), ";n1;", ";", 1), "", 0, false},
		{"a signed time with a sign", get, uri, from, client, strings.Replace(sig(s, now, "n1", get, uri, ""), "v2;", "v2;+", 1), "", 0, false},
		{"no time", get, uri, from, client, strings.Replace(sig(s, now, "n1", get, uri, ""), strconv.FormatInt(now.UnixMilli(), 10), "", 1), "", 0, false},
		{"a v3 form", get, uri, from, client, "v3" + sig(s, now, "n1", get, uri, "")[2:], "", 0, false},
		{"v2 header empty", get, uri, from, client, "v2;", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := peerCtx(tt.method, tt.uri, tt.from, tt.client, tt.sig)
			withBody(c, tt.body, tt.length)
			got, ok := s.peerClient(c)
			if ok != tt.ok || (ok && got != tt.client) {
				t.Fatalf("peerClient = %q, %v; want %v", got, ok, tt.ok)
			}
		})
	}
	t.Run("without a secrets key nothing is trusted", func(t *testing.T) {
		c, _ := peerCtx(get, uri, from, client, sig(s, now, "", get, uri, ""))
		keyless := &Server{cfg: Config{Cluster: &peerTestCluster{id: "n1"}}}
		if _, ok := keyless.peerClient(c); ok {
			t.Fatal("a node without a key trusted a signature")
		}
	})
}

// TestPeerSignedBodyIsChecked: the v2 signature covers the body's hash,
// which the receiver checks as the body streams: the read that would end
// a changed body fails instead of reporting its end.
func TestPeerSignedBodyIsChecked(t *testing.T) {
	const signed = "AFB1 the batch as the follower sent it"
	for _, tc := range []struct {
		name, arrives string
		wantErr       error
	}{
		{"the signed body reads to its end", signed, nil},
		{"a changed body of the same length fails its last read", strings.Replace(signed, "follower", "attacker", 1), errPeerBody},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := peerServer(peerTestKey, "n1", peerSigV2Level)
			sig := v2Sig(s, time.Now(), nonceN(1), "n2", "", "n1", http.MethodPost, forwardBatchPath, signed)
			c, _ := peerCtx(http.MethodPost, forwardBatchPath, "n2", "", sig)
			withBody(c, tc.arrives, int64(len(tc.arrives)))
			if _, ok := s.peerClient(c); !ok {
				t.Fatal("the signature itself was refused")
			}
			got, err := io.ReadAll(c.Request.Body)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("reading the body: %v, want %v", err, tc.wantErr)
			}
			if string(got) != tc.arrives {
				t.Errorf("read %q, want what arrived", got)
			}
			mismatches := peerCount(s, "v2", peerBodyMismatch)
			if want := map[bool]float64{true: 0, false: 1}[tc.wantErr == nil]; mismatches != want {
				t.Errorf("body_mismatch counted %v, want %v", mismatches, want)
			}
		})
	}
	t.Run("a frame whose body was changed is unreadable as a batch", func(t *testing.T) {
		s := peerServer(peerTestKey, "n1", peerSigV2Level)
		frame := encodeBatch(nil, []fwdItem{{Method: "POST", URI: "/v1/owners", Client: "192.0.2.7", Body: []byte(`{"name":"a"}`)}})
		sig := v2Sig(s, time.Now(), nonceN(1), "n2", "", "n1", http.MethodPost, forwardBatchPath, string(frame))
		changed := bytes.Replace(frame, []byte(`"a"`), []byte(`"b"`), 1)
		c, _ := peerCtx(http.MethodPost, forwardBatchPath, "n2", "", sig)
		withBody(c, string(changed), int64(len(changed)))
		if _, ok := s.peerClient(c); !ok {
			t.Fatal("the signature itself was refused")
		}
		if _, err := decodeBatch(bufio.NewReader(c.Request.Body), 1<<20); !errors.Is(err, errPeerBody) {
			t.Fatalf("decodeBatch: %v, want the signature mismatch", err)
		}
	})
}

// TestPeerNonceIsBelievedOnce: a captured v2 request sent again, as is,
// within the window is not believed (the receiver then charges its
// sender's address, as for any request without a signature); each
// request is believed once per receiver, and one that names its receiver
// at that receiver only.
func TestPeerNonceIsBelievedOnce(t *testing.T) {
	n1 := peerServer(peerTestKey, "n1", peerSigV2Level)
	n3 := peerServer(peerTestKey, "n3", peerSigV2Level)
	const uri = "/v1/cluster/read-index"
	send := func(s *Server, sig string) bool {
		c, _ := peerCtx(http.MethodGet, uri, "n2", "", sig)
		_, ok := s.peerClient(c)
		return ok
	}
	bound := v2Sig(n1, time.Now(), nonceN(1), "n2", "", "n1", http.MethodGet, uri, "")
	unbound := v2Sig(n1, time.Now(), nonceN(2), "n2", "", "", http.MethodGet, uri, "")
	for _, step := range []struct {
		name string
		at   *Server
		sig  string
		want bool
	}{
		{"the request at the node it names", n1, bound, true},
		{"the same request again", n1, bound, false},
		{"the same request at another member", n3, bound, false},
		{"a request naming no node", n1, unbound, true},
		{"that request again", n1, unbound, false},
		{"that request at another member, once", n3, unbound, true},
		{"and again there", n3, unbound, false},
	} {
		if got := send(step.at, step.sig); got != step.want {
			t.Fatalf("%s: believed %v, want %v", step.name, got, step.want)
		}
	}
	if got := peerCount(n1, "v2", peerReplayed); got != 2 {
		t.Errorf("n1 counted %v replays, want 2", got)
	}

	t.Run("one request asked about by several checks spends its nonce once", func(t *testing.T) {
		c, _ := peerCtx(http.MethodGet, uri, "n2", "", v2Sig(n1, time.Now(), nonceN(3), "n2", "", "n1", http.MethodGet, uri, ""))
		for i := range 3 {
			if _, ok := n1.peerClient(c); !ok {
				t.Fatalf("check %d of the same request refused it", i+1)
			}
		}
	})
}

// TestPeerV1DuringUpgrade: until the cluster's command level shows every
// member signs v2, a node sends both forms (older members read only v1)
// and believes v1 from a member that sends nothing else; from then on it
// sends and believes v2 only. A request carrying v2 is judged on v2 alone.
func TestPeerV1DuringUpgrade(t *testing.T) {
	const uri = "/v1/cluster/progress"
	now := time.Now()
	for _, tc := range []struct {
		name      string
		level     int
		v1Sent    bool
		v1Belief  bool
		v1Counted string
	}{
		{"while a member may be older", peerSigV2Level - 1, true, true, peerAccepted},
		{"once every member signs v2", peerSigV2Level, false, false, peerRetired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sender := peerServer(peerTestKey, "n2", tc.level)
			receiver := peerServer(peerTestKey, "n1", tc.level)
			h := http.Header{}
			sender.signPeerTo(h, http.MethodGet, uri, "", "n1", nil)
			if got := h.Get(peerSigHeader) != ""; got != tc.v1Sent {
				t.Fatalf("v1 header sent: %v, want %v", got, tc.v1Sent)
			}
			if h.Get(peerAuthHeader) == "" {
				t.Fatal("no v2 header sent")
			}
			c, _ := peerCtx(http.MethodGet, uri, "n2", "", "")
			c.Request.Header = h
			if _, ok := receiver.peerClient(c); !ok {
				t.Fatal("the receiver refused what the sender signed")
			}
			c, _ = peerCtx(http.MethodGet, uri, "n2", "", validSig(receiver, now.Unix(), "n2", "", http.MethodGet, uri))
			if _, ok := receiver.peerClient(c); ok != tc.v1Belief {
				t.Fatalf("an old member's v1 signature believed: %v, want %v", ok, tc.v1Belief)
			}
			if got := peerCount(receiver, "v1", tc.v1Counted); got != 1 {
				t.Errorf("v1 %s counted %v, want 1", tc.v1Counted, got)
			}
			c, _ = peerCtx(http.MethodGet, uri, "n2", "", validSig(receiver, now.Unix(), "n2", "", http.MethodGet, uri))
			c.Request.Header.Set(peerAuthHeader, "v2;bad")
			if _, ok := receiver.peerClient(c); ok {
				t.Fatal("a request with a bad v2 signature was believed on its v1")
			}
		})
	}
}

func TestReplayCacheStaysBounded(t *testing.T) {
	start := time.UnixMilli(1_800_000_000_000)
	key := func(i int) (k [16]byte) {
		k[0], k[1], k[2] = byte(i), byte(i>>8), byte(i>>16)
		return k
	}
	t.Run("a nonce is forgotten once its signature is out of the window", func(t *testing.T) {
		var rc replayCache
		ts := start.UnixMilli()
		if rc.admit("n2", key(1), ts, start) != nonceFresh || rc.admit("n2", key(1), ts, start.Add(peerSigSkew)) != nonceReplayed {
			t.Fatal("a nonce was not remembered for the whole window")
		}
		rc.admit("n2", key(2), ts+1, start.Add(peerSigSkew+time.Millisecond)) // expires key 1
		if _, n := rc.size(); n != 1 {
			t.Fatalf("%d nonces held, want 1", n)
		}
	})
	t.Run("a sender past its share raises its floor", func(t *testing.T) {
		var rc replayCache
		for i := range maxNoncesPerSender + 10 {
			if got := rc.admit("n2", key(i), start.UnixMilli()+int64(i), start); got != nonceFresh {
				t.Fatalf("nonce %d: %v", i, got)
			}
		}
		if _, n := rc.size(); n != maxNoncesPerSender {
			t.Fatalf("%d nonces held, want %d", n, maxNoncesPerSender)
		}
		for _, tc := range []struct {
			i    int
			want nonceResult
		}{
			{0, nonceUnverifiable}, // forgotten: it cannot be told from a replay
			{9, nonceUnverifiable},
			{10, nonceReplayed},
			{maxNoncesPerSender + 9, nonceReplayed},
		} {
			if got := rc.admit("n2", key(tc.i), start.UnixMilli()+int64(tc.i), start); got != tc.want {
				t.Errorf("nonce %d again: %v, want %v", tc.i, got, tc.want)
			}
		}
		if got := rc.admit("n3", key(0), start.UnixMilli(), start); got != nonceFresh {
			t.Errorf("another sender's nonce: %v, want fresh", got)
		}
	})
	t.Run("no more than maxNonceSenders senders until theirs expire", func(t *testing.T) {
		var rc replayCache
		for i := range maxNonceSenders {
			rc.admit("n"+strconv.Itoa(i), key(i), start.UnixMilli(), start)
		}
		if got := rc.admit("late", key(0), start.UnixMilli(), start); got != nonceUnverifiable {
			t.Fatalf("one sender too many: %v", got)
		}
		later := start.Add(peerSigSkew + time.Second)
		if got := rc.admit("late", key(0), later.UnixMilli(), later); got != nonceFresh {
			t.Fatalf("after the others expired: %v", got)
		}
		if s, n := rc.size(); s != 1 || n != 1 {
			t.Fatalf("%d senders and %d nonces held, want 1 and 1", s, n)
		}
	})
}

// FuzzPeerSignature feeds arbitrary peer headers to the receiver's check:
// no panic, and nothing but a signature made with the cluster's key for
// exactly this request is believed. sig goes to the v2 header when it
// starts "v2;", else to the v1 one; the cluster is mid-upgrade, so both
// forms are read.
func FuzzPeerSignature(f *testing.F) {
	now := strconv.FormatInt(time.Now().Unix(), 10)
	nowMS := strconv.FormatInt(time.Now().UnixMilli(), 10)
	s := peerServer(peerTestKey, "n1", peerSigV2Level-1)
	for _, sd := range [][]string{
		{"POST", "/v1/owners", "n2", "192.0.2.7", now + "." + strings.Repeat("00", 32)},
		{"GET", "/v1/cluster/read-index", "n1", "", now + "."},
		{"POST", "/v1/owners", "n2", "192.0.2.7", "."},
		{"POST", "/v1/owners", "", "", "-1.ab"},
		{"DELETE", "/v1/agents/x/queue/y", "n\x00", "::1", "99999999999999999999.00"},
		{"POST", "/v1/owners", "n2", "192.0.2.7", now + "." + strings.Repeat("ff", 64)},
		// v2
		// a genuine signature of another request (the method)
		{"GET", "/v1/cluster/read-index", "n2", "", v2Sig(s, time.Now(), nonceN(1), "n2", "", "n1", "POST", "/v1/cluster/read-index", "")},
		{"GET", "/v1/cluster/progress", "n2", "", "v2;" + nowMS + ";" + strings.Repeat("0", 32) + ";;" + emptyBodySum + ";" + strings.Repeat("00", 32)},
		{"POST", "/v1/cluster/forward", "n2", "", "v2;" + nowMS + ";" + strings.Repeat("a", 32) + ";n1;" + strings.Repeat("b", 64) + ";" + strings.Repeat("c", 64)},
		{"GET", "/v1/arenas", "n2", "192.0.2.7", "v2;" + nowMS + ";;;;"},
		{"GET", "/v1/arenas", "n2", "192.0.2.7", "v2;999999999999999;" + strings.Repeat("f", 32) + ";n;" + emptyBodySum + ";" + strings.Repeat("f", 64) + ";"},
		{"GET", "/v1/arenas", "n2", "", "v2;;;;;"},
	} {
		fuzzseed.Add(f, sd[0], sd[1], sd[2], sd[3], sd[4])
	}
	f.Fuzz(func(t *testing.T, method, uri, from, client, sig string) {
		s := peerServer(peerTestKey, "n1", peerSigV2Level-1) // a fresh replay cache each time
		c, ok := peerCtx(method, uri, from, client, sig)
		if !ok {
			return
		}
		from, client = c.GetHeader(forwardedHeader), c.GetHeader(clientAddrHeader)
		reqURI := c.Request.URL.RequestURI()
		if got, ok := s.peerClient(c); ok {
			// Only a genuine signature may pass: the fuzzer cannot make one.
			genuine := false
			if p, isV2 := parsePeerV2(sig); isV2 {
				ms, _ := strconv.ParseInt(p.ts, 10, 64)
				genuine = sig == v2Sig(s, time.UnixMilli(ms), p.nonce, from, client, p.to, method, reqURI, "")
			} else {
				ts, _, _ := strings.Cut(sig, ".")
				n, _ := strconv.ParseInt(ts, 10, 64)
				genuine = sig == validSig(s, n, from, client, method, reqURI)
			}
			if !genuine || got != client {
				t.Fatalf("believed %q for %s %s from %q", got, method, uri, from)
			}
			t.Fatalf("the fuzzer forged a signature: %q", sig)
		}
		if from == "" {
			return // no sender named: never a peer request
		}
		// And genuine ones for the same request are believed.
		for _, sig := range []string{
			v2Sig(s, time.Now(), nonceN(1), from, client, "n1", method, reqURI, ""),
			validSig(s, time.Now().Unix(), from, client, method, reqURI),
		} {
			c, _ := peerCtx(method, uri, from, client, sig)
			if got, ok := s.peerClient(c); !ok || got != c.GetHeader(clientAddrHeader) {
				t.Fatalf("a genuine signature %.60q was refused (%q, %v)", sig, got, ok)
			}
		}
	})
}
