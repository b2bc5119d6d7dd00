// Package arenatest starts real multi-node clusters for tests: real Raft,
// real bbolt files in temp dirs, raft's in-memory transport and 50 ms
// timeouts, in the manner of hashicorp/raft's own testing helpers.
package arenatest

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/agentarena/arena/arena"
)

// Cluster is a set of nodes wired over in-memory transports.
type Cluster struct {
	t      testing.TB
	Nodes  []*arena.Node // nil while a node is stopped
	Dirs   []string
	trans  []*raft.InmemTransport
	tweak  func(i int, cfg *arena.Config)
	logger *slog.Logger
}

// Option adjusts a cluster before it starts.
type Option func(*Cluster)

// WithConfig lets a test adjust each node's config (snapshot thresholds,
// HTTP addresses, batching). Several apply in order (a later one used to
// replace the earlier ones without a word).
func WithConfig(f func(i int, cfg *arena.Config)) Option {
	return func(c *Cluster) {
		prev := c.tweak
		c.tweak = func(i int, cfg *arena.Config) {
			if prev != nil {
				prev(i, cfg)
			}
			f(i, cfg)
		}
	}
}

// WithLogger sends every node's logs to l.
func WithLogger(l *slog.Logger) Option {
	return func(c *Cluster) { c.logger = l }
}

// NewCluster starts n nodes: node 0 bootstraps, the others join it and
// are promoted to voters. It waits until all have applied the same index.
func NewCluster(t testing.TB, n int, opts ...Option) *Cluster {
	t.Helper()
	c := &Cluster{t: t, logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(c)
	}
	for i := 0; i < n; i++ {
		c.Dirs = append(c.Dirs, t.TempDir())
		c.Nodes = append(c.Nodes, nil)
		c.trans = append(c.trans, nil)
	}
	t.Cleanup(c.Close)
	c.Start(0)
	leader := c.Leader()
	for i := 1; i < n; i++ {
		c.Start(i)
		c.join(leader, i)
	}
	c.WaitConverged()
	return c
}

func nodeID(i int) string { return fmt.Sprintf("node%d", i) }

func (c *Cluster) config(i int) arena.Config {
	cfg := arena.Config{
		NodeID: nodeID(i), DataDir: c.Dirs[i], Bootstrap: i == 0, FastTimeouts: true,
		Logger: c.logger, OperatorTokenHash: OperatorTokenHash,
		HTTPAddr: fmt.Sprintf("http://%s.invalid", nodeID(i)),
	}
	if c.tweak != nil {
		c.tweak(i, &cfg)
	}
	return cfg
}

// Start (re)starts node i on its data dir and reconnects its transport.
func (c *Cluster) Start(i int) {
	c.t.Helper()
	if c.Nodes[i] != nil {
		c.t.Fatalf("node %d already running", i)
	}
	_, tr := raft.NewInmemTransportWithTimeout(raft.ServerAddress(nodeID(i)), time.Second)
	c.trans[i] = tr
	for j, other := range c.trans {
		if j != i && other != nil && c.Nodes[j] != nil {
			tr.Connect(other.LocalAddr(), other)
			other.Connect(tr.LocalAddr(), tr)
		}
	}
	cfg := c.config(i)
	cfg.Transport = tr
	n, err := arena.Open(cfg)
	if err != nil {
		c.t.Fatalf("open node %d: %v", i, err)
	}
	c.Nodes[i] = n
}

// Stop shuts node i down, keeping its data dir.
func (c *Cluster) Stop(i int) {
	c.t.Helper()
	n := c.Nodes[i]
	if n == nil {
		return
	}
	for j, other := range c.trans {
		if j != i && other != nil {
			other.Disconnect(c.trans[i].LocalAddr())
		}
	}
	c.trans[i].DisconnectAll()
	if err := n.Close(); err != nil {
		c.t.Errorf("close node %d: %v", i, err)
	}
	c.trans[i].Close()
	c.Nodes[i] = nil
}

// Close stops every node.
func (c *Cluster) Close() {
	for i := range c.Nodes {
		c.Stop(i)
	}
}

// Add starts a fresh node and joins it through the leader; it returns its
// index.
func (c *Cluster) Add() int {
	c.t.Helper()
	i := len(c.Nodes)
	c.Dirs = append(c.Dirs, c.t.TempDir())
	c.Nodes = append(c.Nodes, nil)
	c.trans = append(c.trans, nil)
	c.Start(i)
	c.join(c.Leader(), i)
	return i
}

