// Command etcdload drives etcd's gRPC API the way etcd's own `benchmark
// put` does (closed-loop clients sharing a few gRPC connections, random
// keys, fixed-size values), for `make bench-vs-etcd` (TARGETS=etcd-grpc):
// Debian packages no `benchmark` binary, and the bar is etcd's
// throughput through its own client library. It lives in a module of its
// own so that the arena's module does not depend on gRPC.
//
//	etcdload -endpoints 127.0.0.1:2379,... [-clients 32,1000] [-conns 100]
//	         [-duration 5s] [-warmup 2s] [-rounds 2] [-pids PID,...]
//
// The measured window is arena-load's: a put counts if it was sent and
// acknowledged inside the window; its latency runs from the call to its
// answer. Each round prints one row per client count in arena-load's
// table format (target "etcd gRPC put"), and the last lines give the
// medians over the rounds.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/agentarena/arena/internal/proccpu"
)

// valueBytes matches arena-load's etcd and arena targets.
const valueBytes = 256

type options struct {
	endpoints         []string
	clients           []int
	conns             int
	duration, warmup  time.Duration
	rounds            int
	pids              []int
	keySpace          int
	dialTimeout       time.Duration
	perRequestTimeout time.Duration
}

func main() { os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "etcdload:", err)
		return 2
	}
	if err := drive(ctx, o, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "etcdload:", err)
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("etcdload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	endpoints := fs.String("endpoints", "", "etcd client endpoints (host:port), comma-separated")
	clients := fs.String("clients", "32,1000", "closed-loop clients per cell, comma-separated")
	pids := fs.String("pids", "", "etcd's process ids, comma-separated: CPU time per put")
	fs.IntVar(&o.conns, "conns", 100, "gRPC connections the clients share (at most one per client)")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "measured time per cell")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured load before each cell")
	fs.IntVar(&o.rounds, "rounds", 2, "rounds of every cell")
	fs.IntVar(&o.keySpace, "key-space", 100000, "random keys are drawn from this many")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	for _, e := range strings.Split(*endpoints, ",") {
		if e = strings.TrimSpace(e); e != "" {
			o.endpoints = append(o.endpoints, strings.TrimPrefix(strings.TrimPrefix(e, "http://"), "https://"))
		}
	}
	for _, s := range strings.Split(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return o, fmt.Errorf("-clients: %q is not a positive integer", s)
		}
		o.clients = append(o.clients, n)
	}
	var err error
	if o.pids, err = proccpu.ParsePIDs(*pids); err != nil {
		return o, fmt.Errorf("-pids: %w", err)
	}
	if len(o.endpoints) == 0 || o.conns < 1 || o.duration <= 0 || o.warmup < 0 || o.rounds < 1 || o.keySpace < 1 {
		return o, errors.New("need -endpoints, -conns >= 1, -duration > 0, -warmup >= 0, -rounds >= 1, -key-space >= 1")
	}
	o.dialTimeout, o.perRequestTimeout = 5*time.Second, 30*time.Second
	return o, nil
}

// cell is one measured run.
type cell struct {
	clients            int
	ok, errs           int
	perSec             float64
	p50, p90, p99, max time.Duration
	cpuMs              float64
	firstErr           string
}

