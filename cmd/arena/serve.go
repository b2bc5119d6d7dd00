package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/agents/bots"
	"github.com/agentarena/arena/agents/secrets"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/boot"
	"github.com/agentarena/arena/arena/runner"
	"github.com/agentarena/arena/internal/egress"
	"github.com/agentarena/arena/judges"
	"github.com/agentarena/arena/judges/aijudge"
	"github.com/agentarena/arena/llm"
	"github.com/agentarena/arena/web"
)

// Main is one node process: flags in, node and HTTP server up, closed on
// signal. Tests run it end to end on port 0 with a temp dir.
type Main struct {
	NodeID        string
	HTTPAddr      string
	HTTPAdvertise string
	RaftAddr      string
	RaftAdvertise string
	DataDir       string
	Join          string
	OperatorToken string
	// SecretsKey (hex, 32 bytes) seals model-endpoint API keys at rest;
	// every node of a cluster needs the same one. A bootstrapping node
	// generates it into the data dir; a joining node receives it with the
	// (operator-authenticated) join answer.
	SecretsKey string
	LogLevel   string
	// AI judge endpoint (OpenAI-compatible); when set, arenas may name the
	// judges "ai" and "ai-pairwise".
	JudgeBaseURL string
	JudgeModel   string
	JudgeAPIKey  string
	// Judging bounds one judging try and a contest's wait for its
	// verdict (judgeflags.go).
	Judging      JudgeTuning
	MaxBodyBytes int64
	// Limits bound frames, rates, connections and HTTP timeouts per client
	// (zero fields: web.DefaultLimits); AllowedOrigins admits pages served
	// from other origins.
	Limits         web.Limits
	AllowedOrigins []string
	// Raft tunes snapshots and log compaction (raftflags.go).
	Raft RaftTuning
	// NoBots leaves the built-in bots out (they are on by default so a
	// fresh node is lively).
	NoBots bool
	// Pprof serves /debug/pprof/ to the operator (web.Config.Pprof).
	Pprof bool
	// BotDelay paces built-in bots so spectators can follow their games.
	BotDelay time.Duration
	// HouseFloor is the balance the leader keeps the built-in bots'
	// wallet at (runner.Config.HouseFloor); 0: never topped up.
	HouseFloor int64
	// ShutdownTimeout bounds a graceful stop (SIGTERM) from start to exit;
	// past it the process exits non-zero and says which step hung.
	ShutdownTimeout time.Duration
	// ForwardTimeout bounds a write a follower forwards to the leader.
	ForwardTimeout time.Duration
	// ReadyMaxLag is how many entries behind the leader's commit index
	// /readyz still passes, and within which a non-voter is promoted.
	ReadyMaxLag uint64
	// ReadReplica joins (or re-joins) as a non-voter that is never
	// promoted: a read replica for spectators.
	ReadReplica bool
	// AgentEgress says which addresses the arena calls for agents'
	// webhooks and model endpoints: egress.Public (the default) keeps
	// owners' URLs off this machine and its private network.
	AgentEgress egress.Policy

	// Stdout receives the one-time operator token and the URL banner.
	Stdout io.Writer
	// LogOutput receives structured logs (default stderr).
	LogOutput io.Writer
	// FastTimeouts shortens Raft timeouts (tests).
	FastTimeouts bool

	Node     *arena.Node
	Runner   *runner.Runner
	secrets  *boot.SecretsKey
	listener net.Listener
	server   *http.Server
	web      *web.Server
	log      *slog.Logger
	cancel   context.CancelFunc
	bg       sync.WaitGroup
	// judgeClient is the AI judge's client, checked once after start
	// (judgecheck.go); nil without --judge-base-url.
	judgeClient *llm.Client
	// URL is the advertised HTTP base URL once Run returns.
	URL string
}

// NewMain returns a Main with defaults.
func NewMain() *Main {
	return &Main{Stdout: os.Stdout, LogOutput: os.Stderr}
}

