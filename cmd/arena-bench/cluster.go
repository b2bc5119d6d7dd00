package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/agentarena/arena/arena"
)

// cluster is a set of in-process nodes talking real TCP on loopback, each
// with its own temp dir, so every write pays the fsyncs production pays.
type cluster struct {
	nodes  []*arena.Node
	regs   []*prometheus.Registry
	dirs   []string
	leader *arena.Node
}

// startCluster bootstraps node 0, joins the others to it as voters and
// waits until every node is ready. On error it cleans up what it started.
func startCluster(ctx context.Context, n int, batching bool, maxAppend int, raftLog, parentDir string) (c *cluster, err error) {
	c = &cluster{}
	defer func() {
		if err != nil {
			c.Close()
			c = nil
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for i := 0; i < n; i++ {
		node, err := c.open(i, batching, maxAppend, raftLog, parentDir)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			c.leader = node
			if err := waitReady(ctx, node); err != nil {
				return nil, err
			}
			continue
		}
		if err := c.leader.Join(ctx, arena.NodeMeta{ID: node.ID(), RaftAddr: node.RaftAddr()}); err != nil {
			return nil, fmt.Errorf("join %s: %w", node.ID(), err)
		}
		// Joins add non-voters; a benchmark measures a voting quorum.
		if err := c.leader.Promote(ctx, node.ID()); err != nil {
			return nil, fmt.Errorf("promote %s: %w", node.ID(), err)
		}
	}
	for _, node := range c.nodes {
		if err := waitReady(ctx, node); err != nil {
			return nil, err
		}
	}
	if !c.leader.IsLeader() {
		return nil, errors.New("node0 lost leadership while the cluster formed")
	}
	return c, nil
}

func (c *cluster) open(i int, batching bool, maxAppend int, raftLog, parentDir string) (*arena.Node, error) {
	dir, err := os.MkdirTemp(parentDir, "arena-bench-")
	if err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	c.dirs = append(c.dirs, dir)
	// Each node gets its own registry: the bench reads the FSM batch
	// histogram per node, and nodes in one process must not collide.
	reg := prometheus.NewRegistry()
	node, err := arena.Open(arena.Config{
		NodeID: fmt.Sprintf("node%d", i), DataDir: dir, RaftBind: "127.0.0.1:0",
		Bootstrap: i == 0, DisableBatching: !batching, MaxAppendEntries: maxAppend, RaftLog: raftLog,
		Registerer: reg,
	})
	if err != nil {
		return nil, fmt.Errorf("open node%d: %w", i, err)
	}
	c.nodes = append(c.nodes, node)
	c.regs = append(c.regs, reg)
	return node, nil
}

func waitReady(ctx context.Context, n *arena.Node) error {
	for {
		ok, why := n.Ready()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready (%s): %w", n.ID(), why, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// histogramTotals sums a batch-size histogram over all nodes: its count
// (Raft log appends or state.db transactions, one fsync each) and its sum
// (the log entries they stored or applied).
func (c *cluster) histogramTotals(name string) (count, sum float64) {
	for _, reg := range c.regs {
		mfs, err := reg.Gather()
		if err != nil {
			continue
		}
		for _, mf := range mfs {
			if mf.GetName() != name {
				continue
			}
			for _, m := range mf.GetMetric() {
				count += float64(m.GetHistogram().GetSampleCount())
				sum += m.GetHistogram().GetSampleSum()
			}
		}
	}
	return count, sum
}

// Close stops every node and removes every data dir. Followers go first:
// stopping the leader first would have them time out and hold elections
// while they shut down.
func (c *cluster) Close() error {
	var errs []error
	for i := len(c.nodes) - 1; i >= 0; i-- {
		if err := c.nodes[i].Close(); err != nil {
			errs = append(errs, fmt.Errorf("close %s: %w", c.nodes[i].ID(), err))
		}
	}
	for _, d := range c.dirs {
		if err := os.RemoveAll(d); err != nil {
			errs = append(errs, err)
		}
	}
	c.nodes, c.dirs = nil, nil
	return errors.Join(errs...)
}
