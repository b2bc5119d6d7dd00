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
	"strconv"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/agentarena/arena/internal/loadcell"
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
	byClients := map[int][]loadcell.Result{}
	for r := range o.rounds {
		for _, n := range o.clients {
			res := runCell(ctx, o, conns, n, value)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			byClients[n] = append(byClients[n], res)
			fmt.Fprintf(stderr, "round %d  %-18s %5d clients: %8.0f/s  p50 %6.1f  p99 %6.1f ms  server CPU %.3f ms/write  errors %d %s\n",
				r+1, "etcd gRPC put", n, res.PerSec, loadcell.Ms(res.P50), loadcell.Ms(res.P99), cpuMs(o, res), res.Errors, res.FirstErr)
		}
	}
	for _, n := range o.clients {
		rs := byClients[n]
		med := func(f func(loadcell.Result) float64) float64 {
			xs := make([]float64, len(rs))
			for i, r := range rs {
				xs[i] = f(r)
			}
			return loadcell.Median(xs)
		}
		lo, hi, errs := rs[0].PerSec, rs[0].PerSec, 0
		for _, r := range rs {
			lo, hi, errs = min(lo, r.PerSec), max(hi, r.PerSec), errs+r.Errors
		}
		cpu := "–"
		if len(o.pids) > 0 {
			cpu = fmt.Sprintf("%.2f", med(func(r loadcell.Result) float64 { return cpuMs(o, r) }))
		}
		fmt.Fprintf(stdout, "| %d | etcd gRPC put (%d conns) | %.0f (%.0f–%.0f) | %.1f | %.1f | %.1f | %.1f | %s | %d | | |\n",
			n, min(o.conns, n), med(func(r loadcell.Result) float64 { return r.PerSec }), lo, hi,
			med(func(r loadcell.Result) float64 { return loadcell.Ms(r.P50) }), med(func(r loadcell.Result) float64 { return loadcell.Ms(r.P90) }),
			med(func(r loadcell.Result) float64 { return loadcell.Ms(r.P99) }), med(func(r loadcell.Result) float64 { return loadcell.Ms(r.Max) }), cpu, errs)
	}
	return nil
}

// runCell drives n closed-loop clients (client i on connection i mod
// conns, as etcd's benchmark assigns them) for the warm-up and the window.
func runCell(ctx context.Context, o options, conns []*clientv3.Client, n int, value string) loadcell.Result {
	used := min(len(conns), n)
	return loadcell.Run(ctx, n, o.warmup, o.duration, func(ctx context.Context, c, _ int) error {
		rctx, cancel := context.WithTimeout(ctx, o.perRequestTimeout)
		defer cancel()
		_, err := conns[c%used].Put(rctx, fmt.Sprintf("key%08d", rand.IntN(o.keySpace)), value)
		return err
	}, func() float64 { return proccpu.Seconds(o.pids) })
}

// cpuMs is the servers' CPU time per acknowledged put (0 without pids).
func cpuMs(o options, r loadcell.Result) float64 {
	if len(o.pids) == 0 || r.OK == 0 {
		return 0
	}
	return r.CPUSeconds * 1000 / float64(r.OK)
}
