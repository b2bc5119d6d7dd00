package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/agentarena/arena/agents/secrets"
	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/runner"
	"github.com/agentarena/arena/internal/egress"
)

func jsonMarshal(v any) (json.RawMessage, error) { return json.Marshal(v) }

// Node is every concern at once: what one cluster member serves. It is
// only a convenience for filling Config (Config.Node); handlers use the
// per-concern interfaces of services.go.
type Node interface {
	Cluster
	Accounts
	Contests
	Ledger
	Preferences
}

// Runner is the contest runner's face to agent sessions.
type Runner interface {
	Attach(agentID string, conn runner.AgentConn) (detach func())
	Disconnect(agentID, reason string)
	// Deliveries lists the webhook calls this node made to an agent.
	Deliveries(agentID string) []api.Delivery
}

var _ Node = (*arena.Node)(nil)

// Config configures the HTTP server.
type Config struct {
	// The node's services, one per concern (services.go).
	Cluster     Cluster
	Accounts    Accounts
	Contests    Contests
	Ledger      Ledger
	Preferences Preferences
	// Node, when set, serves every concern whose field above is nil: the
	// usual case of one process, one node.
	Node   Node
	Logger *slog.Logger
	// Gatherer serves /metrics; Registerer receives the HTTP metrics.
	Gatherer   prometheus.Gatherer
	Registerer prometheus.Registerer
	// MaxBodyBytes bounds every request body (default 1 MiB).
	MaxBodyBytes int64
	// Sealer encrypts model-endpoint API keys before they are replicated
	// (nil: such keys are refused).
	Sealer *secrets.Sealer
	// SecretsKey returns the cluster's secrets key (hex), handed to nodes
	// that join with the operator token so they can open sealed values.
	SecretsKey func() string
	// Runner receives agent sessions (nil: agents cannot connect here).
	Runner Runner
	// ForwardClient carries forwarded writes, read-index and progress
	// requests to other members (default: forwardTransport).
	ForwardClient *http.Client
	// ForwardTimeout bounds a forwarded write (default: ForwardClient's
	// Timeout when set, else 10 s). A change of leader ends it sooner.
	ForwardTimeout time.Duration
	// LeaderWait is how long a write sent to a follower that knows no
	// leader able to take it waits for the next one (default 3 s, at most
	// ForwardTimeout); until then it is not answered 421.
	LeaderWait time.Duration
	// ReadyMaxLag is how many entries a follower's applied index may trail
	// the leader's commit index and still be ready; a non-voter within it
	// is promoted (default 1000).
	ReadyMaxLag uint64
	// ProgressInterval is how often each member's progress is polled
	// (default 500 ms).
	ProgressInterval time.Duration
	// StreamBuffer is how many frames a spectator may lag before it is
	// dropped (default 256).
	StreamBuffer int
	// WriteTimeout bounds each websocket write (default 10 s): a peer that
	// stops reading is cut off after it.
	WriteTimeout time.Duration
	// RequestTimeout bounds how long one write or linearizable read may wait
	// on Raft (default 10 s).
	RequestTimeout time.Duration
	// Limits bound frames, rates and connections per client (limits.go).
	Limits Limits
	// AllowedOrigins are other origins ("https://ui.example.com") whose
	// pages may open websockets and send writes here (origin.go); this
	// node's own origin is always allowed.
	AllowedOrigins []string
	// Pprof serves Go's profiles at /debug/pprof/ to the operator
	// (pprof.go); off by default.
	Pprof bool
	// AgentEgress is the operator's --agent-egress: under the zero value,
	// egress.Public, an agent whose webhook_url or endpoint.base_url host
	// is a loopback, private or link-local address (or localhost) is
	// refused when created or changed (agents.go). The runner's calls
	// check every address again when they dial.
	AgentEgress egress.Policy
	// Judges names the judges this node's runner can run ("rubric"
	// always; "ai" and "ai-pairwise" with a model server). When set, an
	// arena naming another is refused (arenaJudgesRunnable); nil: not
	// checked (a server without a runner).
	Judges []string
}

// fillServices lets Node serve the concerns not given one by one.
func (cfg *Config) fillServices() {
	if cfg.Node == nil {
		return
	}
	if cfg.Cluster == nil {
		cfg.Cluster = cfg.Node
	}
	if cfg.Accounts == nil {
		cfg.Accounts = cfg.Node
	}
	if cfg.Contests == nil {
		cfg.Contests = cfg.Node
	}
	if cfg.Ledger == nil {
		cfg.Ledger = cfg.Node
	}
	if cfg.Preferences == nil {
		cfg.Preferences = cfg.Node
	}
}

