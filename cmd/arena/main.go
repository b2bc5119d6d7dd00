// Command arena runs an Agent Arena node.
//
//	arena serve [flags]   start a node (a fresh one bootstraps itself)
//	arena dev-cluster [N] N local nodes on loopback, stopped by Ctrl-C
//	arena restore         a data dir for a new cluster from a backup
//	arena version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, stop, os.Args[1:]))
}

// shutdown stops a serving node within its --shutdown-timeout. The signal
// handler is released first, so a second SIGTERM or Ctrl-C kills the
// process at once; a backstop exits if a step ignores its deadline.
func shutdown(m *Main, releaseSignals func()) int {
	releaseSignals()
	fmt.Fprintf(os.Stderr, "arena: shutting down (deadline %v)\n", m.ShutdownTimeout)
	backstop := time.AfterFunc(m.ShutdownTimeout+2*time.Second, func() {
		fmt.Fprintf(os.Stderr, "arena: shutdown still running %v after the signal; exiting\n", m.ShutdownTimeout+2*time.Second)
		os.Exit(1)
	})
	defer backstop.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), m.ShutdownTimeout)
	defer cancel()
	start := time.Now()
	if err := m.Shutdown(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "arena: shutdown did not finish cleanly within %v (after %v): %v\n", m.ShutdownTimeout, time.Since(start).Round(time.Millisecond), err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "arena: stopped in %v\n", time.Since(start).Round(time.Millisecond))
	return 0
}

func run(ctx context.Context, stop func(), args []string) int {
	if len(args) == 0 {
		usage()
		return 2
	}
	switch args[0] {
	case "serve":
		m := NewMain()
		if err := m.ParseFlags(args[1:], os.Getenv); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0 // the flags were asked for, and printed
			}
			fmt.Fprintln(os.Stderr, "arena:", err)
			return 2
		}
		if err := m.Run(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "arena:", err)
			m.Close()
			return 1
		}
		<-ctx.Done()
		return shutdown(m, stop)
	case "dev-cluster":
		if err := runDevCluster(ctx, args[1:], os.Stdout, os.Stderr, os.Getenv); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0 // the flags were asked for, and printed
			}
			fmt.Fprintln(os.Stderr, "arena dev-cluster:", err)
			return 1
		}
		return 0
	case "restore":
		if err := runRestore(args[1:], os.Stdin, os.Stdout, os.Getenv); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			fmt.Fprintln(os.Stderr, "arena restore:", err)
			return 1
		}
		return 0
	case "version":
		fmt.Println("arena", version)
		return 0
	case "help", "-h", "--help":
		usage()
		return 0
	default:
		fmt.Fprintf(os.Stderr, "arena: unknown command %q\n", args[0])
		usage()
		return 2
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `usage: arena <command> [flags]

commands:
  serve     run a node (see 'arena serve -h' for flags; each flag also reads ARENA_<FLAG>)
  dev-cluster [N]  run N nodes (default 3) on loopback ports in this process, until Ctrl-C
  restore   turn a backup (GET /v1/cluster/snapshot) into a data dir for a new cluster
  version   print the version
`)
}
