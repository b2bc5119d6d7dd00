package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// Requests one node makes to another (forwarded writes, read indexes)
// arrive from the node's address, not the client's. Charged to that
// address, every anonymous client of a follower would share one bucket on
// the leader, so one abusive client could lock out the rest, and a busy
// follower's read indexes would be refused by the leader. A node therefore
// signs what it sends with a key derived from the cluster's secrets key,
// which only members hold, and names the client it acts for; the leader
// charges that client, or nobody for the node's own requests (their
// clients were charged where they arrived). An unsigned or badly signed
// claim is ignored and charged to the sender's address as before.
const (
	// clientAddrHeader is the limiter key (clientKey) of the client a
	// signed peer request acts for; empty for a node's own request.
	clientAddrHeader = "X-Arena-Client-Addr"
	// peerSigHeader is "<unix seconds>.<hex HMAC-SHA256>" over the sender,
	// the client address, the method and the request URI.
	peerSigHeader = "X-Arena-Peer-Sig"
	// peerSigSkew is how far a signature's time may be from the
	// receiver's clock: it bounds replays and tolerates clock drift.
	peerSigSkew = 2 * time.Minute
)

// peerKey derives the signing key, or nil when this node has no secrets
// key (a test server, or a joining node before the key arrived).
func (s *Server) peerKey() []byte {
	if s.cfg.SecretsKey == nil {
		return nil
	}
	raw, err := hex.DecodeString(s.cfg.SecretsKey())
	if err != nil || len(raw) == 0 {
		return nil
	}
	m := hmac.New(sha256.New, raw)
	m.Write([]byte("agent-arena peer requests v1"))
	return m.Sum(nil)
}

func peerMAC(key []byte, ts int64, from, client, method, uri string) []byte {
	m := hmac.New(sha256.New, key)
	// Newlines cannot occur in any field (header values and request URIs
	// exclude them), so the encoding is unambiguous.
	m.Write([]byte(strconv.FormatInt(ts, 10) + "\n" + from + "\n" + client + "\n" + method + "\n" + uri))
	return m.Sum(nil)
}

// signPeer marks h as this node's request on behalf of client ("" for
// the node's own). Without a key it only names the sender, which the
// receiver then charges to the sender's address.
func (s *Server) signPeer(h http.Header, method, uri, client string) {
	from := s.cfg.Cluster.ID()
	h.Set(forwardedHeader, from)
	h.Del(clientAddrHeader)
	h.Del(peerSigHeader)
	key := s.peerKey()
	if key == nil {
		return
	}
	ts := time.Now().Unix()
	h.Set(clientAddrHeader, client)
	h.Set(peerSigHeader, strconv.FormatInt(ts, 10)+"."+hex.EncodeToString(peerMAC(key, ts, from, client, method, uri)))
}

// peerClient reports whether c is a request signed by a cluster member,
// and the client address it acts for ("" for the member's own request).
func (s *Server) peerClient(c *gin.Context) (client string, ok bool) {
	sig := c.GetHeader(peerSigHeader)
	from := c.GetHeader(forwardedHeader)
	if sig == "" || from == "" {
		return "", false
	}
	tsText, macText, found := strings.Cut(sig, ".")
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if !found || err != nil {
		return "", false
	}
	if d := time.Since(time.Unix(ts, 0)); d > peerSigSkew || d < -peerSigSkew {
		return "", false
	}
	got, err := hex.DecodeString(macText)
	key := s.peerKey()
	if err != nil || key == nil {
		return "", false
	}
	client = c.GetHeader(clientAddrHeader)
	if !hmac.Equal(got, peerMAC(key, ts, from, client, c.Request.Method, c.Request.URL.RequestURI())) {
		return "", false
	}
	return client, true
}

// rateAddr is the address a request without a valid key is charged to:
// the client a signed peer request acts for, else the sender's address.
// exempt is true for a member's own request.
func (s *Server) rateAddr(c *gin.Context) (addr string, exempt bool) {
	if client, ok := s.peerClient(c); ok {
		return client, client == ""
	}
	return s.clientAddr(c.Request), false
}

// forwardTransport keeps enough idle connections to the leader for a
// busy follower (the default keeps two, so every burst would dial anew),
// and caps the open ones well below the leader's TCP connections per
// address: past the cap requests wait for a connection rather than being
// cut off at the leader's accept.
func forwardTransport() *http.Transport {
	return &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		MaxConnsPerHost:       DefaultLimits.TCPConnsPerIP / 4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}
