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
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config describes one chaos run.
type Config struct {
	// Binary is the arena server binary to start (see Build).
	Binary string
	// Dir holds the nodes' data dirs and logs.
	Dir string
	// Nodes is the cluster size (default 3).
	Nodes int
	// Duration is how long faults and load run before the drain and checks.
	Duration time.Duration
	// Faults are the fault kinds to inject (default AllFaults).
	Faults []string
	// FaultEvery is the pause between one healed fault and the next
	// (default 2 s; each pause is drawn from [FaultEvery/2, FaultEvery*3/2)).
	FaultEvery time.Duration
	// Workers is how many concurrent grant writers run (default 4).
	Workers int
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
	// HealTimeout bounds how long the cluster may take to recover from one
	// fault (default 2 min).
	HealTimeout time.Duration
	Logger      *slog.Logger
}

// Fault kinds.
const (
	FaultKillLeader   = "kill-leader"
	FaultKillFollower = "kill-follower"
	FaultPause        = "pause"
	FaultRemoveReadd  = "remove-readd"
)

// AllFaults lists every fault kind.
var AllFaults = []string{FaultKillLeader, FaultKillFollower, FaultPause, FaultRemoveReadd}

// Report is what a run measured. Problems is empty when every check held.
type Report struct {
	Seed            uint64
	Duration        time.Duration
	WritesAcked     int64
	WritesRetried   int64
	WritesUnknown   int64 // attempts whose outcome was unknown, later retried
	WritesPending   int   // in flight when the run ended: present at most once
	Faults          map[string]int
	LeaderChanges   int
	LinearReads     int64
	StaleReads      int64
	ContestsSettled int
	ContestsAborted int
	DrainAborted    int // of ContestsAborted: aborted by the drain
	Lost            int
	Duplicated      int
	StateHash       string
	AppliedIndex    uint64
	LedgerTransfers uint64
	SnapshotIndexes []uint64 // each node\'s newest snapshot at the end (0: none yet)
	MaxLogEntries   uint64   // the longest Raft log at the end
	Problems        []string
}

// FaultsTotal is the number of faults injected.
func (r *Report) FaultsTotal() int {
	n := 0
	for _, v := range r.Faults {
		n += v
	}
	return n
}

