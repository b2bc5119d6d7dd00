// Package chaos is a fault-injection driver for a real Agent Arena cluster:
// it builds nothing and links no server code into the nodes, but starts the
// arena binary as separate processes on loopback ports, each with its own
// data dir, and treats them as an operator would.
//
// While built-in bots play contests and workers write ledger grants under
// unique, retried ids, a fault loop repeatedly kills the leader or a
// follower with SIGKILL and restarts it, pauses a node with SIGSTOP and
// resumes it with SIGCONT, and removes a member, wipes it and adds it back.
// Each fault is healed (every node ready, every member in the
// configuration) before the next, so the cluster never loses quorum by the
// driver's hand.
//
// At the end the driver drains the contests (a full restart without bots,
// then aborting what has not ended) and checks what must hold however the
// faults fell:
//
//   - every acknowledged grant is in the ledger, and no logical write was
//     applied twice (retries reuse the transfer id, which the ledger makes
//     idempotent);
//   - a linearizable balance read never missed an acknowledged grant;
//   - on every node the ledger audit passes: the hash chain links, balances
//     replay, the sum is zero and no ended contest's escrow holds money;
//   - every node has applied the same index and holds the same state hash;
//   - every contest has ended, and its history holds exactly one settled or
//     aborted event.
//
// Run is the library entry point; cmd/arena-chaos wraps it with flags and
// chaos_test.go runs a short form as part of the test suite.
package chaos
