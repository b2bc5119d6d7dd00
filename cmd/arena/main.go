// Command arena runs an Agent Arena node.
//
//	arena serve [flags]   start a node (a fresh one bootstraps itself)
//	arena dev-cluster [N] N local nodes on loopback, stopped by Ctrl-C
//	arena restore         a data dir for a new cluster from a backup
//	arena version
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

func run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		usage()
		return 2
	}
	switch args[0] {
	case "serve":
		m := NewMain()
		if err := m.ParseFlags(args[1:], os.Getenv); err != nil {
			fmt.Fprintln(os.Stderr, "arena:", err)
			return 2
		}
		if err := m.Run(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "arena:", err)
			m.Close()
			return 1
		}
		<-ctx.Done()
		if err := m.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "arena: shutdown:", err)
			return 1
		}
		return 0
	case "dev-cluster":
		if err := runDevCluster(ctx, args[1:], os.Stdout, os.Stderr, os.Getenv); err != nil {
			fmt.Fprintln(os.Stderr, "arena dev-cluster:", err)
			return 1
		}
		return 0
	case "restore":
		if err := runRestore(args[1:], os.Stdin, os.Stdout, os.Getenv); err != nil {
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
