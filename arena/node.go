package arena

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/apperr"
)

// DefaultSnapshotInterval is how often raft checks whether a snapshot is
// due (jittered up to twice that). Raft's own default is 2 minutes, for
// snapshots that copy the state; here a snapshot is a reference to the
// durable state file (stateSnapshots), so checking often only keeps the
// log short, and a member that fell far behind gets the current state
// rather than minutes of log to replay.
const DefaultSnapshotInterval = 10 * time.Second

// Config configures a node.
type Config struct {
	NodeID string
	// DataDir holds state.db (the state machine), the Raft log and stable
	// store (raft/log/ or raft/raft.db) and raft/snapshots.
	DataDir string
	// RaftLog picks the Raft log store of a new data dir (RaftLogWAL or
	// RaftLogBolt; empty: DefaultRaftLog). A data dir keeps the store it
	// was created with.
	RaftLog string
	// RaftBind is the TCP address Raft listens on; RaftAdvertise the address
	// peers dial (defaults to RaftBind). Ignored when Transport is set.
	RaftBind      string
	RaftAdvertise string
	// HTTPAddr is this node's advertised HTTP base URL, e.g.
	// "http://127.0.0.1:8080"; followers forward writes there.
	HTTPAddr string
	// Bootstrap makes a node with no Raft state form a one-node cluster.
	Bootstrap bool
	// Transport replaces TCP, e.g. with raft's in-memory transport in tests.
	Transport raft.Transport
	// StateSync is how state.db is made durable: StateSyncCheckpoint
	// (default) or StateSyncCommit.
	StateSync string
	// DisableBatching makes the FSM apply each entry in its own bbolt
	// transaction (for benchmarks that compare both).
	DisableBatching bool
	// MaxAppendEntries caps entries per replication message and per batch.
	MaxAppendEntries  int
	SnapshotThreshold uint64
	SnapshotInterval  time.Duration
	TrailingLogs      uint64
	// FastTimeouts uses 150 ms Raft timeouts, for tests on one machine.
	FastTimeouts bool
	// RaftTimeout, when set, is raft's heartbeat and election timeout
	// (leader lease: half of it); raft's default is 1 s.
	RaftTimeout time.Duration
	// JoinClusterID is the id of the cluster an empty data dir joins (the
	// member's, asked before Raft starts): until the state holds an id,
	// the node refuses Raft connections announcing another one
	// (Node.raftIdentity). Empty: it takes any until then.
	JoinClusterID string
	// OperatorTokenHash is proposed as the cluster's operator token hash
	// when this node first leads a cluster that has none.
	OperatorTokenHash string
	Logger            *slog.Logger
	// RaftLogLevel filters Raft's own log lines (default warn).
	RaftLogLevel hclog.Level
	Registerer   prometheus.Registerer
	Now          func() time.Time
	// Games overrides the game registry (default DefaultGames()).
	Games GameRegistry
	// MaxAgentsPerOwner caps an owner's live agents when this node, as
	// leader, proposes an agent's creation (LevelAgentCap); 0: no cap.
	MaxAgentsPerOwner int
	// Level, when set, is the command level this node proposes and
	// reports instead of CommandLevel: tests stand in for an older
	// release (and its upgrade in place) with it.
	Level func() int

	// pipelining keeps raft's pipelined replication on (its default); only
	// the test that reproduces its shutdown deadlock sets it.
	pipelining bool
}

// Node owns one member of the cluster: the Raft instance, its stores and
// the state machine. Writes go through Apply on the leader; reads go to
// the state machine directly.
type Node struct {
	cfg       Config
	log       *slog.Logger
	raft      *raft.Raft
	fsm       *FSM
	logStore  raftStore
	transport raft.Transport
	metrics   *Metrics
	bus       *Bus
	bt        btCache
	keys      *agents.KeyMemo
	dirLock   *dirLock // held from Open to closeStores

	notify    chan bool
	readyTerm atomic.Uint64
	// replayTo is the last log index at start after the state file was
	// rolled back to a checkpoint (0 once applied reaches it; see Replaying).
	replayTo      atomic.Uint64
	leaderChanges atomic.Uint64
	leaderWatch   leaderWatch
	// clusterLevel caches the cluster's command level (ClusterLevel);
	// levelMu orders raising it with joins checked against it.
	clusterLevel atomic.Int64
	levelMu      sync.Mutex
	// bootstrapID is the id a node that bootstraps a new cluster will
	// name it with, minted before its Raft runs: until the name is
	// applied, its connections are checked against it (raftIdentity).
	bootstrapID atomic.Pointer[string]
	ctx         context.Context
	cancel      context.CancelFunc
	wg          sync.WaitGroup
	closeOnce   sync.Once
}

