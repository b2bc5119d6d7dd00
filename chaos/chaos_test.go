package chaos_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/agentarena/arena/chaos"
)

// TestChaosShort is the short form of `make chaos`: a real three-node
// cluster of arena processes on loopback, bots playing and grants being
// written while leaders and followers are killed, paused and replaced. It
// asserts the end-of-run checks only, never timings.
func TestChaosShort(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes; skipped with -short")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	bin, err := chaos.Build(ctx, "..", dir)
	if err != nil {
		t.Fatal(err)
	}
	duration := 25 * time.Second
	if v := os.Getenv("ARENA_CHAOS_DURATION"); v != "" {
		if duration, err = time.ParseDuration(v); err != nil {
			t.Fatalf("ARENA_CHAOS_DURATION: %v", err)
		}
	}
	cfg := chaos.Config{
		Binary: bin, Dir: filepath.Join(dir, "cluster"), Nodes: 3, Duration: duration,
		Workers: 3, FaultEvery: time.Second, DrainWait: 5 * time.Second,
		PauseMin: time.Second, PauseMax: 2500 * time.Millisecond, StateBytes: 2 << 20,
		VisualizationPath: filepath.Join(dir, "history.html"),
		Logger:            slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	rep, err := chaos.Run(ctx, cfg)
	if rep != nil {
		t.Log("\n" + rep.String())
	}
	if err != nil {
		dumpLogs(t, cfg.Dir)
		t.Fatal(err)
	}
	if !rep.OK() {
		dumpLogs(t, cfg.Dir)
		t.Fatalf("%d checks failed", len(rep.Problems))
	}
	if rep.WritesAcked == 0 || rep.FaultsTotal() == 0 {
		t.Fatalf("the run did too little to mean anything: %d writes, %d faults", rep.WritesAcked, rep.FaultsTotal())
	}
	if rep.Lost != 0 || rep.Duplicated != 0 {
		t.Fatalf("lost %d, duplicated %d", rep.Lost, rep.Duplicated)
	}
	if rep.Linearizable != "Ok" || rep.HistoryOps == 0 || !rep.HashesEqual {
		t.Fatalf("linearizable %q over %d operations, hashes equal %v", rep.Linearizable, rep.HistoryOps, rep.HashesEqual)
	}
	if rep.BulkWrites == 0 {
		t.Fatal("the bulk phase wrote nothing")
	}
	if err := rep.WriteJSON(filepath.Join(dir, "report.json")); err != nil {
		t.Fatal(err)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// dumpLogs shows the tail of every node's log on failure. A node that
// panicked comes first, with its panic and stack, because a CI page may
// show only the start of a long failure.
func dumpLogs(t *testing.T, dir string) {
	logs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	type nodeLog struct {
		name  string
		b     []byte
		crash int // where a panic or fatal error starts, -1 if none
	}
	var all []nodeLog
	for _, l := range logs {
		b, err := os.ReadFile(l)
		if err != nil {
			continue
		}
		all = append(all, nodeLog{filepath.Base(l), b, crashAt(b)})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].crash >= 0 && all[j].crash < 0 })
	for _, n := range all {
		if n.crash < 0 {
			continue
		}
		p := n.b[n.crash:]
		if len(p) > 3000 {
			p = p[:3000]
		}
		t.Logf("--- %s crashed:\n%s", n.name, p)
	}
	for _, n := range all {
		b := n.b
		if len(b) > 8000 {
			b = b[len(b)-8000:]
		}
		t.Logf("--- %s (tail)\n%s", n.name, b)
	}
}

// crashAt finds the first Go panic or fatal runtime error in a log.
func crashAt(b []byte) int {
	at := -1
	for _, mark := range []string{"\npanic: ", "\nfatal error: "} {
		if i := bytes.Index(b, []byte(mark)); i >= 0 && (at < 0 || i+1 < at) {
			at = i + 1
		}
	}
	return at
}

func TestCrashAt(t *testing.T) {
	for _, tt := range []struct {
		log  string
		want int
	}{
		{"start\nserving\n", -1},
		{"start\npanic: sealed segment has no index block\n\ngoroutine 1", 6},
		{"a\nfatal error: concurrent map writes\n", 2},
		{"a\nfatal error: x\npanic: y\n", 2},
		{"msg=\"panic: not at a line start\"\n", -1},
	} {
		if got := crashAt([]byte(tt.log)); got != tt.want {
			t.Errorf("crashAt(%q) = %d, want %d", tt.log, got, tt.want)
		}
	}
}
