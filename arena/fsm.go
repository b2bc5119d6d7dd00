package arena

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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
	// SyncEveryCommit fsyncs state.db on every batch instead of at
	// checkpoints (state_checkpoint.go).
	SyncEveryCommit bool
	// CheckpointInterval is how often the state file is checkpointed
	// (0: DefaultCheckpointInterval; negative: only at snapshots, for tests).
	CheckpointInterval time.Duration
	// mapReserve overrides defaultStateMapReserve (tests).
	mapReserve int64
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
	// cpMu serializes checkpoints with each other and with Restore and
	// Close; commitMu keeps a checkpoint's pin off a commit in progress.
	cpMu     sync.Mutex
	commitMu sync.Mutex
	ck       *stateCheckpoints // nil when every commit is fsynced
	// rolledBack: the file was rolled back to a checkpoint on open.
	rolledBack bool
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
	arenas   *arenaMemo
	states   *stateMemo
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
	f := &FSM{cfg: cfg, log: cfg.Logger.With("component", "fsm"), advance: make(chan struct{}), games: cfg.Games, contests: newContestMemo(), arenas: newArenaMemo()}
	f.states = newStateMemo(f.games)
	f.handlers = f.stateHandlers()
	rolled, err := recoverStateFile(cfg.Path, f.log)
	if err != nil {
		return nil, err
	}
	f.rolledBack = rolled
	db, limit, err := openStateDB(cfg.Path, f.mapReserve())
	if err != nil && f.mapReserve() > 0 && (errors.Is(err, syscall.ENOMEM) || strings.Contains(err.Error(), "mmap too large")) {
		// An address-space limit (ulimit -v) leaves no room for the
		// reserve a pinned checkpoint needs.
		f.log.Warn("cannot map state.db with room to spare; fsyncing every commit", "err", err)
		f.cfg.SyncEveryCommit = true
		db, limit, err = openStateDB(cfg.Path, 0)
	}
	if err != nil {
		return nil, err
	}
	f.db = db
	if err := f.loadApplied(); err != nil {
		db.Close()
		return nil, err
	}
	if err := f.startCheckpoints(limit); err != nil {
		db.Close()
		return nil, err
	}
	return f, nil
}

func (f *FSM) mapReserve() int64 {
	switch {
	case f.cfg.SyncEveryCommit:
		return 0
	case f.cfg.mapReserve > 0:
		return f.cfg.mapReserve
	}
	return defaultStateMapReserve
}

// openStateDB opens the state file mapped reserve bytes beyond its size
// (0: a fixed 64 MB mapping) and returns how many bytes are mapped.
// persistAdvice tells an operator what to do about a state file that
// could not be written: nothing acknowledged is lost, since the batch is
// in the Raft log and a restart replays it.
func persistAdvice(err error, path string) string {
	const restart = "then restart the node: it reopens state.db at its last durable point and replays the Raft log from there, so no acknowledged write is lost"
	dir := filepath.Dir(path)
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return fmt.Sprintf("the disk (or quota) holding %s is full: free space there or move the data dir to a larger disk, %s", dir, restart)
	case errors.Is(err, syscall.EROFS):
		return fmt.Sprintf("the file system holding %s became read-only (often the kernel's answer to disk errors): check the disk and remount it read-write, %s", dir, restart)
	case errors.Is(err, syscall.EIO):
		return fmt.Sprintf("the disk holding %s reported an I/O error: check it (dmesg, SMART) or replace this member (docs/OPERATIONS.md, Replacing a dead node); once it is sound, %s", dir, restart)
	}
	return "fix the cause above, " + restart
}

func openStateDB(path string, reserve int64) (*bolt.DB, int64, error) {
	// A generous initial mmap means growth rarely has to wait for a long
	// snapshot read transaction to finish (and never for a checkpoint's).
	mapped := int64(legacyInitialMmap)
	if reserve > 0 {
		mapped = reserve
		if fi, err := os.Stat(path); err == nil {
			mapped += fi.Size()
		}
	}
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
		if err := checkStateFileSize(path, "restore it from a backup or replace this member (docs/OPERATIONS.md)"); err != nil {
			return nil, 0, err
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second, InitialMmapSize: int(mapped)})
	if err != nil {
		return nil, 0, fmt.Errorf("open state db %s: %w", path, err)
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
		return nil, 0, fmt.Errorf("init state db: %w", err)
	}
	return db, mapped, nil
}

func (f *FSM) loadApplied() error {
	return f.db.View(func(tx *bolt.Tx) error {
		f.setApplied(getUint(tx.Bucket(bucketMeta), keyApplied))
		return nil
	})
}

// Close closes the state file.
func (f *FSM) Close() error {
	f.stopCheckpoints()
	f.cpMu.Lock()
	defer f.cpMu.Unlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	defer f.retired.Wait()
	if f.db == nil {
		return nil
	}
	var ckErr error
	if f.ck != nil {
		ckErr = f.ck.detach(f.db)
		f.ck.side.Close()
	}
	err := f.db.Close()
	f.db = nil
	if err == nil && ckErr != nil {
		err = fmt.Errorf("close state db: %w", ckErr)
	}
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
	var size int64
	if f.nearMapLimit() {
		f.fallBackToSyncedCommits()
	}
	f.mu.RLock()
	f.commitMu.Lock()
	err := f.db.Update(func(tx *bolt.Tx) error {
		size = tx.Size()
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
	if f.ck != nil && err == nil {
		f.ck.dirty = true
		f.ck.size = size
	}
	f.commitMu.Unlock()
	f.mu.RUnlock()
	if err != nil {
		// The log is committed but the state cannot be stored: continuing
		// would let this replica diverge, so stop the process.
		advice := persistAdvice(err, f.cfg.Path)
		f.log.Error("state machine cannot persist a committed batch; the node stops", "err", err, "what_to_do", advice)
		panic(fmt.Sprintf("arena: persist applied batch: %v: %s", err, advice))
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
			ac := &applyCtx{tx: tx, contests: f.contests, arenas: f.arenas, states: f.states, index: l.Index, now: time.Unix(0, *lastTS).UTC(), events: events}
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

// RolledBack reports whether open rolled the state file back to its last
// checkpoint (the last stop was not clean).
func (f *FSM) RolledBack() bool { return f.rolledBack }

// AppliedIndex is the index of the last log entry reflected in the state.
func (f *FSM) AppliedIndex() uint64 { return f.applied.Load() }

// PagesWritten counts the pages commits have written to the state file
// since it was opened (a restore opens a new one): the write volume of
// the apply path, which grows with how many pages each batch dirties.
func (f *FSM) PagesWritten() uint64 {
	f.mu.RLock()
	defer f.mu.RUnlock()
	s := f.db.Stats()
	return uint64(s.TxStats.GetWrite())
}

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