// ParseFlags reads flags, falling back to ARENA_* environment variables.
func (m *Main) ParseFlags(args []string, getenv func(string) string) error {
	fs := flag.NewFlagSet("arena serve", flag.ContinueOnError)
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&m.NodeID, "node-id", env("ARENA_NODE_ID", ""), "node id (default: the one stored in the data dir, else node1) [ARENA_NODE_ID]")
	fs.StringVar(&m.HTTPAddr, "http-addr", env("ARENA_HTTP_ADDR", ":8080"), "HTTP listen address [ARENA_HTTP_ADDR]")
	fs.StringVar(&m.HTTPAdvertise, "http-advertise", env("ARENA_HTTP_ADVERTISE", ""), "HTTP base URL peers use to reach this node (default from --http-addr) [ARENA_HTTP_ADVERTISE]")
	fs.StringVar(&m.RaftAddr, "raft-addr", env("ARENA_RAFT_ADDR", "127.0.0.1:7000"), "Raft TCP listen address [ARENA_RAFT_ADDR]")
	fs.StringVar(&m.RaftAdvertise, "raft-advertise", env("ARENA_RAFT_ADVERTISE", ""), "Raft address peers dial (default --raft-addr) [ARENA_RAFT_ADVERTISE]")
	fs.StringVar(&m.DataDir, "data-dir", env("ARENA_DATA_DIR", "./data"), "directory for state, Raft log and snapshots [ARENA_DATA_DIR]")
	fs.StringVar(&m.Join, "join", env("ARENA_JOIN", ""), "HTTP URL of any cluster member to join [ARENA_JOIN]")
	// Secrets are registered with an empty default and then given the
	// variable's value, so -h never prints them as a "default".
	fs.StringVar(&m.OperatorToken, "operator-token", "", "operator token (default: generated into the data dir on first start) [ARENA_OPERATOR_TOKEN]")
	m.OperatorToken = getenv("ARENA_OPERATOR_TOKEN")
	fs.StringVar(&m.SecretsKey, "secrets-key", "", "64 hex chars sealing model API keys at rest (default: generated into the data dir, or received when joining) [ARENA_SECRETS_KEY]")
	m.SecretsKey = getenv("ARENA_SECRETS_KEY")
	fs.StringVar(&m.JudgeBaseURL, "judge-base-url", env("ARENA_JUDGE_BASE_URL", ""), "OpenAI-compatible API root for the AI judge, e.g. http://localhost:11434/v1 [ARENA_JUDGE_BASE_URL]")
	fs.StringVar(&m.JudgeModel, "judge-model", env("ARENA_JUDGE_MODEL", ""), "model name for the AI judge [ARENA_JUDGE_MODEL]")
	fs.StringVar(&m.JudgeAPIKey, "judge-api-key", "", "API key for the AI judge [ARENA_JUDGE_API_KEY]")
	m.JudgeAPIKey = getenv("ARENA_JUDGE_API_KEY")
	fs.StringVar(&m.LogLevel, "log-level", env("ARENA_LOG_LEVEL", "info"), "debug, info, warn or error [ARENA_LOG_LEVEL]")
	fs.BoolVar(&m.Pprof, "pprof", env("ARENA_PPROF", "") == "true", "serve Go's profiles at /debug/pprof/ to the operator token [ARENA_PPROF=true]")
	fs.BoolVar(&m.NoBots, "no-bots", env("ARENA_NO_BOTS", "") == "true", "do not run the built-in bots [ARENA_NO_BOTS=true]")
	botDelay := env("ARENA_BOT_DELAY", "300ms")
	fs.Func("bot-delay", "pause before each built-in bot move, so games can be watched (default 300ms) [ARENA_BOT_DELAY]", func(s string) error {
		botDelay = s
		return nil
	})
	houseFloor := env("ARENA_HOUSE_FLOOR", "100000")
	fs.Func("house-floor", "balance in minor units the leader keeps the built-in bots' wallet (ow_house) at, granting what they lost to other agents once it falls below; 0: never (default 100000, the default starting grant) [ARENA_HOUSE_FLOOR]", func(s string) error {
		houseFloor = s
		return nil
	})
	agentEgress := env("ARENA_AGENT_EGRESS", "public")
	fs.Func("agent-egress", "which addresses the arena calls for webhook and model-endpoint agents: public (default; not loopback, private, link-local or metadata addresses) or any (dev clusters, agents on your own network) [ARENA_AGENT_EGRESS]", func(s string) error {
		agentEgress = s
		return nil
	})
	maxBody := env("ARENA_MAX_BODY_BYTES", "1048576")
	fs.Func("max-body-bytes", "largest accepted request body (default 1048576) [ARENA_MAX_BODY_BYTES]", func(s string) error {
		maxBody = s
		return nil
	})
	if err := m.Limits.RegisterFlags(fs, env, &m.AllowedOrigins); err != nil {
		return err
	}
	if err := m.Raft.registerFlags(fs, env); err != nil {
		return err
	}
	if err := m.Judging.registerFlags(fs, env); err != nil {
		return err
	}
	if err := m.registerOpsFlags(fs, env); err != nil {
		return err
	}
	// A mistyped flag is answered with the mistake, not with the ninety
	// lines of every flag above it; -h prints those.
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(m.usageOut())
			fmt.Fprintln(m.usageOut(), "usage: arena serve [flags]   (every flag also reads the ARENA_* variable named after it)")
			fs.PrintDefaults()
			return err
		}
		return fmt.Errorf("%w ('arena serve -h' lists the flags)", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if _, err := fmt.Sscan(maxBody, &m.MaxBodyBytes); err != nil || m.MaxBodyBytes <= 0 {
		return fmt.Errorf("max-body-bytes must be a positive integer, got %q", maxBody)
	}
	policy, err := egress.Parse(agentEgress)
	if err != nil {
		return err
	}
	m.AgentEgress = policy
	d, err := time.ParseDuration(botDelay)
	if err != nil || d < 0 {
		return fmt.Errorf("bot-delay must be a duration such as 300ms, got %q", botDelay)
	}
	m.BotDelay = d
	if m.HouseFloor, err = strconv.ParseInt(houseFloor, 10, 64); err != nil || m.HouseFloor < 0 {
		return fmt.Errorf("house-floor must be a whole number of minor units, 0 or more, got %q", houseFloor)
	}
	return nil
}

