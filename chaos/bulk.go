package chaos

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agentarena/arena/client"
)

// grow writes bulk grants, each with a 1 KB memo, to an owner of its own
// until their memos add up to cfg.StateBytes: a large state makes
// snapshots, their installs on restarted and wiped nodes, and restarts
// slow, which is where small-state runs find nothing. (The data dirs'
// sizes at the end are in the report; they also hold the Raft log and
// snapshots.)
func (r *run) grow(ctx context.Context) error {
	if r.cfg.StateBytes <= 0 {
		return nil
	}
	var owner string
	err := r.retryRead(ctx, func(ctx context.Context) error {
		resp, err := r.cl.at(r.ps.Nodes[0].URL()).CreateOwner(ctx, client.CreateOwnerRequest{Name: "chaos-bulk"})
		if err == nil {
			owner = resp.Owner.ID
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("bulk owner: %w", err)
	}
	r.log.Info("growing the state", "target_mb", r.cfg.StateBytes>>20)
	start := time.Now()
	gctx, stop := context.WithCancel(ctx)
	defer stop()
	var n atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < r.cfg.BulkWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.bulkWriter(gctx, owner, w, &n)
		}()
	}
	for gctx.Err() == nil && n.Load()*bulkMemo < r.cfg.StateBytes {
		sleepCtx(gctx, 100*time.Millisecond)
	}
	stop()
	wg.Wait()
	r.rep.BulkWrites = n.Load()
	r.log.Info("state grown", "data_dir_mb", dirSize(r.ps.Nodes[0].Dir)>>20, "writes", n.Load(), "took", time.Since(start).Round(time.Second))
	return ctx.Err()
}

// bulkMemo is the memo length of a bulk grant (the ledger allows 1024).
const bulkMemo = 1000

// bulkWriter writes grants until ctx ends. Bulk grants are not checked
// one by one (their ids are unique, so retries cannot duplicate them);
// the audits and state hashes at the end cover them.
func (r *run) bulkWriter(ctx context.Context, owner string, w int, n *atomic.Int64) {
	pad := make([]byte, bulkMemo/2)
	for seq := 0; ctx.Err() == nil; seq++ {
		_, _ = rand.Read(pad)
		id := fmt.Sprintf("tr_bulk_%d_%d_%d", r.cfg.Seed, w, seq)
		req := client.GrantRequest{ID: id, OwnerID: owner, Amount: 1, Memo: hex.EncodeToString(pad)}
		for attempt := 0; ctx.Err() == nil; attempt++ {
			ns := r.liveURLs()
			rctx, cancel := context.WithTimeout(ctx, r.cfg.AttemptTimeout)
			_, err := r.cl.at(ns[(w+attempt)%len(ns)]).Grant(rctx, req)
			cancel()
			if err == nil {
				n.Add(1)
				break
			}
			if !retryable(err) {
				r.log.Warn("bulk grant refused", "id", id, "err", err)
				break
			}
			sleepCtx(ctx, backoff(attempt))
		}
	}
}

// dirSize is the total size of the files under dir.
func dirSize(dir string) int64 {
	var total int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				total += fi.Size()
			}
		}
		return nil
	})
	return total
}
