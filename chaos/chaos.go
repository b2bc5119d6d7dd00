package chaos

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// Config describes one chaos run.
type Config struct {
	// Binary is the arena server binary to start (see Build).
	Binary string
	// Dir holds the nodes' data dirs and logs.
	Dir string
	// Nodes is the cluster size (default 3).
	Nodes int
	// PortBase fixes the ports: node i (from 0) serves HTTP on
	// PortBase+i, Raft on PortBase+Nodes+i, and its fault proxy listens on
	// PortBase+2*Nodes+i. 0 picks free ports.
	PortBase int
	// Duration is how long faults and load run before the drain and checks.
	Duration time.Duration
	// Faults are the fault kinds to inject (default AllFaults).
	Faults []string
	// FaultEvery is the pause between one healed fault and the next
	// (default 2 s; each pause is drawn from [FaultEvery/2, FaultEvery*3/2)).
	FaultEvery time.Duration
	// PauseMin and PauseMax bound how long a SIGSTOP pause, a partition or
	// a slow network lasts (defaults 1.5 s and 4 s; an operator's run
	// wants 15 s to 60 s, beyond the election and forward timeouts).
	PauseMin, PauseMax time.Duration
	// TermDeadline is how long a node may take to exit after SIGTERM
	// before the run counts it as hung, dumps its goroutines and kills it
	// (default 10 s).
	TermDeadline time.Duration
	// Workers is how many concurrent grant writers run (default 4), each
	// on its own owner; Readers is how many goroutines read those owners'
	// balances linearizably meanwhile (default Workers).
	Workers, Readers int
	// AttemptTimeout bounds one client request (default 5 s): a client
	// that waits no longer on a silent node retries elsewhere sooner.
	AttemptTimeout time.Duration
	// StateBytes, when set, grows the state before the faults begin: bulk
	// grants with 1 KB memos until the memos add up to this many bytes.
	StateBytes int64
	// BulkWorkers is how many concurrent writers grow the state (default 16).
	BulkWorkers int
	// Seed drives every random choice (default: from the clock).
	Seed uint64
	// BotDelay paces the built-in bots (default 20ms).
	BotDelay time.Duration
	// DrainWait is how long contests may take to end by themselves after
	// the bots are switched off, before the driver aborts the rest
	// (default 10 s).
	DrainWait time.Duration
	// SnapshotThreshold, SnapshotInterval and TrailingLogs are passed to
	// every node (defaults 1024 entries, 1 s, 256 entries: far below
	// production's, so a short run takes many snapshots and restarted or
	// re-added nodes catch up by installing one).
	SnapshotThreshold uint64
	SnapshotInterval  time.Duration
	TrailingLogs      uint64
	// NodeArgs are added to every node's command line.
	NodeArgs []string
	// HealTimeout bounds how long the cluster may take to recover from one
	// fault (default 2 min).
	HealTimeout time.Duration
	// CheckTimeout bounds the linearizability check (default 2 min; the
	// verdict is then Unknown).
	CheckTimeout time.Duration
	// VisualizationPath, when set, receives Porcupine's HTML rendering of
	// the history (with the violation marked, if any).
	VisualizationPath string
	Logger            *slog.Logger
}

// Fault kinds.
const (
	FaultKillLeader   = "kill-leader"     // kill -9 the leader, restart it
	FaultKillFollower = "kill-follower"   // kill -9 a follower, restart it
	FaultPause        = "pause"           // SIGSTOP the leader or a follower for PauseMin..PauseMax
	FaultRemoveReadd  = "remove-readd"    // remove a member, wipe its data dir, rejoin it
	FaultSigterm      = "sigterm"         // SIGTERM the leader or a follower, restart it
	FaultRolling      = "rolling-restart" // SIGTERM and restart every node in turn, leader last
	FaultPartition    = "partition"       // isolate, split, deafen or mute nodes for PauseMin..PauseMax
	FaultSlowNet      = "slow-network"    // delay every Raft link for PauseMin..PauseMax
)

// AllFaults lists every fault kind.
var AllFaults = []string{FaultKillLeader, FaultKillFollower, FaultPause, FaultRemoveReadd,
	FaultSigterm, FaultRolling, FaultPartition, FaultSlowNet}

// run is the state of one Run.
type run struct {
	cfg    Config
	log    *slog.Logger
	ps     *Procs
	net    *network
	cl     *nodeClients
	rng    *lockedRand
	rep    *Report
	hist   *history
	leader leaderWatch
	bag    []string       // fault kinds still to draw this round
	shapes []string       // partition shapes still to draw this round
	turns  map[string]int // faults of each kind so far: the victim's role alternates

	hitMu sync.Mutex
	hit   map[int]bool // the nodes the current fault strikes, which the probe avoids
}

// lockedRand is a mutex-guarded generator: the fault loop and the watcher share it.
type lockedRand struct {
	mu sync.Mutex
	r  *mrand.Rand
}

func (r *lockedRand) IntN(n int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.r.IntN(n)
}

func (r *lockedRand) Dur(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return lo + time.Duration(r.r.Int64N(int64(hi-lo)))
}