// Open starts a node: it opens the stores, starts Raft and, for a fresh
// node with Bootstrap set, forms a single-node cluster.
func Open(cfg Config) (*Node, error) {
	if cfg.NodeID == "" || cfg.DataDir == "" {
		return nil, errors.New("node id and data dir are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RaftLogLevel == hclog.NoLevel {
		cfg.RaftLogLevel = hclog.Warn
	}
	if cfg.MaxAppendEntries == 0 {
		cfg.MaxAppendEntries = 512
	}
	lock, err := lockDataDir(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	raftDir := filepath.Join(cfg.DataDir, "raft")
	if err := os.MkdirAll(raftDir, 0o700); err != nil {
		lock.release()
		return nil, fmt.Errorf("create raft dir: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &Node{cfg: cfg, log: cfg.Logger.With("component", "node", "node_id", cfg.NodeID),
		notify: make(chan bool, 16), ctx: ctx, cancel: cancel, bus: NewBus(), keys: agents.NewKeyMemo(), dirLock: lock}
	n.metrics = NewMetrics(cfg.Registerer)
	ok := false
	defer func() {
		if !ok {
			n.closeStores()
			cancel()
		}
	}()

	n.fsm, err = OpenFSM(FSMConfig{Path: filepath.Join(cfg.DataDir, "state.db"), Logger: cfg.Logger,
		Observer: n.metrics, OnEvents: n.bus.Publish, Games: cfg.Games, SyncEveryCommit: cfg.StateSync == StateSyncCommit})
	if err != nil {
		return nil, err
	}
	if err := n.checkLevelOnOpen(); err != nil {
		return nil, err
	}
	hl := newHCLog(cfg.Logger.With("component", "raft", "node_id", cfg.NodeID), cfg.RaftLogLevel)
	kind, err := chooseRaftLog(raftDir, cfg.RaftLog)
	if err != nil {
		return nil, err
	}
	if cfg.RaftLog != "" && kind != cfg.RaftLog {
		n.log.Warn("this data dir keeps the Raft log store it was created with; the requested one applies to new data dirs (docs/OPERATIONS.md: replacing a member)",
			"raft_log", kind, "requested", cfg.RaftLog)
	}
	store, err := openRaftStore(raftDir, kind)
	if err != nil {
		return nil, err
	}
	n.logStore = countedStore{raftStore: store, appends: n.metrics.logAppends}
	n.log.Info("raft log store", "raft_log", kind)
	files, err := raft.NewFileSnapshotStoreWithLogger(raftDir, 2, hl)
	if err != nil {
		return nil, fmt.Errorf("open snapshot store: %w", err)
	}
	snaps := &stateSnapshots{files: files, fsm: n.fsm}
	if err := n.fsm.checkSnapshotCoverage(snaps); err != nil {
		return nil, err
	}
	n.transport = cfg.Transport
	if lt, ok := n.transport.(raft.LoopbackTransport); ok && !cfg.pipelining {
		// The in-memory transport of tests pipelines too, and raft's
		// pipelined replication can deadlock on it as on TCP (see
		// newTCPTransport): a test cluster then hangs until the test
		// binary's timeout. Replicate as production does.
		n.transport = noPipeline{lt}
	}
	if n.transport == nil {
		if n.transport, err = newTCPTransport(cfg, hl, n.raftIdentity, n.log); err != nil {
			return nil, err
		}
	}

	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(cfg.NodeID)
	rc.Logger = hl
	rc.NotifyCh = n.notify
	rc.NoSnapshotRestoreOnStart = true // state.db is durable; replay skips what it holds
	rc.BatchApplyCh = true
	rc.MaxAppendEntries = cfg.MaxAppendEntries
	rc.CommitTimeout = 10 * time.Millisecond
	if cfg.SnapshotThreshold > 0 {
		rc.SnapshotThreshold = cfg.SnapshotThreshold
	}
	rc.SnapshotInterval = DefaultSnapshotInterval
	if cfg.SnapshotInterval > 0 {
		rc.SnapshotInterval = cfg.SnapshotInterval
	}
	if cfg.TrailingLogs > 0 {
		rc.TrailingLogs = cfg.TrailingLogs
	}
	if d := cfg.RaftTimeout; d > 0 {
		rc.HeartbeatTimeout, rc.ElectionTimeout, rc.LeaderLeaseTimeout = d, d, d/2
	}
	if cfg.FastTimeouts {
		// Short enough for quick tests, long enough that a race-detector
		// run on a busy two-core machine does not flap leadership.
		rc.HeartbeatTimeout = 150 * time.Millisecond
		rc.ElectionTimeout = 150 * time.Millisecond
		rc.LeaderLeaseTimeout = 100 * time.Millisecond
		rc.CommitTimeout = 5 * time.Millisecond
	}
	var fsm raft.FSM = n.fsm
	if cfg.DisableBatching {
		fsm = unbatchedFSM{n.fsm}
	}
	if err := n.recoverFromPeersFile(raftDir, rc, n.logStore, n.logStore, snaps); err != nil {
		return nil, err
	}
	hasState, err := raft.HasExistingState(n.logStore, n.logStore, snaps)
	if err != nil {
		return nil, fmt.Errorf("inspect raft state: %w", err)
	}
	if cfg.Bootstrap && !hasState {
		id, err := NewClusterID()
		if err != nil {
			return nil, err
		}
		n.bootstrapID.Store(&id)
	}
	// Replication and follower applies re-read entries just written; a cache
	// of twice the batch size keeps them out of bbolt (+41% commands/s at
	// 1,000 proposers on 3 nodes, see docs/BENCHMARKS.md).
	logs, err := raft.NewLogCache(2*cfg.MaxAppendEntries, n.logStore)
	if err != nil {
		return nil, fmt.Errorf("log cache: %w", err)
	}
	n.raft, err = raft.NewRaft(rc, fsm, logs, n.logStore, snaps, n.transport)
	if err != nil {
		return nil, fmt.Errorf("start raft: %w", err)
	}
	if hasState && cfg.Bootstrap {
		// A node that joins (no Bootstrap) may come back at a new address
		// on purpose: the leader re-adds it there (Join).
		if err := n.checkOwnAddress(rc.LocalID); err != nil {
			_ = n.raft.Shutdown().Error()
			return nil, err
		}
	}
	if n.fsm.RolledBack() {
		n.replayTo.Store(n.raft.LastIndex())
	}
	if cfg.Bootstrap && !hasState {
		boot := raft.Configuration{Servers: []raft.Server{{
			Suffrage: raft.Voter, ID: rc.LocalID, Address: n.transport.LocalAddr(),
		}}}
		if err := n.raft.BootstrapCluster(boot).Error(); err != nil {
			n.raft.Shutdown()
			return nil, fmt.Errorf("bootstrap cluster: %w", err)
		}
		n.log.Info("bootstrapped a new single-node cluster")
	}
	registerRaftGauges(cfg.Registerer, n)
	n.wg.Add(2)
	go n.watchLeadership()
	go n.observeLeader()
	ok = true
	return n, nil
}

// unbatchedFSM hides ApplyBatch so raft applies entry by entry.
type unbatchedFSM struct{ f *FSM }

func (u unbatchedFSM) Apply(l *raft.Log) any { return u.f.Apply(l) }

func (u unbatchedFSM) Snapshot() (raft.FSMSnapshot, error) { return u.f.Snapshot() }

func (u unbatchedFSM) Restore(rc io.ReadCloser) error { return u.f.Restore(rc) }

// StoreConfiguration implements raft.ConfigurationStore: without it raft
// would not tell a non-batching FSM about configuration entries, and the
// applied index would stall below the commit index after a membership
// change.
func (u unbatchedFSM) StoreConfiguration(index uint64, _ raft.Configuration) {
	u.f.ApplyBatch([]*raft.Log{{Index: index, Type: raft.LogConfiguration}})
}

// Close stops Raft and closes the stores, however long that takes. It
// does not leave the cluster.
func (n *Node) Close() error { return n.Shutdown(context.Background()) }

// Shutdown stops Raft and closes the stores. It first cuts the Raft
// transport, so no replication or vote RPC can hold raft's shutdown on a
// frozen or unreachable peer, then waits for raft until ctx ends. Past
// ctx it returns an error and leaves the stores open: raft's goroutines
// may still use them, and the process is expected to exit.
func (n *Node) Shutdown(ctx context.Context) error {
	var err error
	n.closeOnce.Do(func() {
		n.cancel()
		if t, ok := n.transport.(*tcpTransport); ok {
			t.cut()
		}
		done := make(chan error, 1)
		go func() {
			var e error
			if n.raft != nil {
				if e = n.raft.Shutdown().Error(); e != nil {
					e = fmt.Errorf("shutdown raft: %w", e)
				}
			}
			n.wg.Wait()
			done <- e
		}()
		select {
		case err = <-done:
			n.closeStores()
		case <-ctx.Done():
			err = fmt.Errorf("raft did not shut down in time (%w); stores left open", context.Cause(ctx))
			n.log.Error("shutdown deadline passed with raft still stopping")
		}
	})
	return err
}

func (n *Node) closeStores() {
	if c, ok := n.transport.(interface{ Close() error }); ok && n.cfg.Transport == nil {
		_ = c.Close()
	}
	if n.logStore != nil {
		_ = n.logStore.Close()
	}
	if n.fsm != nil {
		_ = n.fsm.Close()
	}
	n.dirLock.release()
}

// Bus carries committed events to in-process subscribers.
func (n *Node) Bus() *Bus { return n.bus }

// FSM gives read access to the state machine.
func (n *Node) FSM() *FSM { return n.fsm }

// ID is this node's Raft server id.
func (n *Node) ID() string { return n.cfg.NodeID }

// IsLeader reports whether this node currently leads.
func (n *Node) IsLeader() bool { return n.raft.State() == raft.Leader }

// Raft exposes the raft instance for tests and operations tooling.
func (n *Node) Raft() *raft.Raft { return n.raft }

// Snapshot takes a snapshot now and compacts the log.
func (n *Node) Snapshot() error {
	if err := n.raft.Snapshot().Error(); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	return nil
}

// Apply proposes a command on this node, which must be the leader, and
// returns its result once a quorum has stored it and the local state
// machine has applied it.
func (n *Node) Apply(ctx context.Context, typ string, payload any) (any, error) {
	if n.raft.State() != raft.Leader {
		return nil, apperr.New(apperr.NotLeader, "node %s is not the leader", n.cfg.NodeID)
	}
	data, err := EncodeCommand(typ, n.cfg.Now().UnixNano(), payload)
	if err != nil {
		return nil, err
	}
	timeout := 10 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
		if timeout <= 0 {
			return nil, apperr.Wrap(apperr.Unavailable, ctx.Err(), "deadline passed before proposing")
		}
	}
	start := time.Now()
	f := n.raft.Apply(data, timeout)
	if err := f.Error(); err != nil {
		return nil, translateRaftErr(err)
	}
	n.metrics.observePropose(time.Since(start))
	res, ok := f.Response().(Result)
	if !ok {
		return nil, apperr.New(apperr.Internal, "unexpected apply response %T", f.Response())
	}
	return res.Value, res.Err
}

func translateRaftErr(err error) error {
	switch {
	case errors.Is(err, raft.ErrNotLeader):
		return apperr.Wrap(apperr.NotLeader, err, "this node does not lead the cluster (any more); send the write to the current leader")
	case errors.Is(err, raft.ErrLeadershipLost):
		return apperr.Wrap(apperr.Unavailable, err, "leadership was lost while committing; the write may or may not have been applied")
	case errors.Is(err, raft.ErrEnqueueTimeout):
		return apperr.Wrap(apperr.Unavailable, err, "timed out proposing the write")
	case errors.Is(err, raft.ErrRaftShutdown):
		return apperr.Wrap(apperr.Unavailable, err, "node is shutting down")
	case errors.Is(err, raft.ErrLeadershipTransferInProgress):
		return apperr.Wrap(apperr.Unavailable, err, "the leader is handing its leadership to another member (a clean stop); retry in a moment")
	default:
		return apperr.Wrap(apperr.Internal, err, "raft error")
	}
}

// RaftAddr is the address peers dial to reach this node's Raft transport.
func (n *Node) RaftAddr() string { return string(n.transport.LocalAddr()) }
