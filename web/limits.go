package web

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/arena"
)

// Limits bound what one client can make this node do. A zero field takes
// its default (DefaultLimits); a negative one switches that limit off.
// docs/API.md ("Limits") lists each with its flag.
//
// Limits that decide what enters the replicated log (queue entries per
// owner, contests per agent at once, answer size) are not here: they live
// in the arena's configuration and are enforced by the state machine, so
// every node decides them the same way.
type Limits struct {
	// FrameBytes is the largest frame an agent may send; a bigger one
	// closes the connection with code 1009 (message too big).
	FrameBytes int64
	// FramesPerSecond and FrameBurst bound the frames one agent connection
	// may send; past them the connection closes with code 1008.
	FramesPerSecond float64
	FrameBurst      int
	// WSConnsPerKey and WSConnsPerIP bound the websockets (agent sessions
	// and spectator streams) open at once per API key and per client
	// address; past them an upgrade is answered 429.
	WSConnsPerKey int
	WSConnsPerIP  int
	// RequestsPerSecondPerKey/RequestBurstPerKey bound the requests made
	// with one key; RequestsPerSecondPerIP/RequestBurstPerIP the requests
	// made without a valid key from one client address. The operator token
	// and the probes (/healthz, /readyz, /metrics) are not limited.
	RequestsPerSecondPerKey float64
	RequestBurstPerKey      int
	RequestsPerSecondPerIP  float64
	RequestBurstPerIP       int
	// SignupsPerHourPerIP/SignupBurstPerIP bound the owners one client
	// address may sign up (POST /v1/owners), on top of its requests: each
	// sign-up is kept for good in the replicated state and receives the
	// ledger's starting grant, so the request rate alone (100/s) let one
	// address create 8 million funded accounts a day. The operator token
	// is not limited.
	SignupsPerHourPerIP float64
	SignupBurstPerIP    int
	// KeyChangesPerHourPerOwner/KeyChangeBurstPerOwner bound one owner's
	// writes that make every node scan every stored key while it applies
	// them (a key rotation, of the owner's or an agent's, and an agent's
	// deletion): at 50 requests a second, one owner kept the apply loop
	// of every node busy in a cluster holding 100,000 keys.
	KeyChangesPerHourPerOwner float64
	KeyChangeBurstPerOwner    int
	// AgentsPerOwner caps one owner's live agents. Every agent is kept in
	// the replicated state, and each one may hold a websocket and a queue
	// ticket, so an owner creating agents without end grew every node's
	// state. Unlike the limits above it is enforced by the state machine
	// (arena.Config.MaxAgentsPerOwner: the leader's value is the one that
	// counts, so give every node the same).
	AgentsPerOwner int
	// TCPConnsPerIP bounds the TCP connections one client address may hold
	// open (enforced by Listener; the excess is closed at accept).
	TCPConnsPerIP int
	// TrustedProxies are the reverse proxies (load balancers) in front of
	// the node. A request whose TCP peer is one is charged to the client
	// its X-Forwarded-For names (the nearest address in it that is not a
	// trusted proxy); any other request to its TCP peer, whatever its
	// header says. Empty: no proxy is trusted.
	TrustedProxies []netip.Prefix
	// Tracked bounds each limiter table (keys or addresses remembered);
	// past it newcomers share one overflow bucket, so many addresses cannot
	// grow memory without bound.
	Tracked int

	// HTTP server timeouts (HTTPServer): the whole request header must
	// arrive within ReadHeaderTimeout (slow-loris), the body within
	// ReadTimeout, a response within WriteTimeout (websockets set their own
	// per-frame deadlines); an idle keep-alive connection is closed after
	// IdleTimeout. MaxHeaderBytes bounds the request header.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
}

// DefaultLimits are generous for real agents, spectators and owners and
// still bound a single abuser.
var DefaultLimits = Limits{
	FrameBytes:              64 << 10,
	FramesPerSecond:         50,
	FrameBurst:              200,
	WSConnsPerKey:           8,
	WSConnsPerIP:            128,
	RequestsPerSecondPerKey: 50,
	RequestBurstPerKey:      200,
	RequestsPerSecondPerIP:  100,
	RequestBurstPerIP:       400,
	SignupsPerHourPerIP:     20,
	SignupBurstPerIP:        20,
	// An owner of 20 agents can delete and re-create them all at once.
	KeyChangesPerHourPerOwner: 60,
	KeyChangeBurstPerOwner:    30,
	AgentsPerOwner:            1000,
	TCPConnsPerIP:             512,
	Tracked:                   65536,
	ReadHeaderTimeout:         10 * time.Second,
	ReadTimeout:               60 * time.Second,
	WriteTimeout:              5 * time.Minute,
	IdleTimeout:               120 * time.Second,
	MaxHeaderBytes:            64 << 10,
}