// Run starts a cluster, runs load and faults for cfg.Duration, drains,
// checks and stops the cluster. The error is for failures to run at all;
// failed checks are in Report.Problems.
func Run(ctx context.Context, cfg Config) (rep *Report, err error) {
	defer func() {
		if err != nil && rep != nil {
			rep.Problems = append(rep.Problems, "run: "+err.Error())
		}
	}()
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("chaos: %w", err)
	}
	token, err := newToken()
	if err != nil {
		return nil, err
	}
	args := append([]string{"--bot-delay", cfg.BotDelay.String(),
		"--snapshot-threshold", strconv.FormatUint(cfg.SnapshotThreshold, 10),
		"--snapshot-interval", cfg.SnapshotInterval.String(),
		"--trailing-logs", strconv.FormatUint(cfg.TrailingLogs, 10)}, cfg.NodeArgs...)
	ps, err := NewProcs(cfg.Binary, cfg.Dir, token, cfg.Nodes, cfg.PortBase, args)
	if err != nil {
		return nil, err
	}
	defer ps.Close()
	nw, err := startNetwork(ps, cfg.Logger)
	if err != nil {
		return nil, err
	}
	defer nw.close()
	cl, err := newNodeClients(token, ps.Nodes, cfg.AttemptTimeout)
	if err != nil {
		return nil, err
	}
	r := &run{cfg: cfg, log: cfg.Logger, ps: ps, net: nw, cl: cl, hist: newHistory(),
		rng: &lockedRand{r: mrand.New(mrand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))},
		rep: &Report{Seed: cfg.Seed, Faults: map[string]int{}}, turns: map[string]int{}}
	start := time.Now()
	defer func() {
		r.rep.Duration = time.Since(start)
		r.rep.RaftConns = nw.known.Load() + nw.unknown.Load()
		r.rep.RaftConnsUnknown = nw.unknown.Load()
		r.rep.summarize()
	}()

	if err := r.startCluster(ctx); err != nil {
		return r.rep, err
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); r.watchLeader(watchCtx) }()
	defer func() { stopWatch(); wg.Wait() }()

	stats := &loadStats{}
	workers, err := r.startWorkers(ctx, stats)
	if err != nil {
		return r.rep, err
	}
	if err := r.grow(ctx); err != nil {
		return r.rep, err
	}
	loadCtx, stopLoad := context.WithCancel(ctx)
	var lwg sync.WaitGroup
	for _, w := range workers {
		lwg.Add(1)
		go func() { defer lwg.Done(); w.run(loadCtx) }()
	}
	for i := 0; i < cfg.Readers; i++ {
		rd := &reader{id: cfg.Workers + 1 + i, workers: workers, cl: r.cl, nodes: r.liveURLs, stats: stats, hist: r.hist, attempt: cfg.AttemptTimeout,
			rng: mrand.New(mrand.NewPCG(cfg.Seed, uint64(cfg.Workers+i)+2))}
		lwg.Add(1)
		go func() { defer lwg.Done(); rd.run(loadCtx) }()
	}
	faultErr := r.injectFaults(ctx, time.Now().Add(cfg.Duration))
	stopLoad()
	lwg.Wait()
	r.net.heal()
	r.measureGaps()
	r.rep.LeaderChanges = r.leader.changes()
	r.rep.WritesAcked = stats.acked.Load()
	r.rep.WritesRetried = stats.retries.Load()
	r.rep.WritesUnknown = stats.unknown.Load()
	r.rep.LinearReads = stats.linReads.Load()
	r.rep.StaleReads = stats.stale.Load()
	r.rep.Problems = append(r.rep.Problems, stats.problems...)
	r.checkHistory()
	if faultErr != nil {
		r.rep.Problems = append(r.rep.Problems, "faults: "+faultErr.Error())
		return r.rep, nil
	}
	if err := r.drain(ctx); err != nil {
		r.rep.Problems = append(r.rep.Problems, "drain: "+err.Error())
		return r.rep, nil
	}
	r.check(ctx, workers)
	return r.rep, nil
}