// usageOut is where -h prints the flags.
func (m *Main) usageOut() io.Writer {
	if m.LogOutput != nil {
		return m.LogOutput
	}
	return os.Stderr
}

// Run starts the node and the HTTP server and, with --join, joins the
// cluster. It returns once the node is serving.
func (m *Main) Run(ctx context.Context) error {
	if m.ReadReplica && m.Join == "" {
		// Without --join the node bootstraps a cluster of its own, as a
		// voter: the flag would be silently ignored.
		return errors.New("--read-replica needs --join: a read replica joins an existing cluster")
	}
	if err := m.checkAddrs(); err != nil {
		return err
	}
	// What the flags alone decide is checked before the data dir is
	// touched: a mistyped --log-level or judge setting must not leave a
	// data dir pinned to a node id, or a freshly bootstrapped cluster.
	logger, err := m.logger()
	if err != nil {
		return err
	}
	judgeSet, err := m.judges(logger)
	if err != nil {
		return err
	}
	m.log = logger
	if m.SecretsKey != "" {
		if err := new(secrets.Sealer).SetKey(m.SecretsKey); err != nil {
			return fmt.Errorf("--secrets-key: %w", err)
		}
	}
	// Listening first: a port in use is refused before a first start
	// pins the data dir to a node id and generates a token and a key.
	m.listener, err = net.Listen("tcp", m.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", m.HTTPAddr, err)
	}
	if err := os.MkdirAll(m.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	if m.NodeID, err = boot.NodeID(m.DataDir, m.NodeID); err != nil {
		return err
	}
	joining := m.Join != ""
	var joinClusterID string // the cluster an empty data dir joins (boot.CheckEmptyVoter)
	if m.OperatorToken, err = boot.OperatorToken(m.DataDir, m.OperatorToken, joining, m.Stdout); err != nil {
		return err
	}
	if m.secrets, err = boot.LoadSecretsKey(m.DataDir, m.SecretsKey, joining); err != nil {
		return err
	}
	m.SecretsKey = m.secrets.Key()
	m.URL = m.HTTPAdvertise
	if m.URL == "" {
		m.URL = advertiseURL(m.listener.Addr().(*net.TCPAddr))
	}
	m.URL = strings.TrimRight(m.URL, "/")
	if joining && !joinsItself(m.Join, m.URL, m.listener.Addr().(*net.TCPAddr)) {
		// Before Raft starts: an empty voter would grant its vote at once.
		if empty, err := emptyDataDir(m.DataDir); err != nil {
			return err
		} else if empty {
			adv := cmp.Or(m.RaftAdvertise, m.RaftAddr)
			if joinClusterID, err = boot.CheckEmptyVoter(ctx, boot.JoinConfig{Via: m.Join, NodeID: m.NodeID, RaftAddr: adv, HTTPAddr: m.URL,
				AttemptTimeout: 2 * time.Second, Logger: logger}); err != nil {
				if ctx.Err() != nil {
					return fmt.Errorf("stopped while joining through %s, before this node became a member (%v)", m.Join, err)
				}
				return err
			}
		}
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.Node, err = arena.Open(arena.Config{
		NodeID: m.NodeID, DataDir: m.DataDir, RaftBind: m.RaftAddr, RaftAdvertise: m.RaftAdvertise,
		HTTPAddr: m.URL, Bootstrap: !joining, JoinClusterID: joinClusterID, FastTimeouts: m.FastTimeouts,
		OperatorTokenHash: agents.HashKey(m.OperatorToken), Logger: logger, RaftLogLevel: hclog.Warn, Registerer: reg,
		SnapshotThreshold: m.Raft.SnapshotThreshold, SnapshotInterval: m.Raft.SnapshotInterval, TrailingLogs: m.Raft.TrailingLogs,
		RaftTimeout: m.Raft.Timeout, RaftLog: m.Raft.Log, StateSync: m.Raft.StateSync,
		MaxAgentsPerOwner: m.Limits.MaxAgentsPerOwner(),
	})
	if err != nil {
		return err
	}
	var botList []runner.Bot
	if !m.NoBots {
		for _, b := range bots.All(uint64(time.Now().UnixNano())) {
			botList = append(botList, b)
		}
	}
	if m.AgentEgress == egress.Any {
		logger.Warn("--agent-egress=any: webhook and model-endpoint agents may be called on this machine's loopback and private network; use it only where every owner is trusted")
	}
	m.Runner = runner.New(runner.Config{Node: m.Node, Bots: botList, BotDelay: m.BotDelay, HouseFloor: m.HouseFloor, Reference: bots.ReferenceAnswer,
		Judges: judgeSet, JudgeTimeout: m.Judging.Timeout, JudgeGiveUpAfter: m.Judging.GiveUpAfter, JudgeGiveUpPermanentAfter: m.Judging.GiveUpPermanentAfter,
		Logger: logger, SeedDefaults: true, Sealer: m.secrets.Sealer(), Registerer: reg, AgentEgress: m.AgentEgress})
	srv := web.New(web.Config{
		Cluster: m.Node, Accounts: m.Node, Contests: m.Node, Ledger: m.Node, Preferences: m.Node,
		Runner: m.Runner, Logger: logger, Gatherer: reg, Registerer: reg,
		MaxBodyBytes: m.MaxBodyBytes, Sealer: m.secrets.Sealer(), SecretsKey: m.secrets.Key,
		Limits: m.Limits, AllowedOrigins: m.AllowedOrigins,
		ForwardTimeout: m.ForwardTimeout, LeaderWait: leaderWait(m.Raft.Timeout), ReadyMaxLag: m.ReadyMaxLag, Pprof: m.Pprof,
		AgentEgress: m.AgentEgress, Judges: slices.Sorted(maps.Keys(judgeSet))})
	bgCtx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	m.bg.Add(2)
	go func() { defer m.bg.Done(); m.Runner.Run(bgCtx) }()
	go func() { defer m.bg.Done(); srv.Run(bgCtx) }()
	if m.judgeClient != nil {
		m.bg.Add(1)
		go func() { defer m.bg.Done(); m.checkJudge(bgCtx, m.judgeClient, logger) }()
	}
	m.web = srv
	m.server = srv.HTTPServer()    // read/write/idle timeouts from m.Limits
	ln := srv.Listener(m.listener) // TCP connections per client address
	go func() {
		if err := m.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("http server stopped", "err", err)
		}
	}()
	if joining {
		// A member restarted with its usual --join is a member already:
		// the join only refreshes its metadata, and the node it names may
		// be the one that is down. Failing then would take a second
		// member out of a cluster that has just lost one.
		addr, member := m.Node.ConfiguredAddress()
		member = member && addr == m.Node.RaftAddr()
		if joinsItself(m.Join, m.URL, m.listener.Addr().(*net.TCPAddr)) {
			// Asked through itself, a node that knows no leader answers
			// "no leader" until the join gives up a minute later.
			if !member {
				return fmt.Errorf("--join %s is this node's own HTTP address: a node joins through a running member of the cluster, so give another member's URL "+
					"(to start a new cluster instead, leave --join out)", m.Join)
			}
			logger.Warn("--join names this node itself; it is a member already and serves as the stored configuration lists it (name another member to refresh its metadata)", "join", m.Join)
			joining = false
		}
	}
	if joining {
		addr, member := m.Node.ConfiguredAddress()
		member = member && addr == m.Node.RaftAddr()
		patience := time.Duration(0) // boot.Join's default: a new node waits out an election
		if member {
			patience = memberJoinPatience
		}
		jc := boot.JoinConfig{Via: m.Join, OperatorToken: m.OperatorToken,
			NodeID: m.NodeID, RaftAddr: m.Node.RaftAddr(), HTTPAddr: m.URL, Secrets: m.secrets, Logger: logger,
			ReadReplica: m.ReadReplica, CommandLevel: arena.CommandLevel, Patience: patience}
		if err := boot.CheckHeldState(ctx, jc, m.DataDir, m.Node.Progress().LastLogIndex, m.Node.ClusterID()); err != nil {
			return err
		}
		err := boot.Join(ctx, jc)
		switch {
		case err != nil && member:
			logger.Warn("could not refresh this member's metadata through --join; serving as the member the stored configuration lists",
				"join", m.Join, "err", err)
		case err != nil && ctx.Err() != nil:
			// SIGTERM or Ctrl-C while the join was retrying: say that,
			// not "context canceled".
			return fmt.Errorf("stopped while joining through %s, before this node became a member (the last answer: %v)", m.Join, err)
		case err != nil:
			return err
		default:
			m.SecretsKey = m.secrets.Key()
		}
	}
	if h := m.Node.OperatorTokenHash(); h != "" && h != agents.HashKey(m.OperatorToken) {
		// Only joins use the node's own token; the cluster accepts the one
		// it was started with. Say so now rather than at the next join.
		logger.Warn("the operator token this node was started with is not the cluster's: operator requests and joins with it are refused (401); start it with the cluster's token (--operator-token or ARENA_OPERATOR_TOKEN)")
	}
	fmt.Fprintf(m.Stdout, "Agent Arena node %s serving %s/ (raft %s, data %s)\n", m.NodeID, m.URL, m.Node.RaftAddr(), m.DataDir)
	return nil
}

// emptyDataDir reports a data dir that holds neither a Raft log store nor
// a state file: a new node's, or a member's whose disk was lost.
func emptyDataDir(dir string) (bool, error) {
	kind, err := arena.RaftLogOf(dir)
	if err != nil || kind != "" {
		return false, err
	}
	if _, err := os.Stat(filepath.Join(dir, "state.db")); !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	return true, nil
}

// leaderWait is how long a follower holds a write while no leader can
// take it: followers notice a lost leader after 1-2x the Raft timeout and
// then elect one, so four of them cover an election with room to spare.
func leaderWait(raftTimeout time.Duration) time.Duration {
	if raftTimeout <= 0 {
		raftTimeout = time.Second // raft's own default
	}
	return 4 * raftTimeout
}

// memberJoinPatience bounds the metadata refresh of a member restarted
// with --join: it serves either way, so it need not wait a minute.
const memberJoinPatience = 5 * time.Second

// Close stops serving and closes the node, without a deadline (tests, and
// a failed start).
func (m *Main) Close() error { return m.Shutdown(context.Background()) }

func (m *Main) logger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(m.LogLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q: give debug, info, warn or error", m.LogLevel)
	}
	return slog.New(slog.NewTextHandler(m.LogOutput, &slog.HandlerOptions{Level: level})), nil
}

