package web

import (
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/internal/fuzzseed"
)

var peerTestKey = strings.Repeat("5a", 32)

// peerCtx is a request as the leader receives it, with the peer headers.
func peerCtx(method, uri, from, client, sig string) (*gin.Context, bool) {
	u, err := url.ParseRequestURI(uri)
	if err != nil {
		return nil, false
	}
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = &http.Request{Method: method, URL: u, Header: http.Header{}}
	c.Request.Header.Set(forwardedHeader, from)
	c.Request.Header.Set(clientAddrHeader, client)
	c.Request.Header.Set(peerSigHeader, sig)
	return c, true
}

// validSig signs like signPeer, at time ts.
func validSig(s *Server, ts int64, from, client, method, uri string) string {
	return strconv.FormatInt(ts, 10) + "." + hex.EncodeToString(peerMAC(s.peerKey(), ts, from, client, method, uri))
}

func TestPeerSignatures(t *testing.T) {
	s := &Server{cfg: Config{SecretsKey: func() string { return peerTestKey }}}
	other := &Server{cfg: Config{SecretsKey: func() string { return strings.Repeat("a5", 32) }}}
	now := time.Now().Unix()
	const from, client, uri = "n2", "192.0.2.7", "/v1/owners?x=1"
	good := validSig(s, now, from, client, http.MethodPost, uri)
	tests := []struct {
		name              string
		method, uri, from string
		client, sig       string
		ok                bool
	}{
		{"as signed", http.MethodPost, uri, from, client, good, true},
		{"another method", http.MethodPut, uri, from, client, good, false},
		{"another path", http.MethodPost, "/v1/owners?x=2", from, client, good, false},
		{"another sender", http.MethodPost, uri, "n3", client, good, false},
		{"another client", http.MethodPost, uri, from, "192.0.2.8", good, false},
		{"no client: the member's own request claimed", http.MethodPost, uri, from, "", good, false},
		{"another cluster's key", http.MethodPost, uri, from, client, validSig(other, now, from, client, http.MethodPost, uri), false},
		{"three minutes old", http.MethodPost, uri, from, client, validSig(s, now-180, from, client, http.MethodPost, uri), false},
		{"three minutes ahead", http.MethodPost, uri, from, client, validSig(s, now+180, from, client, http.MethodPost, uri), false},
		{"a minute old", http.MethodPost, uri, from, client, validSig(s, now-60, from, client, http.MethodPost, uri), true},
		{"no time", http.MethodPost, uri, from, client, good[strings.Index(good, "."):], false},
		{"not hex", http.MethodPost, uri, from, client, strconv.FormatInt(now, 10) + ".zz", false},
		{"empty", http.MethodPost, uri, from, client, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := peerCtx(tt.method, tt.uri, tt.from, tt.client, tt.sig)
			got, ok := s.peerClient(c)
			if ok != tt.ok || (ok && got != tt.client) {
				t.Fatalf("peerClient = %q, %v; want %v", got, ok, tt.ok)
			}
		})
	}
	t.Run("without a secrets key nothing is trusted", func(t *testing.T) {
		c, _ := peerCtx(http.MethodPost, uri, from, client, good)
		if _, ok := (&Server{}).peerClient(c); ok {
			t.Fatal("a node without a key trusted a signature")
		}
	})
}

// FuzzPeerSignature feeds arbitrary peer headers to the leader's check:
// no panic, and nothing but a signature made with the cluster's key for
// exactly this request is believed.
func FuzzPeerSignature(f *testing.F) {
	now := strconv.FormatInt(time.Now().Unix(), 10)
	for _, s := range [][]string{
		{"POST", "/v1/owners", "n2", "192.0.2.7", now + "." + strings.Repeat("00", 32)},
		{"GET", "/v1/cluster/read-index", "n1", "", now + "."},
		{"POST", "/v1/owners", "n2", "192.0.2.7", "."},
		{"POST", "/v1/owners", "", "", "-1.ab"},
		{"DELETE", "/v1/agents/x/queue/y", "n\x00", "::1", "99999999999999999999.00"},
		{"POST", "/v1/owners", "n2", "192.0.2.7", now + "." + strings.Repeat("ff", 64)},
	} {
		fuzzseed.Add(f, s[0], s[1], s[2], s[3], s[4])
	}
	s := &Server{cfg: Config{SecretsKey: func() string { return peerTestKey }}}
	f.Fuzz(func(t *testing.T, method, uri, from, client, sig string) {
		c, ok := peerCtx(method, uri, from, client, sig)
		if !ok {
			return
		}
		if got, ok := s.peerClient(c); ok {
			// Only a genuine signature may pass: the fuzzer cannot make one.
			ts, _, _ := strings.Cut(sig, ".")
			n, _ := strconv.ParseInt(ts, 10, 64)
			if sig != validSig(s, n, from, client, method, c.Request.URL.RequestURI()) || got != client {
				t.Fatalf("believed %q for %s %s from %q", got, method, uri, from)
			}
			t.Fatalf("the fuzzer forged a signature: %q", sig)
		}
		// And a genuine one for the same request is believed.
		c.Request.Header.Set(peerSigHeader, validSig(s, time.Now().Unix(), c.GetHeader(forwardedHeader), c.GetHeader(clientAddrHeader), method, c.Request.URL.RequestURI()))
		if c.GetHeader(forwardedHeader) == "" {
			return // no sender named: never a peer request
		}
		if got, ok := s.peerClient(c); !ok || got != c.GetHeader(clientAddrHeader) {
			t.Fatalf("a genuine signature was refused (%q, %v)", got, ok)
		}
	})
}
