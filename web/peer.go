package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/arena"
)

// Requests one node makes to another (forwarded writes, read indexes,
// progress polls) arrive from the node's address, not the client's.
// Charged to that address, every anonymous client of a follower would
// share one bucket on the leader, so one abusive client could lock out the
// rest, and a busy follower's read indexes would be refused by the leader.
// A node therefore signs what it sends with a key derived from the
// cluster's secrets key, which only members hold, and names the client it
// acts for; the receiver charges that client, or nobody for the node's own
// requests (their clients were charged where they arrived). An unsigned or
// badly signed claim is ignored and the request is charged to the sender's
// address like any client's: it is served, never refused for the
// signature alone.
//
// The first form (v1, X-Arena-Peer-Sig) covered the time, the sender, the
// client, the method and the request URI, but not the body and not the
// request's identity: anyone who saw one signed request on the cluster
// network could send it again as often as they liked for two minutes,
// with another body (a node's own request, charged to nobody, escaped
// every per-address limit). The second form (v2, X-Arena-Peer-Auth) also
// covers a random nonce, the receiving node, the body's length and
// SHA-256, and the receiver believes each nonce once (peer_replay.go).
//
// Rolling upgrades: until every member signs v2, a v2 node also sends the
// v1 header (older members read only that) and believes a v1 signature
// from a member that sends nothing else. "Every member signs v2" is the
// cluster's command level reaching peerSigV2Level, which the leader raises
// only once every member reports a release at that level (progress.go);
// levels never go down, so from then on v1 is neither sent nor believed,
// and arena_peer_signatures_total{form="v1"} shows who still sent it.
const (
	// clientAddrHeader is the limiter key (clientKey) of the client a
	// signed peer request acts for; empty for a node's own request.
	clientAddrHeader = "X-Arena-Client-Addr"
	// peerSigHeader is the v1 form: "<unix seconds>.<hex HMAC-SHA256>"
	// over the sender, the client address, the method and the request URI.
	peerSigHeader = "X-Arena-Peer-Sig"
	// peerAuthHeader is the v2 form (peerV2).
	peerAuthHeader = "X-Arena-Peer-Auth"
	// peerSigSkew is how far a signature's time may be from the
	// receiver's clock: it tolerates clock drift, and is how long the
	// receiver remembers a v2 nonce.
	peerSigSkew = 2 * time.Minute
	// peerSigV2Level is the first cluster command level at which every
	// member signs v2: the release that raised the level to 4 (agent.create
	// max_agents) is the first to sign v2, so a member below it may still
	// sign v1 only.
	peerSigV2Level = arena.LevelPeerSigV2
)

// ctxPeer memoizes a request's verdict: a v2 nonce is believed once, and
// the limits (chargeIP, chargeSignup) and the batch handler all ask.
const ctxPeer = "arena.peer"

// Results counted in arena_peer_signatures_total.
const (
	peerAccepted     = "accepted"
	peerInvalid      = "invalid"      // malformed, wrong key or another request's
	peerExpired      = "expired"      // outside ±peerSigSkew of this node's clock
	peerReplayed     = "replayed"     // v2 nonce already believed
	peerUnverifiable = "unverifiable" // v2 older than the replay cache still vouches for
	peerBodyMismatch = "body_mismatch"
	peerRetired      = "retired" // v1 after every member signs v2
)

// peerKey derives the signing key of a form ("v1", "v2"), or nil when
// this node has no secrets key (a test server, or a joining node before
// the key arrived).
func (s *Server) peerKey(form string) []byte {
	if s.cfg.SecretsKey == nil {
		return nil
	}
	raw, err := hex.DecodeString(s.cfg.SecretsKey())
	if err != nil || len(raw) == 0 {
		return nil
	}
	m := hmac.New(sha256.New, raw)
	m.Write([]byte("agent-arena peer requests " + form))
	return m.Sum(nil)
}

func peerMAC(key []byte, ts int64, from, client, method, uri string) []byte {
	m := hmac.New(sha256.New, key)
	// Newlines cannot occur in any field (header values and request URIs
	// exclude them), so the encoding is unambiguous.
	m.Write([]byte(strconv.FormatInt(ts, 10) + "\n" + from + "\n" + client + "\n" + method + "\n" + uri))
	return m.Sum(nil)
}

