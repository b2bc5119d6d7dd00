package web_test

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
)

// TestSnapshotDownload checks the backup route: operators only, served by
// any node, and the bytes restore into a data dir holding the same state.
func TestSnapshotDownload(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 3, envConfig{})
	leader, followers := e.leader()
	_, ownerKey := e.createOwner(t, leader, "backup-owner")

	e.do(t, followers[0], req{method: "GET", path: "/v1/cluster/snapshot"}).wantError(t, 401, "unauthorized")
	e.do(t, leader, req{method: "GET", path: "/v1/cluster/snapshot", key: ownerKey}).wantError(t, 403, "forbidden")

	r := e.do(t, followers[0], req{method: "GET", path: "/v1/cluster/snapshot?consistency=linearizable", key: arenatest.OperatorToken}).want(t, 200)
	if ct := r.header.Get("Content-Type"); ct != "application/octet-stream" {
		t.Errorf("content type %q", ct)
	}
	idx, err := strconv.ParseUint(r.header.Get("X-Arena-Applied-Index"), 10, 64)
	if err != nil || idx == 0 {
		t.Fatalf("applied index header %q", r.header.Get("X-Arena-Applied-Index"))
	}
	if n, _ := strconv.Atoi(r.header.Get("Content-Length")); n != len(r.body) {
		t.Errorf("content length %d, body %d bytes", n, len(r.body))
	}
	got, err := arena.RestoreDataDir(t.TempDir(), "restored", "127.0.0.1:1", "", bytes.NewReader(r.body))
	if err != nil {
		t.Fatalf("restore the download: %v", err)
	}
	if got.Index != idx {
		t.Errorf("restored index %d, header said %d", got.Index, idx)
	}
}