// withDefaults fills zero fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	pick64 := func(v *int64, def int64) {
		if *v == 0 {
			*v = def
		}
	}
	pick := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	pickF := func(v *float64, def float64) {
		if *v == 0 {
			*v = def
		}
	}
	pickD := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	pick64(&l.FrameBytes, d.FrameBytes)
	pickF(&l.FramesPerSecond, d.FramesPerSecond)
	pick(&l.FrameBurst, d.FrameBurst)
	pick(&l.WSConnsPerKey, d.WSConnsPerKey)
	pick(&l.WSConnsPerIP, d.WSConnsPerIP)
	pickF(&l.RequestsPerSecondPerKey, d.RequestsPerSecondPerKey)
	pick(&l.RequestBurstPerKey, d.RequestBurstPerKey)
	pickF(&l.RequestsPerSecondPerIP, d.RequestsPerSecondPerIP)
	pick(&l.RequestBurstPerIP, d.RequestBurstPerIP)
	pickF(&l.SignupsPerHourPerIP, d.SignupsPerHourPerIP)
	pick(&l.SignupBurstPerIP, d.SignupBurstPerIP)
	pickF(&l.KeyChangesPerHourPerOwner, d.KeyChangesPerHourPerOwner)
	pick(&l.KeyChangeBurstPerOwner, d.KeyChangeBurstPerOwner)
	pick(&l.AgentsPerOwner, d.AgentsPerOwner)
	pick(&l.TCPConnsPerIP, d.TCPConnsPerIP)
	pick(&l.Tracked, d.Tracked)
	pickD(&l.ReadHeaderTimeout, d.ReadHeaderTimeout)
	pickD(&l.ReadTimeout, d.ReadTimeout)
	pickD(&l.WriteTimeout, d.WriteTimeout)
	pickD(&l.IdleTimeout, d.IdleTimeout)
	pick(&l.MaxHeaderBytes, d.MaxHeaderBytes)
	return l
}

// MaxAgentsPerOwner is the cap on an owner's live agents for
// arena.Config.MaxAgentsPerOwner: 0 when off (-1).
func (l Limits) MaxAgentsPerOwner() int {
	return max(l.withDefaults().AgentsPerOwner, 0)
}

// Names of the limits, the label values of arena_limit_exceeded_total.
const (
	limitBodyBytes        = "body_bytes"
	limitFrameBytes       = "frame_bytes"
	limitFramesPerSecond  = "frames_per_second"
	limitWSConnsPerKey    = "ws_conns_per_key"
	limitWSConnsPerIP     = "ws_conns_per_ip"
	limitTCPConnsPerIP    = "tcp_conns_per_ip"
	limitRequestsPerKey   = "requests_per_key"
	limitRequestsPerIP    = "requests_per_ip"
	limitSignupsPerIP     = "signups_per_ip"
	limitKeyChanges       = "key_changes_per_owner"
	limitQueuePerOwner    = arena.LimitQueuePerOwner
	limitContestsPerAgent = arena.LimitContestsPerAgent
	limitAgentsPerOwner   = arena.LimitAgentsPerOwner
	limitAnswerBytes      = "answer_bytes"
)

var limitNames = []string{limitBodyBytes, limitFrameBytes, limitFramesPerSecond, limitWSConnsPerKey,
	limitWSConnsPerIP, limitTCPConnsPerIP, limitRequestsPerKey, limitRequestsPerIP, limitSignupsPerIP, limitKeyChanges, limitQueuePerOwner,
	limitContestsPerAgent, limitAgentsPerOwner, limitAnswerBytes}

// limiters is the server's limit state; every table in it is bounded.
type limiters struct {
	cfg      Limits
	hits     *prometheus.CounterVec
	keyRate  *keyedLimiter
	ipRate   *keyedLimiter
	signups  *keyedLimiter
	keyMoves *keyedLimiter // key changes per owner
	keyConns *connCounter
	ipConns  *connCounter
	tcpConns *connCounter
}