// Server is the HTTP face of one node.
type Server struct {
	cfg     Config
	log     *slog.Logger
	engine  *gin.Engine
	hub     *Hub
	reqs    *prometheus.CounterVec
	latency *prometheus.HistogramVec
	lim     *limiters
	origins *originPolicy

	progressBook progressBook
	// olderWarned is when raiseLevel last logged each member that runs a
	// release older than the cluster's level (once a minute, not per poll).
	olderWarned map[string]time.Time
	draining    atomic.Bool
	// fwd batches the writes this node forwards to the leader
	// (forward_batch.go).
	fwd forwarder
	// peers checks the signatures of requests from other nodes (peer.go).
	peers peerGuard
	// wsWriteBufs lends websocket connections their write buffers (wsconn.go).
	wsWriteBufs sync.Pool
	// streamBufs lends spectator streams their batch buffers (streamcork.go).
	streamBufs sync.Pool
	// conns is the agent sockets this node holds (connection.go).
	conns connBook
	// ratings caches each arena's Bradley–Terry table and win rates
	// (ratings_cache.go).
	ratings ratingsCache
	// run is Run's context while it runs, and bg the work it started off
	// a request (spawn), which Run waits for before it returns.
	runMu sync.Mutex
	run   context.Context
	bg    sync.WaitGroup
}

// New builds the router.
func New(cfg Config) *Server {
	cfg.fillServices()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.ForwardTimeout <= 0 {
		cfg.ForwardTimeout = 10 * time.Second
		if cfg.ForwardClient != nil && cfg.ForwardClient.Timeout > 0 {
			cfg.ForwardTimeout = cfg.ForwardClient.Timeout
		}
	}
	if cfg.ForwardClient == nil {
		// No client-wide timeout: each use sets its own through its context.
		cfg.ForwardClient = &http.Client{Transport: forwardTransport()}
	}
	if cfg.ReadyMaxLag == 0 {
		cfg.ReadyMaxLag = 1000
	}
	if cfg.ProgressInterval <= 0 {
		cfg.ProgressInterval = 500 * time.Millisecond
	}
	if cfg.StreamBuffer <= 0 {
		cfg.StreamBuffer = 256
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = writeWait
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 10 * time.Second
	}
	gin.SetMode(gin.ReleaseMode)
	s := &Server{cfg: cfg, log: cfg.Logger.With("component", "web")}
	s.reqs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "arena_http_requests_total", Help: "HTTP requests by route, method and status.",
	}, []string{"route", "method", "status"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "arena_http_request_seconds", Help: "HTTP request latency by route.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
	}, []string{"route"})
	if cfg.Registerer != nil {
		cfg.Registerer.MustRegister(s.reqs, s.latency)
	}
	s.lim = newLimiters(cfg.Limits, cfg.Registerer)
	s.peers.register(cfg.Registerer)
	var err error
	if s.origins, err = newOriginPolicy(cfg.AllowedOrigins); err != nil {
		panic("web: AllowedOrigins: " + err.Error()) // a configuration error, checked by ValidateOrigins first
	}
	s.hub = NewHub(cfg.Contests.Bus())
	s.registerWSGauges(cfg.Registerer)
	s.engine = s.routes()
	return s
}

// Run feeds the spectator hub and polls the members' progress (for
// readiness and promotion, progress.go) until ctx ends.
func (s *Server) Run(ctx context.Context) {
	s.runMu.Lock()
	s.run = ctx
	s.runMu.Unlock()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); s.pollProgress(ctx) }()
	s.hub.Run(ctx)
	wg.Wait()
	s.runMu.Lock()
	s.run = nil
	s.runMu.Unlock()
	s.bg.Wait()
}

// running reports whether Run is running (and not stopping).
func (s *Server) running() bool {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	return s.run != nil && s.run.Err() == nil
}

// runContext is Run's context, or a background one when Run is not
// running (a server in a test that only serves requests).
func (s *Server) runContext() context.Context {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.run == nil {
		return context.Background()
	}
	return s.run
}

