package arena_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
)

// stallAfter is a log handler that holds the goroutine logging msg until
// a deadline has passed, as a slow commit on a loaded leader does.
type stallAfter struct {
	msg   string
	until atomic.Pointer[time.Time]
}

func (h *stallAfter) Enabled(context.Context, slog.Level) bool { return true }

func (h *stallAfter) Handle(_ context.Context, r slog.Record) error {
	if u := h.until.Load(); u != nil && r.Message == h.msg {
		time.Sleep(time.Until(*u) + 10*time.Millisecond)
	}
	return nil
}

func (h *stallAfter) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *stallAfter) WithGroup(string) slog.Handler      { return h }

// The leader names the cluster right after the raise to LevelClusterID,
// within the same call (web's poll, bounded by its request timeout). A
// naming that failed there (the time ran out after the raise committed)
// was never tried again while that leader led: every later poll found
// the level raised and returned, and the cluster ran at level 3 without
// an id, its Raft connections unchecked. The next call now names it.
func TestAClusterNamingThatFailedIsRetried(t *testing.T) {
	h := &stallAfter{msg: "cluster command level raised"}
	lv := make(levels, 1)
	lv[0].Store(arena.LevelClusterID - 1)
	c := arenatest.NewCluster(t, 1, lv.option(), arenatest.WithLogger(slog.New(h)))
	n := c.Leader()
	if id := n.ClusterID(); id != "" {
		t.Fatalf("a cluster at level %d named %s", n.ClusterLevel(), id)
	}

	lv[0].Store(arena.LevelClusterID) // the release upgraded in place
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dl, _ := ctx.Deadline()
	h.until.Store(&dl)
	if _, err := n.RaiseClusterLevel(ctx, nil); err == nil {
		t.Fatal("the naming got its proposal in after the deadline")
	}
	h.until.Store(nil)
	if l, id := n.ClusterLevel(), n.ClusterID(); l != arena.LevelClusterID || id != "" {
		t.Fatalf("after the stalled raise: level %d, cluster id %q; want the level raised and no id yet", l, id)
	}

	ctx2, cancel2 := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel2()
	if _, err := n.RaiseClusterLevel(ctx2, nil); err != nil { // the next poll
		t.Fatal(err)
	}
	if id := n.ClusterID(); id == "" {
		t.Fatalf("the cluster at level %d is still unnamed after the next poll", n.ClusterLevel())
	}
}