func newLimiters(l Limits, reg prometheus.Registerer) *limiters {
	l = l.withDefaults()
	ls := &limiters{
		cfg: l,
		hits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arena_limit_exceeded_total",
			Help: "Requests, frames and connections refused by a limit, by limit.",
		}, []string{"limit"}),
		keyRate:  newKeyedLimiter(l.RequestsPerSecondPerKey, l.RequestBurstPerKey, l.Tracked, time.Now),
		ipRate:   newKeyedLimiter(l.RequestsPerSecondPerIP, l.RequestBurstPerIP, l.Tracked, time.Now),
		signups:  newKeyedLimiter(perHour(l.SignupsPerHourPerIP), l.SignupBurstPerIP, l.Tracked, time.Now),
		keyMoves: newKeyedLimiter(perHour(l.KeyChangesPerHourPerOwner), l.KeyChangeBurstPerOwner, l.Tracked, time.Now),
		keyConns: newConnCounter(l.WSConnsPerKey),
		ipConns:  newConnCounter(l.WSConnsPerIP),
		tcpConns: newConnCounter(l.TCPConnsPerIP),
	}
	for _, n := range limitNames {
		ls.hits.WithLabelValues(n)
	}
	if reg != nil {
		reg.MustRegister(ls.hits)
	}
	return ls
}

// hit counts one refusal by the named limit.
func (s *Server) limitHit(name string) { s.lim.hits.WithLabelValues(name).Inc() }

// tooMany answers 429 with a Retry-After header (whole seconds, at least 1).
func (s *Server) tooMany(c *gin.Context, limit string, retry time.Duration, format string, args ...any) {
	s.limitHit(limit)
	secs := int64(math.Ceil(retry.Seconds()))
	c.Header("Retry-After", strconv.FormatInt(max(secs, 1), 10))
	s.writeError(c, apperr.New(apperr.RateLimited, format, args...))
}

// isProbe reports routes that monitoring polls; they are never limited.
func isProbe(route string) bool {
	return route == "/healthz" || route == "/readyz" || route == "/metrics"
}

// limitAnonymous charges requests made without a key to the client's
// address. Requests to an API route with an Authorization header are
// charged in authenticate instead: to the key when it resolves, to the
// address when it does not. Unrouted requests (404, 405) never reach
// authenticate, so they are charged here whatever they carry.
func (s *Server) limitAnonymous(c *gin.Context) {
	route := c.FullPath()
	if isProbe(route) || (route != "" && c.GetHeader("Authorization") != "" && strings.HasPrefix(route, "/v1/")) {
		c.Next()
		return
	}
	if s.chargeIP(c) {
		c.Next()
	}
}

// chargeIP takes one request from the client address's bucket, answering
// 429 (and returning false) when it is empty.
func (s *Server) chargeIP(c *gin.Context) bool {
	addr, exempt := s.rateAddr(c)
	if exempt {
		return true
	}
	if d, ok := s.lim.ipRate.take(addr); !ok {
		s.tooMany(c, limitRequestsPerIP, d, "too many requests from your address: the limit is %g per second (burst %d, the operator's --rps-per-ip and --burst-per-ip); retry after the Retry-After header's seconds",
			s.lim.cfg.RequestsPerSecondPerIP, s.lim.cfg.RequestBurstPerIP)
		return false
	}
	return true
}

// chargeKey takes one request from the principal's bucket. The operator
// is not limited: an operator must be able to act while the node is busy.
func (s *Server) chargeKey(c *gin.Context, p agents.Principal) bool {
	if p.Kind == principalOperator {
		return true
	}
	if d, ok := s.lim.keyRate.take(p.Kind + ":" + p.ID); !ok {
		s.tooMany(c, limitRequestsPerKey, d, "too many requests with this key: the limit is %g per second (burst %d, the operator's --rps-per-key and --burst-per-key); retry after the Retry-After header's seconds",
			s.lim.cfg.RequestsPerSecondPerKey, s.lim.cfg.RequestBurstPerKey)
		return false
	}
	return true
}

// perHour turns a rate per hour into one per second, keeping "off" (< 0).
func perHour(n float64) float64 {
	if n < 0 {
		return n
	}
	return n / 3600
}

// chargeSignup takes one sign-up from the client address's allowance
// (the client a member forwarded it for, peer.go), answering 429 when it
// is spent. The operator is not limited.
func (s *Server) chargeSignup(c *gin.Context) bool {
	if p, ok := principal(c); ok && p.Kind == principalOperator {
		return true
	}
	addr, _ := s.rateAddr(c)
	if d, ok := s.lim.signups.take(addr); !ok {
		s.tooMany(c, limitSignupsPerIP, d, "too many sign-ups from your address: the limit is %g owners per hour (burst %d, the operator's --signups-per-hour-per-ip and --signup-burst-per-ip); retry after the Retry-After header's seconds",
			s.lim.cfg.SignupsPerHourPerIP, s.lim.cfg.SignupBurstPerIP)
		return false
	}
	return true
}