// spawn runs fn with Run's context in a goroutine that Run waits for, and
// reports false, running nothing, when Run is not running.
func (s *Server) spawn(fn func(ctx context.Context)) bool {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.run == nil || s.run.Err() != nil {
		return false
	}
	ctx := s.run
	s.bg.Go(func() { fn(ctx) })
	return true
}

// Handler returns the root handler.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// serveHTTP answers HEAD as GET without the body (net/http drops what the
// handler writes for a HEAD request), since load balancers and uptime
// checks probe with HEAD; gin would refuse it with 405. Streams and the
// agent socket keep refusing it: they never finish a body to measure.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodHead && !isStreamPath(r.URL.Path) {
		get := *r
		get.Method = http.MethodGet
		r = &get
	}
	s.engine.ServeHTTP(w, r)
}

// isStreamPath matches the stream routes exactly: /v1/contests/{id}/stream,
// /v1/arenas/{name}/live and /v1/agents/connect. A suffix test also caught
// an arena named "live" or "stream" (/v1/arenas/stream, /arenas/live).
func isStreamPath(p string) bool {
	seg := strings.Split(strings.Trim(p, "/"), "/")
	switch {
	case len(seg) == 4 && seg[0] == "v1" && seg[1] == "contests" && seg[3] == "stream":
	case len(seg) == 4 && seg[0] == "v1" && seg[1] == "arenas" && seg[3] == "live":
	case len(seg) == 3 && seg[0] == "v1" && seg[1] == "agents" && seg[2] == "connect":
	default:
		return false
	}
	return true
}

// Routes lists every route's method and path (the authorization matrix
// test walks it, so a route without an entry there fails).
func (s *Server) Routes() gin.RoutesInfo { return s.engine.Routes() }

