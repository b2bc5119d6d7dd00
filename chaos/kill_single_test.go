package chaos_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentarena/arena/chaos"
	"github.com/agentarena/arena/client"
)

// TestKillLoneNodeKeepsAcknowledgedWrites kills a one-node cluster with
// SIGKILL under a grant load, three times. A lone node has no peer to
// catch up from: its state file, rolled back to the last checkpoint
// (state.db is not fsynced on every batch), and its own Raft log must
// hold every acknowledged grant, each applied once.
func TestKillLoneNodeKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes; skipped with -short")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin, err := chaos.Build(ctx, "..", dir)
	if err != nil {
		t.Fatal(err)
	}
	const token = "kill-lone-node-operator-token-0123456789"
	root := filepath.Join(dir, "cluster")
	if err := os.MkdirAll(root, 0o700); err != nil {
		t.Fatal(err)
	}
	ps, err := chaos.NewProcs(bin, root, token, 1, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	start := func() *client.Client {
		t.Helper()
		if err := ps.Start(0, "", true); err != nil {
			t.Fatal(err)
		}
		if err := ps.WaitHealthy(ctx, 0); err != nil {
			t.Fatal(err)
		}
		c, err := client.New(ps.Nodes[0].URL(), client.WithKey(token), client.WithNotLeaderRetry(0, 0),
			client.WithHTTPClient(&http.Client{Timeout: 5 * time.Second}))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	retry := func(what string, fn func() error) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			err := fn()
			if err == nil {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %v", what, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	c := start()
	var owner string
	retry("create owner", func() error {
		resp, err := c.CreateOwner(ctx, client.CreateOwnerRequest{Name: "kill-lone-node"})
		if err == nil {
			owner = resp.Owner.ID
		}
		return err
	})
	balance := func(c *client.Client) int64 {
		t.Helper()
		var b int64
		retry("read balance", func() error {
			resp, err := c.Balance(ctx, owner)
			if err == nil {
				b = resp.Balance
			}
			return err
		})
		return b
	}
	base := balance(c)
	var acked atomic.Int64
	const workers = 4
	for round := range 3 {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					id := fmt.Sprintf("tr_kill_%d_%d_%d", round, w, i)
					if _, err := c.Grant(context.Background(), client.GrantRequest{ID: id, OwnerID: owner, Amount: 1}); err != nil {
						return // the node is gone; this grant is in doubt
					}
					acked.Add(1)
				}
			}()
		}
		time.Sleep(1500 * time.Millisecond)
		if err := ps.Kill(0); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		c = start()
		got := balance(c) - base
		// Every acknowledged grant counts once; each worker may have had
		// one more in flight that was applied without an answer.
		if n := acked.Load(); got < n || got > n+workers*int64(round+1) {
			t.Fatalf("round %d: %d grants applied, %d acknowledged (at most %d in doubt)", round, got, n, workers*(round+1))
		}
		t.Logf("round %d: %d acknowledged, %d applied", round, acked.Load(), got)
	}
	if acked.Load() == 0 {
		t.Fatal("no grant was acknowledged")
	}
	log, err := os.ReadFile(ps.Nodes[0].LogPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "rolled back to its last checkpoint") {
		t.Fatalf("the node never rolled its state file back to a checkpoint after SIGKILL; log:\n%s", log)
	}
}
