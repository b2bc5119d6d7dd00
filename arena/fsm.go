package arena

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/apperr"
)

// Result is what applying one command returns to the proposer.
type Result struct {
	Value any
	Err   error
}

// Event is something observers outside the state machine may want to know,
// published only after the transaction that produced it commits.
type Event struct {
	Type  string
	Index uint64
	Data  any
}

// ApplyObserver receives apply statistics; Metrics implements it.
type ApplyObserver interface {
	ObserveBatch(size int, d time.Duration)
	ObserveCommand(typ string, err error)
}

// FSMConfig configures a state machine.
type FSMConfig struct {
	Path     string
	Logger   *slog.Logger
	Observer ApplyObserver
	// Games are the rule sets contests may use (default DefaultGames()).
	Games GameRegistry
	// OnEvents is called on the FSM goroutine after each committed batch. It
	// must not block.
	OnEvents func([]Event)
}

// FSM is the replicated state machine: a bbolt file changed only by
// commands from the log. It implements raft.BatchingFSM, applying a whole
// batch in one bbolt transaction so one fsync covers many commands.
type FSM struct {
	cfg      FSMConfig
	log      *slog.Logger
	handlers map[string]handler
	games    GameRegistry

	// mu guards db against being swapped by Restore while read.
	mu sync.RWMutex
	db *bolt.DB
	// retired counts files replaced by Restore that are still closing
	// (waiting for open snapshots); Close waits for them.
	retired sync.WaitGroup

	applied atomic.Uint64
	waitMu  sync.Mutex
	advance chan struct{} // closed and replaced whenever applied moves

	hashMu    sync.Mutex
	hashIndex uint64
	hash      string
	hashAt    time.Time // when hash was last computed or confirmed

	contests *contestMemo
}

var _ raft.BatchingFSM = (*FSM)(nil)

// OpenFSM opens (or creates) the state file and its buckets.
func OpenFSM(cfg FSMConfig) (*FSM, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Games == nil {
		cfg.Games = DefaultGames()
	}
	f := &FSM{cfg: cfg, log: cfg.Logger.With("component", "fsm"), advance: make(chan struct{}), games: cfg.Games, contests: newContestMemo()}
	f.handlers = f.stateHandlers()
	db, err := openStateDB(cfg.Path)
	if err != nil {
		return nil, err
	}
	f.db = db
	if err := f.loadApplied(); err != nil {
		db.Close()
		return nil, err
	}
	return f, nil
}

func openStateDB(path string) (*bolt.DB, error) {
	// A generous initial mmap means growth rarely has to wait for a long
	// snapshot read transaction to finish.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second, InitialMmapSize: 64 << 20})
	if err != nil {
		return nil, fmt.Errorf("open state db %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		unindexed := tx.Bucket(bucketQueueOwners) == nil
		for _, name := range allBuckets() {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		if unindexed {
			return indexQueueOwners(tx)
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("init state db: %w", err)
	}
	return db, nil
}

func (f *FSM) loadApplied() error {
	return f.db.View(func(tx *bolt.Tx) error {
		f.setApplied(getUint(tx.Bucket(bucketMeta), keyApplied))
		return nil
	})
}

// Close closes the state file.
func (f *FSM) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	defer f.retired.Wait()
	if f.db == nil {
		return nil
	}
	err := f.db.Close()
	f.db = nil
	return err
}

// Apply implements raft.FSM for one entry.
func (f *FSM) Apply(l *raft.Log) any {
	return f.ApplyBatch([]*raft.Log{l})[0]
}

// ApplyBatch implements raft.BatchingFSM. Entries at or below the stored
// applied index were applied before a restart (raft replays the log after
// the last snapshot) and are skipped, so no command takes effect twice.
func (f *FSM) ApplyBatch(logs []*raft.Log) []any {
	start := time.Now()
	results := make([]any, len(logs))
	var events []Event
	var last uint64
	f.mu.RLock()
	err := f.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		last = getUint(meta, keyApplied)
		lastTS := int64(getUint(meta, keyLastTS))
		var term uint64
		var conf *raft.Log
		moved := false
		for i, l := range logs {
			if l.Index <= last {
				results[i] = Result{Err: apperr.New(apperr.Conflict, "entry %d already applied", l.Index)}
				continue
			}
			last, term, moved = l.Index, l.Term, true
			if l.Type == raft.LogConfiguration {
				conf = l // only moves the index, and is recorded for snapshots
			}
			if l.Type != raft.LogCommand {
				continue
			}
			res := f.applyOne(tx, l, &lastTS, &events)
			results[i] = res
		}
		if !moved {
			return nil // every entry was applied before
		}
		if err := putUint(meta, keyApplied, last); err != nil {
			return err
		}
		if err := recordPosition(meta, term, conf); err != nil {
			return err
		}
		return putUint(meta, keyLastTS, uint64(lastTS))
	})
	f.mu.RUnlock()
	if err != nil {
		// The log is committed but the state cannot be stored: continuing
		// would let this replica diverge, so stop the process.
		f.log.Error("state machine cannot persist a committed batch", "err", err)
		panic(fmt.Sprintf("arena: persist applied batch: %v", err))
	}
	f.setApplied(last)
	if f.cfg.Observer != nil {
		f.cfg.Observer.ObserveBatch(len(logs), time.Since(start))
	}
	if len(events) > 0 && f.cfg.OnEvents != nil {
		f.cfg.OnEvents(events)
	}
	return results
}

func (f *FSM) applyOne(tx *bolt.Tx, l *raft.Log, lastTS *int64, events *[]Event) Result {
	env, err := DecodeEnvelope(l.Data)
	typ := env.Type
	if err != nil {
		typ = "invalid"
	}
	var res Result
	if err == nil {
		h, ok := f.handlers[env.Type]
		if !ok {
			err = apperr.New(apperr.Invalid, "unknown command type %q", truncateType(env.Type))
			typ = "unknown"
		} else {
			// Time never goes backwards inside the state, even across a leader
			// change between machines whose clocks disagree.
			if env.TS > *lastTS {
				*lastTS = env.TS
			}
			ac := &applyCtx{tx: tx, contests: f.contests, index: l.Index, now: time.Unix(0, *lastTS).UTC(), events: events}
			res.Value, err = h(ac, env)
		}
	}
	res.Err = err
	if f.cfg.Observer != nil {
		f.cfg.Observer.ObserveCommand(typ, err)
	}
	return res
}

func truncateType(s string) string {
	if len(s) > 64 {
		return s[:64]
	}
	return s
}

// View runs fn in a read transaction on the current state.
func (f *FSM) View(fn func(tx *bolt.Tx) error) error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.db == nil {
		return apperr.New(apperr.Unavailable, "state machine is closed")
	}
	return f.db.View(fn)
}

// AppliedIndex is the index of the last log entry reflected in the state.
func (f *FSM) AppliedIndex() uint64 { return f.applied.Load() }

func (f *FSM) setApplied(idx uint64) {
	f.waitMu.Lock()
	f.applied.Store(idx)
	close(f.advance)
	f.advance = make(chan struct{})
	f.waitMu.Unlock()
}

// WaitApplied blocks until the state reflects index idx or ctx ends.
func (f *FSM) WaitApplied(ctx interface {
	Done() <-chan struct{}
	Err() error
}, idx uint64) error {
	for {
		f.waitMu.Lock()
		ch := f.advance
		done := f.applied.Load() >= idx
		f.waitMu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return apperr.Wrap(apperr.Unavailable, ctx.Err(), "timed out waiting for index %d to be applied", idx)
		}
	}
}
