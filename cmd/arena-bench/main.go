// Command arena-bench measures the replicated state machine: it starts
// in-process clusters on loopback TCP with real fsyncs, drives the leader
// with closed-loop proposers and reports throughput and latency.
//
//	arena-bench [-nodes 1,3] [-proposers 1,32,1000] [-batching on,off]
//	            [-duration 5s] [-warmup 1s] [-repeat N] [-json]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/agentarena/arena/internal/proccpu"
	"github.com/agentarena/arena/internal/term"
)

// errFlagsPrinted is a command line the flag package refused and printed.
var errFlagsPrinted = errors.New("bad command line")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: flags in, exit code out.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts, err := parseFlags(args, stderr)
	if err == flag.ErrHelp {
		return 0
	}
	if errors.Is(err, errFlagsPrinted) {
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "arena-bench:", err)
		return 2
	}
	if opts.Op == "abuse" {
		return runAbuseCmd(ctx, opts, stdout, stderr)
	}
	if opts.Op == "agents" {
		return runAgentsCmd(ctx, opts, stdout, stderr)
	}
	b := &Bench{Opts: opts, Out: stdout, Progress: stderr, Live: term.IsTerminal(stderr)}
	if err := b.Run(ctx); err != nil {
		fmt.Fprintln(stderr, "arena-bench:", err)
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (Options, error) {
	fs := flag.NewFlagSet("arena-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	nodes := fs.String("nodes", "1,3", "cluster sizes, comma-separated")
	proposers := fs.String("proposers", "1,32,1000", "concurrent proposers, comma-separated")
	batching := fs.String("batching", "on,off", "FSM batching modes: on, off or both")
	var o Options
	fs.DurationVar(&o.Duration, "duration", 5*time.Second, "measured time per run")
	fs.DurationVar(&o.Warmup, "warmup", time.Second, "unmeasured load before each run")
	fs.IntVar(&o.Repeat, "repeat", 1, "runs per cell; the report shows the median of each figure")
	fs.IntVar(&o.MaxAppendEntries, "max-append-entries", 0, "arena.Config.MaxAppendEntries (0: the node's default)")
	fs.StringVar(&o.RaftLog, "raft-log", "", "the in-process nodes' Raft log store: wal or bolt (default: the node's default, wal)")
	fs.BoolVar(&o.JSON, "json", false, "print JSON instead of a table")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of all runs to this file")
	fs.StringVar(&o.Dir, "dir", "", "parent of the temporary data dirs (default: the system temp dir)")
	fs.BoolVar(&o.ProbeFsync, "probe-fsync", true, "measure the data disk's fsync rate first")
	fs.StringVar(&o.Op, "op", "counter", "command to propose: counter or transfer (ledger grants); abuse floods one node instead (abuse.go)")
	fs.IntVar(&o.Abuse.Conns, "abuse-conns", 10000, "-op abuse: connection attempts (TCP and websocket)")
	fs.IntVar(&o.Abuse.Bodies, "abuse-bodies", 200, "-op abuse: oversized request bodies")
	fs.Int64Var(&o.Abuse.BodyBytes, "abuse-body-bytes", 8<<20, "-op abuse: bytes in each oversized body")
	fs.IntVar(&o.Abuse.Waves, "abuse-waves", 50, "-op abuse: request bursts")
	fs.IntVar(&o.Abuse.WaveSize, "abuse-wave-size", 1000, "-op abuse: requests per burst")
	fs.IntVar(&o.Abuse.Slow, "abuse-slow", 100, "-op abuse: slow-loris clients")
	fs.IntVar(&o.Abuse.AttackIPs, "abuse-ips", 16, "-op abuse: loopback addresses the attack comes from")
	servers := fs.String("server", "", "-op agents: base URLs of a running cluster's nodes, comma-separated")
	fs.StringVar(&o.Agents.Token, "token", os.Getenv("ARENA_OPERATOR_TOKEN"), "-op agents: the operator token, to fund the agents' owners [ARENA_OPERATOR_TOKEN]")
	fs.IntVar(&o.Agents.Agents, "agents", 100, "-op agents: websocket agents, each with its own key and connection")
	fs.StringVar(&o.Agents.Arena, "arena", "connect4", "-op agents: the arena they queue in")
	fs.IntVar(&o.Agents.Spectators, "spectators", 0, "-op agents: anonymous spectators, spread over the followers (see -spectate)")
	fs.StringVar(&o.Agents.SpectateOn, "spectate-on", "", "-op agents: the base URL of the one node every spectator watches (default: spread over the followers)")
	fs.StringVar(&o.Agents.Spectate, "spectate", "live", "-op agents: what the spectators watch: live (/v1/arenas/{name}/live), contest (/v1/contests/{id}/stream, moving to a new contest when one ends) or both (-spectators of each)")
	stateFiles := fs.String("state-files", "", "-op agents: the nodes' state.db files, comma-separated, when on this machine: their sizes per settled contest join the report")
	pids := fs.String("pids", "", "-op agents: the nodes' process ids, comma-separated, when on this machine: their CPU time per acknowledged move joins the report")
	fs.Float64Var(&o.Abuse.MaxHeapMiB, "abuse-max-heap-mib", 512, "-op abuse: fail when the Go heap in use peaks above this")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, errFlagsPrinted // the flag package printed it, with the flags
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.Op == "agents" {
		for _, u := range strings.Split(*servers, ",") {
			if u = strings.TrimRight(strings.TrimSpace(u), "/"); u != "" {
				o.Agents.Servers = append(o.Agents.Servers, u)
			}
		}
		if len(o.Agents.Servers) == 0 || o.Agents.Token == "" || o.Agents.Agents < 2 {
			return o, fmt.Errorf("-op agents needs -server, -token (or ARENA_OPERATOR_TOKEN) and -agents >= 2")
		}
		if o.Agents.SpectateOn != "" && !slices.Contains(o.Agents.Servers, o.Agents.SpectateOn) {
			return o, fmt.Errorf("-spectate-on %q is not one of -server's URLs", o.Agents.SpectateOn)
		}
		if !slices.Contains(spectateModes, o.Agents.Spectate) {
			return o, fmt.Errorf("-spectate %q: want one of %s", o.Agents.Spectate, strings.Join(spectateModes, ", "))
		}
		var err error
		if o.Agents.PIDs, err = proccpu.ParsePIDs(*pids); err != nil {
			return o, fmt.Errorf("-pids: %w", err)
		}
		for _, f := range strings.Split(*stateFiles, ",") {
			if f = strings.TrimSpace(f); f != "" {
				o.Agents.StateFiles = append(o.Agents.StateFiles, f)
			}
		}
	}
	cells, err := parseMatrix(*nodes, *proposers, *batching)
	if err != nil {
		return o, err
	}
	o.Cells = cells
	if o.Duration <= 0 || o.Warmup < 0 || o.Repeat < 1 {
		return o, fmt.Errorf("need -duration > 0, -warmup >= 0 and -repeat >= 1")
	}
	return o, nil
}
