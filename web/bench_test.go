package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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

// BenchmarkSpectatorFanout measures how long a committed event takes to
// reach every websocket spectator on one node, and the memory each
// spectator connection costs (client and server ends both live in this
// process, so the figure covers both). stream=contest watches one contest
// (/v1/contests/{id}/stream), one iteration a move; stream=arena watches
// the arena's live feed (/v1/arenas/{name}/live), one iteration a contest
// created (and then aborted, so the agents stay free).
// Run: go test -run '^$' -bench SpectatorFanout -benchtime 100x ./web/
func BenchmarkSpectatorFanout(b *testing.B) {
	for _, stream := range []string{"contest", "arena"} {
		for _, n := range []int{1000, 5000} {
			b.Run(fmt.Sprintf("stream=%s/spectators=%d", stream, n), func(b *testing.B) { benchFanout(b, stream, n) })
		}
	}
}

func benchFanout(b *testing.B, stream string, spectators int) {
	// Every spectator dials from loopback: lift the per-address limits on
	// websockets (128) and on requests (a burst of 400), which would
	// otherwise refuse most of them.
	_, nodes := plClusterTB(b, 1, plOptions{web: func(c *web.Config) {
		c.Limits.WSConnsPerIP, c.Limits.RequestsPerSecondPerIP, c.Limits.RequestBurstPerIP = -1, -1, -1
	}})
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
	// The event an iteration makes, and the number a spectator reads back
	// from its frame to know which iteration it belongs to.
	var (
		path  string
		fire  func(i int, seq uint64) error
		parse func([]byte) (uint64, bool)
		first uint64
	)
	switch stream {
	case "contest":
		contest := fmt.Sprintf("c_fan%d_%d", spectators, b.N)
		if _, err := node.CreateContest(ctx, contest, "fan", []string{"ag_x", "ag_y"}, 1); err != nil {
			b.Fatal(err)
		}
		st, _ := node.Contest(contest)
		first = st.Seq + 1
		path = "/v1/contests/" + contest + "/stream"
		parse = eventSeq
		fire = func(int, uint64) error {
			return node.Move(ctx, contest, "ag_x", nil, json.RawMessage(`{"text":"x","final":false}`))
		}
	case "arena":
		path = "/v1/arenas/fan/live"
		parse = liveContestNumber
		fire = func(_ int, key uint64) error {
			_, err := node.CreateContest(ctx, fmt.Sprintf("c_live_%d", key/2), "fan", []string{"ag_x", "ag_y"}, key)
			return err
		}
	}

	var sent [1 << 16]atomic.Int64 // key -> send time (ns)
	var got sync.Map               // key -> *atomic.Int64 receivers
	all := make(chan uint64, 1024)
	var mu sync.Mutex
	var lat []time.Duration

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	url := "ws" + strings.TrimPrefix(nodes[0].url, "http") + path
	conns := make([]*websocket.Conn, 0, spectators)
	for i := 0; i < spectators; i++ {
		conn, resp, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			b.Fatalf("spectator %d: %v%s", i, err, errorBody(resp))
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
			var last uint64 // keys only rise; a later frame of a seen key is not counted
			for {
				_, data, err := conn.ReadMessage()
				if err != nil {
					return
				}
				now := time.Now().UnixNano()
				key, ok := parse(data)
				if !ok || key <= last {
					continue
				}
				last = key
				if s := sent[key%uint64(len(sent))].Load(); s > 0 {
					mine = append(mine, time.Duration(now-s))
				}
				v, _ := got.LoadOrStore(key, new(atomic.Int64))
				if v.(*atomic.Int64).Add(1) == int64(spectators) {
					all <- key
				}
			}
		}(conn)
	}

	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		key := first + uint64(i)
		if stream == "arena" {
			key = 2 * (uint64(i) + 1)
		}
		sent[key%uint64(len(sent))].Store(time.Now().UnixNano())
		if err := fire(i, key); err != nil {
			b.Fatal(err)
		}
		select {
		case <-all:
		case <-time.After(30 * time.Second):
			b.Fatalf("event %d did not reach every spectator", i)
		}
		if stream == "arena" {
			// The abort's frame reaches everyone before the next
			// iteration, untimed, so two fan-outs never overlap.
			b.StopTimer()
			if err := node.AbortContest(ctx, fmt.Sprintf("c_live_%d", key/2), "benchmark"); err != nil {
				b.Fatal(err)
			}
			select {
			case <-all:
			case <-time.After(30 * time.Second):
				b.Fatalf("the abort of contest %d did not reach every spectator", key/2)
			}
			b.StartTimer()
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
	b.ReportMetric(float64(after.StackInuse-before.StackInuse)/float64(spectators), "stack-bytes/conn")
}

// errorBody is a refused handshake's status and JSON error, for the message.
func errorBody(resp *http.Response) string {
	if resp == nil {
		return ""
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	return fmt.Sprintf(" (%s: %s)", resp.Status, body)
}

// liveContestNumber finds the n of contest c_live_n in an arena live
// frame, cheaply (see eventSeq), as the key 2n for the contest's creation
// and 2n+1 for any later frame of it.
func liveContestNumber(data []byte) (uint64, bool) {
	if !bytes.HasPrefix(data, []byte(`{"type":"contest"`)) {
		return 0, false
	}
	i := bytes.Index(data, []byte(`"c_live_`))
	if i < 0 {
		return 0, false
	}
	n, ok := leadingNumber(data[i+len(`"c_live_`):])
	if !bytes.Contains(data, []byte(`"type":"created"`)) {
		return 2*n + 1, ok
	}
	return 2 * n, ok
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
	return leadingNumber(data[i+6:])
}

func leadingNumber(data []byte) (uint64, bool) {
	var n uint64
	digits := 0
	for _, c := range data {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + uint64(c-'0')
		digits++
	}
	return n, digits > 0
}