// advertiseURL is the URL peers reach a listener at when --http-advertise
// is not given: an unspecified address (":8080") is taken as loopback.
func advertiseURL(a *net.TCPAddr) string {
	host := "127.0.0.1"
	if a.IP != nil && !a.IP.IsUnspecified() {
		host = a.IP.String()
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(a.Port))
}

// judges lists the judges arenas may name: the offline rubric always, the
// AI judge and its pairwise form when an endpoint is configured.
func (m *Main) judges(logger *slog.Logger) (map[string]runner.Judge, error) {
	set := map[string]runner.Judge{"rubric": judges.NewRubricJudge()}
	if m.JudgeBaseURL == "" {
		return set, nil
	}
	if m.JudgeModel == "" {
		return nil, errors.New("--judge-model is required with --judge-base-url")
	}
	client, err := llm.New(llm.Config{BaseURL: m.JudgeBaseURL, Model: m.JudgeModel, APIKey: m.JudgeAPIKey})
	if err != nil {
		return nil, fmt.Errorf("--judge-base-url %q: %w", m.JudgeBaseURL, err)
	}
	ai, err := aijudge.New(aijudge.Config{Client: client, Logger: logger.With("component", "ai-judge")})
	if err != nil {
		return nil, fmt.Errorf("ai judge: %w", err)
	}
	pair, err := judges.NewPairwiseJudge(judges.PairwiseConfig{Judge: ai})
	if err != nil {
		return nil, fmt.Errorf("pairwise judge: %w", err)
	}
	set["ai"], set["ai-pairwise"] = ai, pair
	m.judgeClient = client
	return set, nil
}
