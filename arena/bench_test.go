package arena_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
)

// drawLine fills a connect4 board without four in a row, so a contest
// lasts 42 moves.
var drawLine = []int{3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 4, 4, 4, 4, 4, 4, 0, 1, 1, 1, 1, 1, 1, 5, 5, 5, 5, 5, 5, 0, 0, 0, 0, 0, 6, 6, 6, 6, 6, 6}

// BenchmarkContestMoves measures replicated moves per second with many
// contests running at once: each move is a Raft command applied (and
// acknowledged) before the seat's next move, as a live agent would play.
// One node, real bbolt fsyncs. Run: go test -run '^$' -bench ContestMoves ./arena/
func BenchmarkContestMoves(b *testing.B) {
	for _, contests := range []int{1, 100} {
		b.Run(fmt.Sprintf("contests=%d", contests), func(b *testing.B) {
			c := arenatest.NewCluster(b, 1)
			n := c.Leader()
			ctx := context.Background()
			if err := n.Seed(ctx, arena.DefaultArenas()[:1], nil); err != nil {
				b.Fatal(err)
			}
			if _, err := n.CreateOwner(ctx, agents.Owner{ID: "ow_b", Name: "bench"}, agents.HashKey("k")); err != nil {
				b.Fatal(err)
			}
			for i := 0; i < 2*contests; i++ {
				id := "ag_" + strconv.Itoa(i)
				if _, err := n.CreateAgent(ctx, agents.Agent{ID: id, OwnerID: "ow_b", Name: id, Kind: agents.KindWebsocket}, agents.HashKey(id)); err != nil {
					b.Fatal(err)
				}
			}
			var left atomic.Int64
			left.Store(int64(b.N))
			var seq atomic.Int64
			pages := n.StatePagesWritten()
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for g := 0; g < contests; g++ {
				wg.Add(1)
				go func(g int) {
					defer wg.Done()
					pair := []string{"ag_" + strconv.Itoa(2*g), "ag_" + strconv.Itoa(2*g+1)}
					for left.Load() > 0 {
						id := fmt.Sprintf("c_%08d", seq.Add(1))
						if _, err := n.CreateContest(ctx, id, "connect4", pair, 1); err != nil {
							b.Error(err)
							return
						}
						for turn, col := range drawLine {
							if left.Add(-1) < 0 {
								return
							}
							tn := uint64(turn)
							if err := n.Move(ctx, id, pair[turn%2], &tn, json.RawMessage(strconv.Itoa(col))); err != nil {
								b.Error(err)
								return
							}
						}
					}
				}(g)
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "moves/s")
			b.ReportMetric(float64(n.StatePagesWritten()-pages)/float64(b.N), "pages/move")
		})
	}
}
