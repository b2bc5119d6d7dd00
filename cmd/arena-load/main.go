// Command arena-load drives etcd and an arena cluster with the same
// closed-loop HTTP/1.1 keep-alive load generator, so their write paths
// can be compared through their front doors: etcd's JSON gateway
// (POST /v3/kv/put) and the arena's public write endpoints (a ledger grant
// with the operator token, an agent update with an owner key).
//
//	arena-load -etcd http://127.0.0.1:23791,... -arena http://127.0.0.1:18081,...
//	           -token OPERATOR_TOKEN [-clients 32,1000] [-duration 5s]
//	           [-warmup 2s] [-rounds 2] [-json]
//
// Rounds interleave the targets (etcd, grant, agent update, in an order
// that rotates each round), so a noisy moment on a shared machine hits
// every target rather than one. scripts/bench-vs-etcd.sh starts both
// clusters and runs this; docs/BENCHMARKS.md has the figures.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/agentarena/arena/internal/proccpu"
)

// errFlagsPrinted is a command line the flag package refused and printed.
var errFlagsPrinted = errors.New("bad command line")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type options struct {
	etcd, arena []string
	token       string
	clients     []int
	duration    time.Duration
	warmup      time.Duration
	rounds      int
	agents      int
	targets     []string
	json        bool
	// etcdPIDs and arenaPIDs are the servers' processes, whose CPU time
	// per write the report shows.
	etcdPIDs, arenaPIDs []int
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("arena-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	etcd := fs.String("etcd", "", "etcd client URLs, comma-separated (clients spread over them)")
	arena := fs.String("arena", "", "arena node URLs, comma-separated (clients spread over them)")
	clients := fs.String("clients", "32,1000", "closed-loop clients per cell, comma-separated")
	targets := fs.String("targets", "etcd,grant,agent", "what to drive: etcd, grant (POST /v1/ledger/grants), agent (PATCH /v1/agents/{id})")
	fs.StringVar(&o.token, "token", os.Getenv("ARENA_OPERATOR_TOKEN"), "the arena's operator token, for grants [ARENA_OPERATOR_TOKEN]")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "measured time per cell")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured load before each cell")
	fs.IntVar(&o.rounds, "rounds", 2, "rounds; each runs every cell once, the report gives the median and range")
	fs.IntVar(&o.agents, "agents", 32, "agents the owner key updates (client c updates agent c mod agents)")
	fs.BoolVar(&o.json, "json", false, "print every run as JSON instead of the table")
	etcdPIDs := fs.String("etcd-pids", "", "etcd's process ids, comma-separated: the report shows their CPU time per write")
	arenaPIDs := fs.String("arena-pids", "", "the arena nodes' process ids, comma-separated, likewise")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, errFlagsPrinted // the flag package printed it, with the flags
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	o.etcd, o.arena = splitList(*etcd), splitList(*arena)
	for _, s := range splitList(*clients) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return o, fmt.Errorf("-clients: %q is not a positive integer", s)
		}
		o.clients = append(o.clients, n)
	}
	o.targets = splitList(*targets)
	var err error
	if o.etcdPIDs, err = proccpu.ParsePIDs(*etcdPIDs); err != nil {
		return o, fmt.Errorf("-etcd-pids: %w", err)
	}
	if o.arenaPIDs, err = proccpu.ParsePIDs(*arenaPIDs); err != nil {
		return o, fmt.Errorf("-arena-pids: %w", err)
	}
	for _, t := range o.targets {
		switch {
		case t == "etcd" && len(o.etcd) == 0:
			return o, errors.New("target etcd needs -etcd")
		case (t == "grant" || t == "agent") && len(o.arena) == 0:
			return o, fmt.Errorf("target %s needs -arena", t)
		case t == "grant" && o.token == "":
			return o, errors.New("target grant needs -token (or ARENA_OPERATOR_TOKEN)")
		case t != "etcd" && t != "grant" && t != "agent":
			return o, fmt.Errorf("unknown target %q (etcd, grant, agent)", t)
		}
	}
	if len(o.clients) == 0 || len(o.targets) == 0 || o.duration <= 0 || o.warmup < 0 || o.rounds < 1 || o.agents < 1 {
		return o, errors.New("need -clients, -targets, -duration > 0, -warmup >= 0, -rounds >= 1, -agents >= 1")
	}
	return o, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimRight(strings.TrimSpace(p), "/"); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if errors.Is(err, errFlagsPrinted) {
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "arena-load:", err)
		return 2
	}
	results, err := drive(ctx, o, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "arena-load:", err)
		return 1
	}
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			return 1
		}
		return 0
	}
	writeReport(stdout, o, results)
	return 0
}

// drive runs every (round, clients, target) cell and returns the runs.
func drive(ctx context.Context, o options, progress io.Writer) ([]cellResult, error) {
	maxClients := 0
	for _, c := range o.clients {
		maxClients = max(maxClients, c)
	}
	hc := newClient(maxClients)
	byName := map[string]workload{}
	for _, t := range o.targets {
		switch t {
		case "etcd":
			byName[t] = newEtcdPut(o.etcd)
		case "grant", "agent":
			if byName["grant"] != nil || byName["agent"] != nil {
				continue
			}
			owner, key, ids, err := setupArena(ctx, hc, o.arena[0], o.agents)
			if err != nil {
				return nil, err
			}
			byName["grant"] = &arenaGrant{urls: o.arena, token: o.token, owner: owner}
			byName["agent"] = &arenaAgentUpdate{urls: o.arena, key: key, agents: ids}
		}
	}
	var out []cellResult
	for r := range o.rounds {
		for _, c := range o.clients {
			for i := range o.targets {
				// Rotate the order each round, so no target always runs
				// right after another's load.
				t := o.targets[(i+r)%len(o.targets)]
				w := byName[t]
				if g, ok := w.(*arenaGrant); ok {
					g.run = fmt.Sprintf("%d-%d-%d", time.Now().UnixNano(), r, c)
				}
				pids := o.arenaPIDs
				if t == "etcd" {
					pids = o.etcdPIDs
				}
				res := runCell(ctx, hc, w, c, o.warmup, o.duration, func() float64 { return proccpu.Seconds(pids) })
				if len(pids) == 0 {
					res.CPUms = 0
				}
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				res.Round = r + 1
				out = append(out, res)
				fmt.Fprintf(progress, "round %d  %-18s %5d clients: %8.0f/s  p50 %6.1f  p99 %6.1f ms  server CPU %.3f ms/write  errors %d %s\n",
					r+1, res.Target, c, res.PerSec, res.P50ms, res.P99ms, res.CPUms, res.Errors, res.FirstErr)
			}
		}
	}
	return out, nil
}