func (cfg *Config) setDefaults() error {
	if cfg.Binary == "" || cfg.Dir == "" {
		return errors.New("chaos: Binary and Dir are required")
	}
	if cfg.Nodes == 0 {
		cfg.Nodes = 3
	}
	if cfg.Nodes < 3 {
		return errors.New("chaos: at least 3 nodes are needed to lose one")
	}
	if cfg.PortBase < 0 || cfg.PortBase+3*cfg.Nodes > 65536 {
		return fmt.Errorf("chaos: port base %d leaves no room for %d ports", cfg.PortBase, 3*cfg.Nodes)
	}
	if len(cfg.Faults) == 0 {
		cfg.Faults = AllFaults
	}
	for _, f := range cfg.Faults {
		if !isFault(f) {
			return fmt.Errorf("chaos: unknown fault %q (known: %s)", f, strings.Join(AllFaults, ", "))
		}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.FaultEvery, 2*time.Second)
	def(&cfg.PauseMin, 1500*time.Millisecond)
	def(&cfg.PauseMax, 4*time.Second)
	if cfg.PauseMax < cfg.PauseMin {
		return fmt.Errorf("chaos: pause range %s..%s is empty", cfg.PauseMin, cfg.PauseMax)
	}
	def(&cfg.TermDeadline, 10*time.Second)
	def(&cfg.AttemptTimeout, 5*time.Second)
	def(&cfg.BotDelay, 20*time.Millisecond)
	def(&cfg.DrainWait, 10*time.Second)
	def(&cfg.SnapshotInterval, time.Second)
	def(&cfg.HealTimeout, 2*time.Minute)
	def(&cfg.CheckTimeout, 2*time.Minute)
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.Readers <= 0 {
		cfg.Readers = cfg.Workers
	}
	if cfg.BulkWorkers <= 0 {
		cfg.BulkWorkers = 16
	}
	if cfg.Seed == 0 {
		cfg.Seed = uint64(time.Now().UnixNano())
	}
	if cfg.SnapshotThreshold == 0 {
		cfg.SnapshotThreshold = 1024
	}
	if cfg.TrailingLogs == 0 {
		cfg.TrailingLogs = 256
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return nil
}

// checkHistory runs Porcupine over the client-visible history.
func (r *run) checkHistory() {
	lin, err := checkLinearizable(r.hist.operations(), r.cfg.CheckTimeout, r.cfg.VisualizationPath)
	r.rep.Linearizable, r.rep.HistoryOps = string(lin.Result), lin.Ops
	if err != nil {
		r.problem("%v", err)
	}
	switch lin.Result {
	case porcupine.Illegal:
		r.problem("the client-visible history is not linearizable (%d operations)", lin.Ops)
	case porcupine.Unknown:
		r.problem("the linearizability check did not finish within %s", r.cfg.CheckTimeout)
	}
}

func isFault(f string) bool { return slices.Contains(AllFaults, f) }

func newToken() (string, error) {
	var b [16]byte
	if _, err := crand.Read(b[:]); err != nil {
		return "", err
	}
	return "arop_chaos" + hex.EncodeToString(b[:]), nil
}

// startCluster starts node 0, which bootstraps, then joins the others.
func (r *run) startCluster(ctx context.Context) error {
	if err := r.ps.Start(0, "", false); err != nil {
		return err
	}
	if err := r.waitNodes(ctx, []int{0}, 1); err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	for i := 1; i < len(r.ps.Nodes); i++ {
		if err := r.ps.Start(i, r.ps.Nodes[0].URL(), false); err != nil {
			return err
		}
	}
	if err := r.healed(ctx); err != nil {
		return fmt.Errorf("form cluster: %w", err)
	}
	r.log.Info("cluster up", "nodes", len(r.ps.Nodes))
	return nil
}

// startWorkers creates the writers' owners. The last writer is the probe:
// it sends only to nodes the current fault spares, with a short timeout,
// as a client behind a load balancer that checks readiness would, so its
// gaps measure the cluster's write unavailability rather than how long
// the other clients wait on a frozen node.
func (r *run) startWorkers(ctx context.Context, stats *loadStats) ([]*worker, error) {
	var ws []*worker
	for i := 0; i <= r.cfg.Workers; i++ {
		w := &worker{id: i, cl: r.cl, nodes: r.liveURLs, stats: stats, seed: r.cfg.Seed, hist: r.hist, attempt: r.cfg.AttemptTimeout,
			rng: mrand.New(mrand.NewPCG(r.cfg.Seed, uint64(i)+1))}
		if i == r.cfg.Workers {
			w.probe, w.nodes, w.attempt = true, r.sparedURLs, min(r.cfg.AttemptTimeout, time.Second)
		}
		cctx, cancel := context.WithTimeout(ctx, r.cfg.HealTimeout)
		err := w.createOwner(cctx)
		cancel()
		if err != nil {
			return nil, err
		}
		ws = append(ws, w)
	}
	return ws, nil
}

// strike marks the nodes the current fault strikes (none: the fault is over).
func (r *run) strike(nodes ...int) {
	r.hitMu.Lock()
	defer r.hitMu.Unlock()
	r.hit = map[int]bool{}
	for _, i := range nodes {
		r.hit[i] = true
	}
}

// sparedURLs lists the running nodes the current fault does not strike.
func (r *run) sparedURLs() []string {
	r.hitMu.Lock()
	defer r.hitMu.Unlock()
	var out []string
	for i, p := range r.ps.Nodes {
		if p.Running() && !r.hit[i] {
			out = append(out, p.URL())
		}
	}
	if len(out) == 0 {
		return r.liveURLs()
	}
	return out
}

// liveURLs lists the nodes a client may try now: running and not paused.
// A paused node is still listed sometimes, as a client cannot know; the
// workers' retries cope with its silence.
func (r *run) liveURLs() []string {
	var out []string
	for _, p := range r.ps.Nodes {
		if p.Running() {
			out = append(out, p.URL())
		}
	}
	if len(out) == 0 {
		out = append(out, r.ps.Nodes[0].URL())
	}
	return out
}