// peerV2 is a v2 signature's fields. Its header is
//
//	v2;<unix ms>;<nonce>;<to>;<body sha256>;<mac>
//
// with the nonce 32 lowercase hex digits (128 random bits), to the
// receiving node's id or empty when the sender did not name it, and the
// body's SHA-256 and the HMAC-SHA256 64 lowercase hex digits each. Node
// ids cannot hold ';' (api.ValidNodeID).
type peerV2 struct {
	ts    string // the fields as sent: the MAC covers exactly this text
	nonce string
	to    string
	body  string
	mac   []byte
}

func (p peerV2) header(mac []byte) string {
	return "v2;" + p.ts + ";" + p.nonce + ";" + p.to + ";" + p.body + ";" + hex.EncodeToString(mac)
}

// sum is the v2 MAC over the header's fields and the request's sender,
// client, method, URI and body length.
func (p peerV2) sum(key []byte, from, client, method, uri string, length int64) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("v2\n" + p.ts + "\n" + p.nonce + "\n" + from + "\n" + client + "\n" + p.to + "\n" +
		method + "\n" + uri + "\n" + strconv.FormatInt(length, 10) + "\n" + p.body))
	return m.Sum(nil)
}

// parsePeerV2 reads a v2 header strictly: one spelling per signature.
func parsePeerV2(v string) (peerV2, bool) {
	f := strings.Split(v, ";")
	if len(f) != 6 || f[0] != "v2" || !digits(f[1], 1, 15) || !lowerHex(f[2], 32) || len(f[3]) > 64 || !lowerHex(f[4], 64) || !lowerHex(f[5], 64) {
		return peerV2{}, false
	}
	mac, _ := hex.DecodeString(f[5])
	return peerV2{ts: f[1], nonce: f[2], to: f[3], body: f[4], mac: mac}, true
}