func drive(ctx context.Context, o options, stdout, stderr io.Writer) error {
	maxClients := 0
	for _, c := range o.clients {
		maxClients = max(maxClients, c)
	}
	conns := make([]*clientv3.Client, min(o.conns, maxClients))
	for i := range conns {
		// Each connection talks to one member, spread like the clients of
		// arena-load spread over URLs.
		c, err := clientv3.New(clientv3.Config{Endpoints: []string{o.endpoints[i%len(o.endpoints)]}, DialTimeout: o.dialTimeout,
			Logger: zap.NewNop()}) // its retries' warnings would bury the report
		if err != nil {
			return fmt.Errorf("connect to %s: %w", o.endpoints[i%len(o.endpoints)], err)
		}
		defer c.Close()
		conns[i] = c
	}
	value := strings.Repeat("v", valueBytes)
	byClients := map[int][]cell{}
	for r := range o.rounds {
		for _, n := range o.clients {
			res := runCell(ctx, o, conns, n, value)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			byClients[n] = append(byClients[n], res)
			fmt.Fprintf(stderr, "round %d  %-18s %5d clients: %8.0f/s  p50 %6.1f  p99 %6.1f ms  server CPU %.3f ms/write  errors %d %s\n",
				r+1, "etcd gRPC put", n, res.perSec, ms(res.p50), ms(res.p99), res.cpuMs, res.errs, res.firstErr)
		}
	}
	for _, n := range o.clients {
		cs := byClients[n]
		med := func(f func(cell) float64) float64 {
			xs := make([]float64, len(cs))
			for i, c := range cs {
				xs[i] = f(c)
			}
			sort.Float64s(xs)
			if len(xs)%2 == 1 {
				return xs[len(xs)/2]
			}
			return (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
		}
		lo, hi, errs := cs[0].perSec, cs[0].perSec, 0
		for _, c := range cs {
			lo, hi, errs = min(lo, c.perSec), max(hi, c.perSec), errs+c.errs
		}
		cpu := "–"
		if len(o.pids) > 0 {
			cpu = fmt.Sprintf("%.2f", med(func(c cell) float64 { return c.cpuMs }))
		}
		fmt.Fprintf(stdout, "| %d | etcd gRPC put (%d conns) | %.0f (%.0f–%.0f) | %.1f | %.1f | %.1f | %.1f | %s | %d | | |\n",
			n, min(o.conns, n), med(func(c cell) float64 { return c.perSec }), lo, hi,
			med(func(c cell) float64 { return ms(c.p50) }), med(func(c cell) float64 { return ms(c.p90) }),
			med(func(c cell) float64 { return ms(c.p99) }), med(func(c cell) float64 { return ms(c.max) }), cpu, errs)
	}
	return nil
}

// runCell drives n closed-loop clients (client i on connection i mod
// conns, as etcd's benchmark assigns them) for the warm-up and the window.
func runCell(ctx context.Context, o options, conns []*clientv3.Client, n int, value string) cell {
	start := time.Now()
	from, end := start.Add(o.warmup), start.Add(o.warmup+o.duration)
	ctx, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	cpuFrom := make(chan float64, 1)
	time.AfterFunc(o.warmup, func() { cpuFrom <- proccpu.Seconds(o.pids) })
	lat := make([][]time.Duration, n)
	var errs atomic.Int64
	var firstErr atomic.Value
	used := min(len(conns), n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			kv := conns[i%used]
			mine := make([]time.Duration, 0, 1024)
			for ctx.Err() == nil {
				key := fmt.Sprintf("key%08d", rand.IntN(o.keySpace))
				rctx, rcancel := context.WithTimeout(ctx, o.perRequestTimeout)
				t0 := time.Now()
				_, err := kv.Put(rctx, key, value)
				t1 := time.Now()
				rcancel()
				if t0.Before(from) || t1.After(end) {
					continue
				}
				if err != nil {
					if ctx.Err() == nil {
						errs.Add(1)
						firstErr.CompareAndSwap(nil, err.Error())
					}
					continue
				}
				mine = append(mine, t1.Sub(t0))
			}
			lat[i] = mine
		}()
	}
	wg.Wait()
	cpuUsed := proccpu.Seconds(o.pids) - <-cpuFrom
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	c := cell{clients: n, ok: len(all), errs: int(errs.Load()), perSec: float64(len(all)) / o.duration.Seconds()}
	if len(all) > 0 {
		c.p50, c.p90, c.p99, c.max = rank(all, 0.50), rank(all, 0.90), rank(all, 0.99), all[len(all)-1]
		if len(o.pids) > 0 {
			c.cpuMs = cpuUsed * 1000 / float64(len(all))
		}
	}
	if v, ok := firstErr.Load().(string); ok {
		c.firstErr = v
	}
	return c
}

// rank is the nearest-rank percentile of sorted d.
func rank(d []time.Duration, p float64) time.Duration {
	i := int(float64(len(d))*p+0.999999) - 1
	return d[max(0, min(i, len(d)-1))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
