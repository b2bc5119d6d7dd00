package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/client"
)

// stateSample is the replicated state's size and the arena's settled
// contests at one moment, as an operator sees them from outside.
type stateSample struct {
	Settled int64 `json:"settled_contests"`
	// SnapshotBytes is the length of one GET /v1/cluster/snapshot from the
	// leader: the state file's used pages, the bytes a Raft snapshot holds
	// (bbolt's file itself grows in steps, up to 16 MiB at a time).
	SnapshotBytes int64   `json:"snapshot_bytes"`
	SnapshotSec   float64 `json:"snapshot_seconds"`
	// FileBytes are the sizes of the state files named by -state-files.
	FileBytes []int64 `json:"state_file_bytes,omitempty"`
}

// stateCost is what a run's settled contests cost in state: the samples
// before the agents played and after, and their ratio.
type stateCost struct {
	Before stateSample `json:"before"`
	After  stateSample `json:"after"`
	// SnapshotBytesPerContest is the snapshot's growth per contest settled
	// during the run; FileBytesPerContest is each state file's whole size
	// over every settled contest (as bench-vs-etcd.sh reports bytes per
	// ledger transfer), so setup (owners, agents, grants) is included.
	SnapshotBytesPerContest float64   `json:"snapshot_bytes_per_settled_contest"`
	FileBytesPerContest     []float64 `json:"state_file_bytes_per_settled_contest,omitempty"`
}

func (c *stateCost) finish() {
	if d := c.After.Settled - c.Before.Settled; d > 0 {
		c.SnapshotBytesPerContest = float64(c.After.SnapshotBytes-c.Before.SnapshotBytes) / float64(d)
	}
	if c.After.Settled > 0 {
		c.FileBytesPerContest = make([]float64, len(c.After.FileBytes))
		for i, b := range c.After.FileBytes {
			c.FileBytesPerContest[i] = float64(b) / float64(c.After.Settled)
		}
	}
}

// sampleState counts the arena's settled contests on base (following
// pages), downloads one snapshot from the leader with the operator token
// and stats files.
func sampleState(ctx context.Context, hc *http.Client, base, leader, token, arena string, files []string) (stateSample, error) {
	var s stateSample
	cl, err := client.New(base, client.WithHTTPClient(hc))
	if err != nil {
		return s, err
	}
	for _, err := range cl.AllContests(ctx, client.ListContestsOptions{Arena: arena, Status: api.StatusSettled, Limit: 200}) {
		if err != nil {
			return s, fmt.Errorf("count settled contests: %w", err)
		}
		s.Settled++
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, leader+"/v1/cluster/snapshot", nil)
	if err != nil {
		return s, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	t0 := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return s, fmt.Errorf("snapshot: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return s, fmt.Errorf("snapshot: %s", resp.Status)
	}
	if s.SnapshotBytes, err = io.Copy(io.Discard, resp.Body); err != nil {
		return s, fmt.Errorf("snapshot: %w", err)
	}
	s.SnapshotSec = time.Since(t0).Seconds()
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			return s, err
		}
		s.FileBytes = append(s.FileBytes, st.Size())
	}
	return s, nil
}