// OK reports whether every check held.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// String renders the report for people.
func (r *Report) String() string {
	var b strings.Builder
	kinds := make([]string, 0, len(r.Faults))
	for k := range r.Faults {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var fs []string
	for _, k := range kinds {
		fs = append(fs, fmt.Sprintf("%s=%d", k, r.Faults[k]))
	}
	fmt.Fprintf(&b, "chaos run: seed %d, %s\n", r.Seed, r.Duration.Round(time.Second))
	fmt.Fprintf(&b, "  writes acknowledged   %d (retried attempts %d, unknown outcomes %d, pending at end %d)\n",
		r.WritesAcked, r.WritesRetried, r.WritesUnknown, r.WritesPending)
	fmt.Fprintf(&b, "  faults injected       %d (%s)\n", r.FaultsTotal(), strings.Join(fs, ", "))
	fmt.Fprintf(&b, "  leader changes        %d\n", r.LeaderChanges)
	fmt.Fprintf(&b, "  linearizable reads    %d (stale %d)\n", r.LinearReads, r.StaleReads)
	fmt.Fprintf(&b, "  contests settled      %d, aborted %d (%d by the final drain)\n", r.ContestsSettled, r.ContestsAborted, r.DrainAborted)
	fmt.Fprintf(&b, "  ledger transfers      %d, state hash %.16s at index %d on every node\n", r.LedgerTransfers, r.StateHash, r.AppliedIndex)
	fmt.Fprintf(&b, "  raft log              at most %d entries; newest snapshot per node %v\n", r.MaxLogEntries, r.SnapshotIndexes)
	fmt.Fprintf(&b, "  lost writes           %d\n", r.Lost)
	fmt.Fprintf(&b, "  duplicated writes     %d\n", r.Duplicated)
	if len(r.Problems) == 0 {
		b.WriteString("  all checks passed\n")
	} else {
		fmt.Fprintf(&b, "  %d PROBLEMS:\n", len(r.Problems))
		for _, p := range r.Problems {
			fmt.Fprintf(&b, "    - %s\n", p)
		}
	}
	return b.String()
}

// run is the state of one Run.
type run struct {
	cfg    Config
	log    *slog.Logger
	ps     *Procs
	cl     *nodeClients
	rng    *lockedRand
	rep    *Report
	leader leaderWatch
	bag    []string // fault kinds still to draw this round
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
	if cfg.Binary == "" || cfg.Dir == "" {
		return nil, errors.New("chaos: Binary and Dir are required")
	}
	if cfg.Nodes == 0 {
		cfg.Nodes = 3
	}
	if cfg.Nodes < 3 {
		return nil, errors.New("chaos: at least 3 nodes are needed to lose one")
	}
	if len(cfg.Faults) == 0 {
		cfg.Faults = AllFaults
	}
	for _, f := range cfg.Faults {
		if !isFault(f) {
			return nil, fmt.Errorf("chaos: unknown fault %q (known: %s)", f, strings.Join(AllFaults, ", "))
		}
	}
	if cfg.FaultEvery <= 0 {
		cfg.FaultEvery = 2 * time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.Seed == 0 {
		cfg.Seed = uint64(time.Now().UnixNano())
	}
	if cfg.BotDelay == 0 {
		cfg.BotDelay = 20 * time.Millisecond
	}
	if cfg.DrainWait == 0 {
		cfg.DrainWait = 10 * time.Second
	}
	if cfg.SnapshotThreshold == 0 {
		cfg.SnapshotThreshold = 1024
	}
	if cfg.SnapshotInterval == 0 {
		cfg.SnapshotInterval = time.Second
	}
	if cfg.TrailingLogs == 0 {
		cfg.TrailingLogs = 256
	}
	if cfg.HealTimeout == 0 {
		cfg.HealTimeout = 2 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("chaos: %w", err)
	}
	token, err := newToken()
	if err != nil {
		return nil, err
	}
	ps, err := NewProcs(cfg.Binary, cfg.Dir, token, cfg.Nodes, []string{"--bot-delay", cfg.BotDelay.String(),
		"--snapshot-threshold", strconv.FormatUint(cfg.SnapshotThreshold, 10),
		"--snapshot-interval", cfg.SnapshotInterval.String(),
		"--trailing-logs", strconv.FormatUint(cfg.TrailingLogs, 10)})
	if err != nil {
		return nil, err
	}
	defer ps.Close()
	cl, err := newNodeClients(token, ps.Nodes)
	if err != nil {
		return nil, err
	}
	r := &run{cfg: cfg, log: cfg.Logger, ps: ps, cl: cl,
		rng: &lockedRand{r: mrand.New(mrand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))},
		rep: &Report{Seed: cfg.Seed, Faults: map[string]int{}}}
	start := time.Now()
	defer func() { r.rep.Duration = time.Since(start) }()

	if err := r.startCluster(ctx); err != nil {
		return r.rep, err
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); r.watchLeader(watchCtx) }()

	stats := &loadStats{}
	workers, err := r.startWorkers(ctx, stats)
	if err != nil {
		stopWatch()
		wg.Wait()
		return r.rep, err
	}
	loadCtx, stopLoad := context.WithCancel(ctx)
	var lwg sync.WaitGroup
	for _, w := range workers {
		lwg.Add(1)
		go func() { defer lwg.Done(); w.run(loadCtx) }()
	}
	faultErr := r.injectFaults(ctx, time.Now().Add(cfg.Duration))
	stopLoad()
	lwg.Wait()
	stopWatch()
	wg.Wait()
	r.rep.LeaderChanges = r.leader.changes()
	r.rep.WritesAcked = stats.acked.Load()
	r.rep.WritesRetried = stats.retries.Load()
	r.rep.WritesUnknown = stats.unknown.Load()
	r.rep.LinearReads = stats.linReads.Load()
	r.rep.StaleReads = stats.stale.Load()
	r.rep.Problems = append(r.rep.Problems, stats.problems...)
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

func isFault(f string) bool {
	for _, k := range AllFaults {
		if k == f {
			return true
		}
	}
	return false
}

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

func (r *run) startWorkers(ctx context.Context, stats *loadStats) ([]*worker, error) {
	var ws []*worker
	for i := 0; i < r.cfg.Workers; i++ {
		w := &worker{id: i, cl: r.cl, nodes: r.liveURLs, stats: stats, seed: r.cfg.Seed,
			rng: mrand.New(mrand.NewPCG(r.cfg.Seed, uint64(i)+1))}
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
