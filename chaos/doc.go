// Package chaos is a fault-injection driver for a real Agent Arena cluster:
// it links no server code into the nodes, but starts the arena binary as
// separate processes on loopback ports, each with its own data dir, and
// treats them as an operator would. Every node's Raft port sits behind a
// fault proxy (package faultproxy) that every peer dials, so the driver can
// cut and slow the network between processes.
//
// While built-in bots play contests, workers write ledger grants under
// unique, retried ids and readers read the workers' balances linearizably
// from every node, a fault loop injects one fault at a time: kill -9 of the
// leader or a follower, a long SIGSTOP pause, SIGTERM and restart (timing
// the exit against a deadline), a rolling restart, removing a member and
// wiping it before it rejoins, network partitions (isolate the leader or a
// follower, split off a minority, a leader that hears nobody or reaches
// nobody) and a slow network. Each fault is healed (every node ready, every
// member a voter) before the next, so the cluster never loses quorum by
// the driver's hand. An optional bulk phase first grows the state.
//
// At the end the driver drains the contests (a full restart without bots,
// then aborting what has not ended) and checks what must hold however the
// faults fell:
//
//   - the client-visible history (every grant and linearizable read with
//     its invocation and completion times) is linearizable, checked with
//     Porcupine against a per-owner balance model;
//   - every acknowledged grant is in the ledger, and no logical write was
//     applied twice (retries reuse the transfer id, which the ledger makes
//     idempotent);
//   - a linearizable balance read never missed an acknowledged grant;
//   - every SIGTERM was answered by an exit within the deadline;
//   - on every node the ledger audit passes: the hash chain links, balances
//     replay, the sum is zero and no ended contest's escrow holds money;
//   - every node has applied the same index and holds the same state hash;
//   - every contest has ended, and its history holds exactly one settled or
//     aborted event.
//
// It also measures, per fault, the longest time no write was acknowledged.
// Run is the library entry point; cmd/arena-chaos wraps it with flags and
// chaos_test.go runs a short form as part of the test suite.
package chaos
