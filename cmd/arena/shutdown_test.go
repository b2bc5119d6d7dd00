package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/agentarena/arena/internal/blackhole"
)

// frozenPeer accepts TCP connections and never reads from them: a peer
// frozen by SIGSTOP, as the kernel keeps accepting for it.
func frozenPeer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	blackhole.Hold(t, ln)
	return ln.Addr().String()
}

// TestShutdownWithinDeadline stops a serving leader, as SIGTERM does,
// while Raft replicates to a member that accepts connections but never
// answers, under a write load. The shutdown must finish within the
// default deadline without error and leave neither port listening: raft's
// own shutdown waits for the replication goroutine, which without the
// node cutting its connections first sits out the transport's timeout on
// the silent peer.
func TestShutdownWithinDeadline(t *testing.T) {
	p := startNode(t, "n1", filepath.Join(t.TempDir(), "n1"), "127.0.0.1:0", "127.0.0.1:0", "")
	api := apiClient{t}
	eventually(t, 10*time.Second, func() error {
		if code := api.do("GET", p.m.URL+"/readyz", "", nil, nil); code != 200 {
			return fmt.Errorf("readyz %d", code)
		}
		return nil
	})
	hole := frozenPeer(t)
	if err := p.m.Node.Raft().AddNonvoter("frozen", raft.ServerAddress(hole), 0, 5*time.Second).Error(); err != nil {
		t.Fatalf("add the silent member: %v", err)
	}
	ctx, stopLoad := context.WithCancel(context.Background())
	var load sync.WaitGroup
	for w := range 4 {
		load.Add(1)
		go func() {
			defer load.Done()
			for i := 0; ctx.Err() == nil; i++ {
				// Errors are expected once the node stops.
				body := strings.NewReader(fmt.Sprintf(`{"name":"load-%d-%d"}`, w, i))
				if resp, err := http.Post(p.m.URL+"/v1/owners", "application/json", body); err == nil {
					resp.Body.Close()
				}
			}
		}()
	}
	time.Sleep(300 * time.Millisecond) // let requests be in flight at the signal
	raftPort, httpURL := p.m.Node.RaftAddr(), p.m.URL

	if p.m.ShutdownTimeout != 10*time.Second {
		t.Fatalf("default shutdown timeout %v, want 10s", p.m.ShutdownTimeout)
	}
	sctx, cancel := context.WithTimeout(context.Background(), p.m.ShutdownTimeout)
	defer cancel()
	err := p.m.Shutdown(sctx)
	stopLoad()
	load.Wait()
	if err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	for _, addr := range []string{raftPort, strings.TrimPrefix(httpURL, "http://")} {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after shutdown", addr)
		}
	}
}