func digits(s string, lo, hi int) bool {
	if len(s) < lo || len(s) > hi {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func lowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := range len(s) {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// emptyBodySum is the SHA-256 of no bytes, the body of every signed GET.
var emptyBodySum = func() string { s := sha256.Sum256(nil); return hex.EncodeToString(s[:]) }()

// signPeer marks h as this node's bodiless request on behalf of client
// ("" for the node's own), to a receiver it does not name.
func (s *Server) signPeer(h http.Header, method, uri, client string) {
	s.signPeerTo(h, method, uri, client, "", nil)
}

// signPeerTo marks h as this node's request on behalf of client ("" for
// the node's own), whose body is body, for the node with id to (""
// when the sender cannot name it: the signature is then good at any
// member, once each). Without a key it only names the sender, which the
// receiver then charges to the sender's address.
func (s *Server) signPeerTo(h http.Header, method, uri, client, to string, body []byte) {
	from := s.cfg.Cluster.ID()
	h.Set(forwardedHeader, from)
	h.Del(clientAddrHeader)
	h.Del(peerSigHeader)
	h.Del(peerAuthHeader)
	key := s.peerKey("v2")
	if key == nil {
		return
	}
	now := time.Now()
	var nonce [16]byte
	_, _ = rand.Read(nonce[:]) // never fails (crypto/rand)
	sum := sha256.Sum256(body)
	p := peerV2{ts: strconv.FormatInt(now.UnixMilli(), 10), nonce: hex.EncodeToString(nonce[:]), to: to, body: hex.EncodeToString(sum[:])}
	h.Set(clientAddrHeader, client)
	h.Set(peerAuthHeader, p.header(p.sum(key, from, client, method, uri, int64(len(body)))))
	if s.cfg.Cluster.ClusterLevel() < peerSigV2Level {
		// A member may run a release that reads only v1 (see above).
		ts := now.Unix()
		h.Set(peerSigHeader, strconv.FormatInt(ts, 10)+"."+hex.EncodeToString(peerMAC(s.peerKey("v1"), ts, from, client, method, uri)))
	}
}

type peerVerdict struct {
	client string
	ok     bool
}

// peerClient reports whether c is a request signed by a cluster member,
// and the client address it acts for ("" for the member's own request).
// The first call decides (a v2 nonce is spent by it); later calls for the
// same request get the same answer.
func (s *Server) peerClient(c *gin.Context) (client string, ok bool) {
	if v, found := c.Get(ctxPeer); found {
		pv := v.(peerVerdict)
		return pv.client, pv.ok
	}
	client, ok = s.verifyPeer(c.Request, time.Now())
	c.Set(ctxPeer, peerVerdict{client: client, ok: ok})
	return client, ok
}

// verifyPeer checks r's signature at now. A v2 signature, when present,
// decides alone: a request that carries one is never believed on its v1.
func (s *Server) verifyPeer(r *http.Request, now time.Time) (string, bool) {
	from := r.Header.Get(forwardedHeader)
	if v := r.Header.Get(peerAuthHeader); v != "" {
		client, res := s.verifyV2(r, from, v, now)
		s.peers.count("v2", res)
		return client, res == peerAccepted
	}
	if v := r.Header.Get(peerSigHeader); v != "" {
		client, res := s.verifyV1(r, from, v, now)
		s.peers.count("v1", res)
		return client, res == peerAccepted
	}
	return "", false
}

func (s *Server) verifyV1(r *http.Request, from, sig string, now time.Time) (string, string) {
	tsText, macText, found := strings.Cut(sig, ".")
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if from == "" || !found || err != nil {
		return "", peerInvalid
	}
	if d := now.Sub(time.Unix(ts, 0)); d > peerSigSkew || d < -peerSigSkew {
		return "", peerExpired
	}
	got, err := hex.DecodeString(macText)
	key := s.peerKey("v1")
	if err != nil || key == nil {
		return "", peerInvalid
	}
	client := r.Header.Get(clientAddrHeader)
	if !hmac.Equal(got, peerMAC(key, ts, from, client, r.Method, r.URL.RequestURI())) {
		return "", peerInvalid
	}
	if s.cfg.Cluster.ClusterLevel() >= peerSigV2Level {
		return "", peerRetired // every member signs v2: this is a replay or a forgery's leftover
	}
	return client, peerAccepted
}

func (s *Server) verifyV2(r *http.Request, from, v string, now time.Time) (string, string) {
	p, ok := parsePeerV2(v)
	if !ok || from == "" {
		return "", peerInvalid
	}
	ms, _ := strconv.ParseInt(p.ts, 10, 64) // digits only, at most 15
	if d := now.Sub(time.UnixMilli(ms)); d > peerSigSkew || d < -peerSigSkew {
		return "", peerExpired
	}
	key := s.peerKey("v2")
	// A body of unknown length (chunked) cannot have been signed: the
	// sender signs the length it sends.
	if key == nil || r.ContentLength < 0 || (p.to != "" && p.to != s.cfg.Cluster.ID()) {
		return "", peerInvalid
	}
	client := r.Header.Get(clientAddrHeader)
	if !hmac.Equal(p.mac, p.sum(key, from, client, r.Method, r.URL.RequestURI(), r.ContentLength)) {
		return "", peerInvalid
	}
	// The body is checked as it is read (peerBody). Only the batch of
	// forwarded writes carries a signed body, and its handler reads the
	// whole frame before it runs any item; a handler that acts on a body
	// before its end could act on a substituted one, so no other route
	// believes a signed body.
	if (r.ContentLength == 0) != (p.body == emptyBodySum) || (r.ContentLength > 0 && r.URL.Path != forwardBatchPath) {
		return "", peerInvalid
	}
	var nonce [16]byte
	_, _ = hex.Decode(nonce[:], []byte(p.nonce))
	switch s.peers.nonces.admit(from, nonce, ms, now) {
	case nonceReplayed:
		return "", peerReplayed
	case nonceUnverifiable:
		return "", peerUnverifiable
	}
	if r.ContentLength > 0 {
		want, _ := hex.DecodeString(p.body)
		r.Body = &peerBody{r: r.Body, h: sha256.New(), want: want, mismatch: func() { s.peers.count("v2", peerBodyMismatch) }}
	}
	return client, peerAccepted
}

// errPeerBody ends the read of a signed body whose bytes are not the ones
// signed, in place of its io.EOF.
var errPeerBody = errors.New("the request body does not match its peer signature")

// peerBody hashes a signed body as the handler reads it and fails the read
// that would end it when the hash differs: the body streams, and nothing
// beyond what the handler reads anyway is held. (net/http ends a body at
// its Content-Length, which the signature covers.)
type peerBody struct {
	r        io.ReadCloser
	h        hash.Hash
	want     []byte
	mismatch func()
	failed   bool
}

func (b *peerBody) Read(p []byte) (int, error) {
	if b.failed {
		return 0, errPeerBody
	}
	n, err := b.r.Read(p)
	b.h.Write(p[:n])
	if errors.Is(err, io.EOF) && !hmac.Equal(b.h.Sum(nil), b.want) {
		b.failed = true
		b.mismatch()
		return n, errPeerBody
	}
	return n, err
}

func (b *peerBody) Close() error { return b.r.Close() }

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
