// Package arena is the node: the replicated state machine, its Raft wiring
// and the typed commands that change it.
//
// # Who runs where
//
// Every node holds the same state and serves reads from it; only the leader
// proposes. What makes contests move (matchmaking, turn delivery,
// deadlines, judging) is the contest runner in package arena/runner, which
// acts on the leader only and drives the node through a few of its
// methods: it calls agents (websocket sessions, webhooks, model endpoints,
// built-in bots) and judges, then proposes what they answered as commands.
// The split keeps this package to the state machine and its wiring: it
// imports no network client, never calls an agent or a judge, and so
// applies the same log to the same bytes on every node.
//
// # Files by actor
//
// Files say whom they serve. node*.go and raft_*.go are the node: Open,
// Apply and Close (node.go), and the methods the web layer and the runner
// call, by concern (node_agents.go, node_contests.go, node_ratings.go,
// node_ledger.go, node_preferences.go, node_cluster.go, node_public.go).
// fsm*.go, commands.go, envelope.go and apply_*.go are the state machine:
// the batching FSM, the command table, one apply file per concern. The
// resources both sides share (contest.go, arenas.go, queue.go, ratings.go,
// preferences.go) hold types and rules only, and bolt.go holds every
// bucket, key layout and typed read or write on the state file, so a read
// goes node method → bolt.go and back.
//
// # Golden log
//
// testdata/golden/log.txt is a recorded log of every command type applied
// from scratch, with the result each entry must give and the state and
// state hash it must end in (golden_test.go). It is the guard for rolling
// upgrades: a build that applies an old log to other bytes fails it.
//
// So a new rule is keyed on data an old log cannot carry. Example: a
// contest in which every seat forfeits used to go to the judge and settle
// as a draw, moving ratings. It is now void (aborted, stakes refunded, no
// rating, battle or preference pair; apply_void.go), but only in arenas
// whose stored definition has void_all_forfeit set: the default arenas
// carry it in the seed command and the web layer sets it on every
// arena.put, while an arena stored by an older build lacks the field and
// keeps the draw. A replica replaying an old log therefore reaches the
// same bytes; an operator opts an old arena in by PUTting it again. The
// answer clock (one_deadline_per_answer: an answer game's seat keeps one
// deadline however others move; setState) came in the same way.
//
// # Writes
//
// Every change to the arena is a command: a typed, versioned Envelope
// carrying the leader's wall-clock timestamp and any randomness the change
// needs (ids, key hashes, later seeds). The web layer builds a command on
// the leader (followers forward writes there over HTTP), Node.Apply
// proposes it, and hashicorp/raft replicates it to a quorum, each member
// fsyncing it into its Raft log (append-only segments in package raftlog,
// or raft-boltdb in older data dirs; raft_store.go picks) before it counts as
// committed.
//
// # Applying
//
// Committed entries reach the FSM, which implements raft.BatchingFSM: a
// whole batch (up to MaxAppendEntries entries) is applied inside one bbolt
// transaction and so costs one fsync of the state file. Raft's leader
// already groups concurrent proposals into one log append, so under load
// many commands share each log fsync as well; that is where write
// throughput comes from.
//
// Apply is deterministic: handlers read no clock (they use the envelope's
// timestamp, clamped so time never runs backwards), iterate only sorted
// bbolt keys, and fail by returning an error result, never by panicking.
// A command that fails shares its transaction with the rest of the batch,
// so handlers validate everything before they write anything. A corrupt or
// unknown entry is rejected the same way on every node and still consumes
// its index.
//
// Handlers read contests, arenas and connect4 states through memos keyed
// by the stored bytes (contest_memo.go), so that a move does not decode
// its contest, arena and game again on every node. A hit must equal a
// fresh decode of the same bytes, or nodes that hit and nodes that decode
// would apply differently: what putContest and setState hand the memos
// is remembered only when that holds, and in test binaries every hit is
// decoded again and compared.
//
// # Exactly once
//
// raft replays every entry after the last snapshot when a node starts.
// The FSM stores the last applied index in the same transaction as the
// state it produced and skips entries at or below it, so a restart never
// applies a command twice. Because the state file is durable, raft's
// restore-on-start is switched off (NoSnapshotRestoreOnStart).
//
// # Durability of the state file
//
// Every applied entry is already fsynced in a quorum's Raft logs, so
// state.db is fsynced only at checkpoints (every 100 ms and before each
// snapshot), not on every batch (etcd's "consistent index" design). A
// checkpoint pins its commit with a read transaction, so bbolt reuses none
// of its pages, and records its meta page in state.db.ckpt; after an
// unclean stop (kill -9 or a power loss) the file is rolled back to that
// checkpoint and the log replays the rest (state_checkpoint.go). With
// --state-sync commit every batch is fsynced instead.
//
// # Snapshots
//
// Because state.db can always be brought to a durable applied index that
// no snapshot is ahead of, a local snapshot only has to let raft compact its log:
// it is a reference to the state file, a few bytes whatever the state's
// size (stateSnapshots). When a member needs a snapshot, the store copies
// the state as one read transaction sees it into an unlinked temporary
// file and sends that, described at the state's own applied index, term
// and configuration (the FSM records the last two with each batch), so
// the member resumes from the newest state, not from the last snapshot
// and the log since. The copy keeps the read transaction short while a
// slow member receives it. Restore writes the stream to a temporary file,
// checks that it opens as bbolt, and swaps it in under a lock that readers
// share. Before raft starts, a state file behind the newest snapshot is
// restored from it if the snapshot is a received file, and refused if it
// is a reference (the state file was lost).
//
// Node.Backup streams the same consistent copy to an operator (GET
// /v1/cluster/snapshot). RestoreDataDir turns such a copy into a fresh data
// dir whose Raft snapshot store refers to it at its index with a
// one-member configuration, so a node started there elects itself and
// continues the log after that index, and nodes that join install the
// state. A
// raft/peers.json found at start forces a new configuration through
// raft.RecoverCluster, for a cluster that has lost its majority for good.
//
// # Reads
//
// Reads go straight to the local bbolt file. A linearizable read uses the
// read-index method: the leader notes its commit index, confirms with a
// quorum that it still leads, and the reading node waits until it has
// applied that index. A new leader serves read indexes only after a
// command of its own term has been applied (it records its election), since
// before that its commit index may trail what the old leader acknowledged.
//
// # State hash
//
// StateHash is a SHA-256 over every bucket's keys and values in order,
// leaving out bookkeeping (the applied index). Files differ in page layout
// between nodes, but equal logs must give equal hashes; tests compare them
// across nodes and between batched and unbatched application.
package arena