// chargeKeyChange takes one key change (a key rotation or an agent's
// deletion) from the owner's allowance, answering 429 when it is spent.
// Callers are owner-only routes.
func (s *Server) chargeKeyChange(c *gin.Context) bool {
	p, _ := principal(c)
	if d, ok := s.lim.keyMoves.take(p.ID); !ok {
		s.tooMany(c, limitKeyChanges, d, "too many key rotations and agent deletions by this owner: the limit is %g per hour (burst %d, the operator's --key-changes-per-hour-per-owner and --key-change-burst-per-owner), since each makes every node scan every stored key; retry after the Retry-After header's seconds",
			s.lim.cfg.KeyChangesPerHourPerOwner, s.lim.cfg.KeyChangeBurstPerOwner)
		return false
	}
	return true
}

// admitWS takes a websocket slot for the client's address and, when the
// request carries a key, for the key. It answers 429 and returns ok=false
// when either is full; otherwise release gives the slots back.
func (s *Server) admitWS(c *gin.Context) (release func(), ok bool) {
	ip := s.clientAddr(c.Request)
	if !s.lim.ipConns.acquire(ip) {
		s.tooMany(c, limitWSConnsPerIP, 5*time.Second, "too many websockets from your address: the limit is %d open at once (the operator's --ws-conns-per-ip; behind a shared proxy, see --trusted-proxies); close one or ask the operator", s.lim.cfg.WSConnsPerIP)
		return nil, false
	}
	p, hasKey := principal(c)
	key := p.Kind + ":" + p.ID
	if hasKey && p.Kind != principalOperator && !s.lim.keyConns.acquire(key) {
		s.lim.ipConns.release(ip)
		s.tooMany(c, limitWSConnsPerKey, 5*time.Second, "too many websockets with this key: the limit is %d open at once (the operator's --ws-conns-per-key); close one or ask the operator", s.lim.cfg.WSConnsPerKey)
		return nil, false
	}
	return func() {
		s.lim.ipConns.release(ip)
		if hasKey && p.Kind != principalOperator {
			s.lim.keyConns.release(key)
		}
	}, true
}

// countStateLimit counts a refusal by a replicated limit (the state
// machine decided it; the web layer only counts and answers it).
func (s *Server) countStateLimit(err error) {
	var le *arena.LimitError
	if errors.As(err, &le) {
		s.limitHit(le.Limit)
	}
}

// clientKey is the limiter key of a peer address: the IP for IPv4, the
// /64 network for IPv6 (one subscriber usually holds a whole /64). It is
// the TCP peer, never X-Forwarded-For, which any client can write.
// clientAddr is the address a request is charged to (clientKey's form):
// its TCP peer's, or, when the peer is a trusted proxy, the nearest address
// in X-Forwarded-For that is not one. Each proxy appends the address it
// took the request from, so the entries right of that address were written
// by trusted proxies and those left of it by whoever sent the request,
// which may have written anything there. A header that cannot be read
// there charges the proxy itself, as without the option.
func (s *Server) clientAddr(r *http.Request) string {
	trusted := s.lim.cfg.TrustedProxies
	if len(trusted) == 0 {
		return clientKey(r.RemoteAddr)
	}
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	peer, ok := hostAddr(r.RemoteAddr)
	if !ok || !isTrusted(peer) {
		return clientKey(r.RemoteAddr)
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if a = a.Unmap(); !isTrusted(a) {
			return clientKey(a.String())
		}
	}
	return clientKey(r.RemoteAddr)
}

// hostAddr is the IP address of a host:port (or a bare host).
func hostAddr(remoteAddr string) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	a, err := netip.ParseAddr(host)
	return a.Unmap(), err == nil
}

func clientKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// describeLimits is a one-line summary for the startup log.
func (l Limits) describe() string {
	l = l.withDefaults()
	return fmt.Sprintf("frame %dB at %g/s, ws %d/key %d/ip, requests %g/s per key %g/s per ip, sign-ups %g/h per ip, tcp %d/ip",
		l.FrameBytes, l.FramesPerSecond, l.WSConnsPerKey, l.WSConnsPerIP,
		l.RequestsPerSecondPerKey, l.RequestsPerSecondPerIP, l.SignupsPerHourPerIP, l.TCPConnsPerIP)
}