func (c *Cluster) join(leader *arena.Node, i int) {
	c.t.Helper()
	cfg := c.config(i)
	// Retry: on a loaded machine leadership may move while we join.
	c.Eventually(20*time.Second, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := leader.Join(ctx, arena.NodeMeta{ID: nodeID(i), RaftAddr: nodeID(i), HTTPAddr: cfg.HTTPAddr})
		if err == nil {
			// Members join as non-voters; a test cluster starts fresh and
			// caught up, so it promotes them at once (nodes with HTTP
			// servers leave that to web's promoter).
			err = leader.Promote(ctx, nodeID(i))
		}
		if err != nil {
			leader = c.Leader()
		}
		return err
	})
}

// Leader waits for a running node to lead and be ready.
func (c *Cluster) Leader() *arena.Node {
	c.t.Helper()
	var leader *arena.Node
	c.Eventually(10*time.Second, func() error {
		leader = nil
		for _, n := range c.Nodes {
			if n != nil && n.IsLeader() {
				if ok, why := n.Ready(); !ok {
					return fmt.Errorf("leader %s not ready: %s", n.ID(), why)
				}
				leader = n
				return nil
			}
		}
		return fmt.Errorf("no leader")
	})
	return leader
}

// Index returns the position of node n in the cluster.
func (c *Cluster) Index(n *arena.Node) int {
	for i, m := range c.Nodes {
		if m == n {
			return i
		}
	}
	return -1
}

// WaitConverged waits until every running node has applied the same index
// and holds the same state hash, and returns that hash.
func (c *Cluster) WaitConverged() string {
	c.t.Helper()
	var hash string
	c.Eventually(15*time.Second, func() error {
		hash = ""
		var idx uint64
		for i, n := range c.Nodes {
			if n == nil {
				continue
			}
			h, applied, err := n.FSM().StateHash()
			if err != nil {
				return err
			}
			if hash == "" {
				hash, idx = h, applied
				continue
			}
			if applied != idx || h != hash {
				return fmt.Errorf("node %d at index %d hash %.12s; first node at %d hash %.12s", i, applied, h, idx, hash)
			}
		}
		return nil
	})
	return hash
}

// Eventually retries f until it returns nil or the timeout passes.
func (c *Cluster) Eventually(timeout time.Duration, f func() error) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("condition not met within %v: %v", timeout, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// OperatorToken is the operator token every test cluster is started with.
const OperatorToken = "arop_testoperatortoken000000000000000"

// OperatorTokenHash is its SHA-256 hex, as nodes store it.
var OperatorTokenHash = hashHex(OperatorToken)

// Partition cuts node i off from every other node in both directions, as a
// network partition would: its Raft messages go nowhere and nobody's reach
// it. The node keeps running and may go on believing it leads.
func (c *Cluster) Partition(i int) {
	c.t.Helper()
	if c.trans[i] == nil {
		c.t.Fatalf("node %d has no transport", i)
	}
	c.trans[i].DisconnectAll()
	for j, other := range c.trans {
		if j != i && other != nil {
			other.Disconnect(c.trans[i].LocalAddr())
		}
	}
}

// Heal reconnects every running node with every other.
func (c *Cluster) Heal() {
	for i, a := range c.trans {
		for j, b := range c.trans {
			if i != j && a != nil && b != nil && c.Nodes[i] != nil && c.Nodes[j] != nil {
				a.Connect(b.LocalAddr(), b)
			}
		}
	}
}

// LeaderAmong waits for one of the given nodes to lead and be ready, and
// returns it; use it while a partition leaves a stale leader elsewhere.
func (c *Cluster) LeaderAmong(idx ...int) *arena.Node {
	c.t.Helper()
	var leader *arena.Node
	c.Eventually(20*time.Second, func() error {
		for _, i := range idx {
			n := c.Nodes[i]
			if n != nil && n.IsLeader() {
				if ok, why := n.Ready(); !ok {
					return fmt.Errorf("leader %s not ready: %s", n.ID(), why)
				}
				leader = n
				return nil
			}
		}
		return fmt.Errorf("no leader among nodes %v", idx)
	})
	return leader
}
