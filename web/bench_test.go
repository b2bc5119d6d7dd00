package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/web"
)

// BenchmarkSpectatorFanout measures how long a committed move takes to
// reach every websocket spectator of its contest on one node, and the
// memory each spectator connection costs (client and server ends both live
// in this process, so the figure covers both). One iteration is one move
// delivered to all spectators.
// Run: go test -run '^$' -bench SpectatorFanout -benchtime 100x ./web/
func BenchmarkSpectatorFanout(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		b.Run(fmt.Sprintf("spectators=%d", n), func(b *testing.B) { benchFanout(b, n) })
	}
}

func benchFanout(b *testing.B, spectators int) {
	// Every spectator dials from loopback: lift the per-address websocket
	// limit, which would otherwise refuse all but the first 128.
	c, nodes := plClusterTB(b, 1, plOptions{web: func(c *web.Config) { c.Limits.WSConnsPerIP = -1 }})
	node := nodes[0].node
	ctx := context.Background()
	opts, _ := json.Marshal(map[string]int{"max_answer_bytes": 1 << 20})
	if _, err := node.PutArena(ctx, api.Arena{Name: "fan", Game: "prompt", Seats: 2, MoveDeadlineMS: 600000, GraceMS: 600000,
		Forfeit: arena.ForfeitLose, Rewards: []int{100}, Judges: []string{"rubric"}, EloK: 32, MaxConcurrentPerAgent: 1, Options: opts}); err != nil {
		b.Fatal(err)
	}
	if _, err := node.CreateOwner(ctx, agents.Owner{ID: "ow_f", Name: "fan"}, agents.HashKey("kf")); err != nil {
		b.Fatal(err)
	}
	for _, id := range []string{"ag_x", "ag_y"} {
		if _, err := node.CreateAgent(ctx, agents.Agent{ID: id, OwnerID: "ow_f", Name: id, Kind: agents.KindWebsocket}, agents.HashKey(id)); err != nil {
			b.Fatal(err)
		}
	}
	contest := fmt.Sprintf("c_fan%d_%d", spectators, b.N)
	if _, err := node.CreateContest(ctx, contest, "fan", []string{"ag_x", "ag_y"}, 1); err != nil {
		b.Fatal(err)
	}
	_ = c

	var sent [1 << 16]atomic.Int64 // seq -> send time (ns)
	var got sync.Map               // seq -> *atomic.Int64 receivers
	all := make(chan uint64, 1024)
	var mu sync.Mutex
	var lat []time.Duration

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	url := "ws" + strings.TrimPrefix(nodes[0].url, "http") + "/v1/contests/" + contest + "/stream"
	conns := make([]*websocket.Conn, 0, spectators)
	for i := 0; i < spectators; i++ {
		conn, _, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			b.Fatalf("spectator %d: %v", i, err)
		}
		conns = append(conns, conn)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	var wg sync.WaitGroup
	for _, conn := range conns {
		wg.Add(1)
		go func(conn *websocket.Conn) {
			defer wg.Done()
			var mine []time.Duration
			defer func() {
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			}()
			for {
				_, data, err := conn.ReadMessage()
				if err != nil {
					return
				}
				now := time.Now().UnixNano()
				seq, ok := eventSeq(data)
				if !ok {
					continue
				}
				if s := sent[seq%uint64(len(sent))].Load(); s > 0 {
					mine = append(mine, time.Duration(now-s))
				}
				v, _ := got.LoadOrStore(seq, new(atomic.Int64))
				if v.(*atomic.Int64).Add(1) == int64(spectators) {
					all <- seq
				}
			}
		}(conn)
	}

	b.ResetTimer()
	st, _ := node.Contest(contest)
	seq := st.Seq
	for i := 0; i < b.N; i++ {
		seq++
		sent[seq%uint64(len(sent))].Store(time.Now().UnixNano())
		if err := node.Move(ctx, contest, "ag_x", nil, json.RawMessage(`{"text":"x","final":false}`)); err != nil {
			b.Fatal(err)
		}
		select {
		case <-all:
		case <-time.After(30 * time.Second):
			b.Fatalf("move %d did not reach every spectator", i)
		}
	}
	b.StopTimer()
	for _, conn := range conns {
		conn.Close()
	}
	wg.Wait()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
	b.ReportMetric(float64(after.HeapInuse+after.StackInuse-before.HeapInuse-before.StackInuse)/float64(spectators), "bytes/conn")
}

// eventSeq finds an event frame's seq without a full JSON decode: the
// spectators share the benchmark's two cores with the server, so their own
// parsing must stay cheap to not distort what is measured.
func eventSeq(data []byte) (uint64, bool) {
	if !bytes.HasPrefix(data, []byte(`{"type":"event"`)) {
		return 0, false
	}
	i := bytes.Index(data, []byte(`"seq":`))
	if i < 0 {
		return 0, false
	}
	var n uint64
	for _, c := range data[i+6:] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}