func (s *Server) routes() *gin.Engine {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.Use(s.recover, s.accessLog, securityHeaders, s.crossOrigin, s.limitAnonymous, s.singleQueryValues)
	r.NoRoute(func(c *gin.Context) {
		if s.pageNotFound(c) {
			return
		}
		s.writeError(c, apperr.New(apperr.NotFound, "no route for %s %s", c.Request.Method, c.Request.URL.Path))
	})
	r.NoMethod(func(c *gin.Context) {
		c.AbortWithStatusJSON(http.StatusMethodNotAllowed, ErrorBody{Error: ErrorDetail{Code: apperr.Invalid,
			Message: "method " + truncate(c.Request.Method, 32) + " is not allowed on " + echo(c.Request.URL.Path)}})
	})

	r.GET("/", s.home)
	s.uiRoutes(r) // spectator pages and their assets (ui.go)
	r.GET("/healthz", s.healthz)
	r.GET("/livez", s.healthz)
	r.GET("/readyz", s.readyz)
	if s.cfg.Gatherer != nil {
		r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.cfg.Gatherer, promhttp.HandlerOpts{})))
	}

	// A follower's batched writes (forward_batch.go): outside the group,
	// whose middleware each forwarded item runs through on its own.
	r.POST(forwardBatchPath, s.forwardBatch)
	v1 := r.Group("/v1", s.forwardWrites, s.consistency, s.authenticate)
	v1.POST("/owners", s.createOwner)
	v1.GET("/owners/me", s.requireOwner, s.me)
	v1.POST("/owners/me/key", s.requireOwner, s.rotateOwnerKey)
	v1.GET("/owners/:id", s.requireAuth, s.getOwner)
	v1.GET("/owners/:id/balance", s.balance)
	v1.GET("/owners/:id/transfers", s.knownParams("limit", "cursor"), s.transfers)
	v1.GET("/owners/:id/connections", s.requireAuth, s.knownParams("limit", "cursor"), s.ownerConnections)
	v1.GET("/owners/:id/ratings", s.knownParams("limit", "cursor"), s.ownerRatings)
	v1.GET("/ledger/audit", s.requireOperator, s.audit)
	v1.GET("/preferences", s.requireReader, s.preferences)
	v1.POST("/trainers", s.requireOperator, s.createTrainer)
	v1.POST("/ledger/grants", s.requireOperator, s.grant("grant"))
	v1.POST("/ledger/adjustments", s.requireOperator, s.grant("adjust"))
	v1.GET("/ledger/settings", s.requireOperator, s.getLedgerSettings)
	v1.PUT("/ledger/settings", s.requireOperator, s.ledgerSettings)

	v1.POST("/agents", s.requireOwner, s.createAgent)
	v1.GET("/agents", s.knownParams("owner", "limit", "cursor"), s.listAgents)
	v1.GET("/agents/:id", s.getAgent)
	v1.PATCH("/agents/:id", s.requireOwner, s.updateAgent)
	v1.DELETE("/agents/:id", s.requireOwner, s.deleteAgent)

	v1.GET("/agents/connect", s.agentConnect)
	v1.POST("/agents/:id/queue", s.requireOwner, s.queueAgent)
	v1.GET("/agents/:id/ratings", s.knownParams("arena", "limit"), s.ratingHistory)
	v1.POST("/agents/:id/key", s.requireOwner, s.rotateAgentKey)
	v1.POST("/agents/:id/webhook-secret", s.requireOwner, s.rotateWebhookSecret)
	v1.GET("/agents/:id/connection", s.requireAuth, s.agentConnectionRoute)
	v1.GET("/agents/:id/deliveries", s.requireAuth, s.unpaged("every call the leader keeps"), s.deliveries)
	v1.DELETE("/agents/:id/queue/:arena", s.requireOwner, s.unqueueAgent)

	v1.GET("/arenas", s.unpaged("every arena"), s.listArenas)
	v1.GET("/arenas/:name", s.getArena)
	v1.PUT("/arenas/:name", s.requireOperator, s.putArena)
	v1.DELETE("/arenas/:name", s.requireOperator, s.deleteArena)
	v1.GET("/arenas/:name/leaderboard", s.unpaged("every rated agent"), s.leaderboard)
	v1.GET("/arenas/:name/live", s.arenaLive)
	v1.GET("/arenas/:name/winrates", s.unpaged("every pair of agents"), s.knownParams("agents", "limit", "cursor"), s.winRates)
	v1.GET("/arenas/:name/prompts", s.unpaged("the whole task set"), s.prompts)

	v1.GET("/contests", s.knownParams("arena", "agent", "status", "limit", "cursor"), s.listContests)
	v1.GET("/contests/:id", s.getContest)
	v1.GET("/contests/:id/stream", s.contestStream)
	v1.GET("/contests/:id/verdict", s.verdict)
	v1.GET("/contests/:id/payouts", s.unpaged("every payout of the contest"), s.contestPayouts)
	v1.POST("/contests/:id/abort", s.requireOperator, s.abortContest)

	v1.GET("/cluster", s.cluster)
	v1.GET("/cluster/read-index", s.readIndex)
	v1.GET("/cluster/progress", s.progress)
	v1.POST("/cluster/join", s.requireOperator, s.join)
	v1.DELETE("/cluster/nodes/:id", s.requireOperator, s.removeNode)
	v1.POST("/cluster/operator-token", s.requireOperator, s.rotateOperatorToken)
	v1.GET("/cluster/snapshot", s.requireOperator, s.snapshot)
	s.uiAPIRoutes(v1) // read-only helpers for the pages (ui_api.go)
	if s.cfg.Pprof {
		s.pprofRoutes(r)
	}
	return r
}

func (s *Server) recover(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic serving request", "method", c.Request.Method, "path", c.Request.URL.Path, "panic", v)
			s.writeError(c, apperr.New(apperr.Internal, "internal error"))
		}
	}()
	c.Next()
}

// accessLog logs method, route and status only: never headers or query
// strings, which is where credentials could travel.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	d := time.Since(start)
	s.reqs.WithLabelValues(route, methodLabel(c.Request.Method), http.StatusText(status)).Inc()
	s.latency.WithLabelValues(route).Observe(d.Seconds())
	if route == "/healthz" || route == "/livez" || route == "/readyz" || route == "/metrics" || route == "/v1/cluster/progress" {
		return
	}
	s.log.Debug("request", "method", c.Request.Method, "route", route, "status", status,
		"ms", d.Milliseconds(), "forwarded", c.GetHeader(forwardedHeader) != "")
}

// methodLabel is a request's method as a metric label: a method HTTP
// defines, else "other". The method is whatever token the client sends
// ("FOO1", 500 characters of anything), and each one became a series of
// arena_http_requests_total for good: one address made 2,583 of them in
// 22 s, taking /metrics from 31 KB to 1.8 MB.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// writeCtx bounds how long a handler waits on Raft.
func (s *Server) writeCtx(c *gin.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.Request.Context(), s.cfg.RequestTimeout)
}

// securityHeaders makes browsers refuse inline or foreign script, framing
// and content sniffing on every response; pages are served from this node
// only and need nothing else.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	c.Next()
}
