package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/agentarena/arena/agents"
)

// runDevCluster implements `arena dev-cluster [N]`: N nodes in this one
// process on loopback ports, each with its own data dir, node 1 bootstrapping
// and the others joining it. It prints their URLs and stops them all when
// ctx ends (Ctrl-C). Restarting with the same --data-dir resumes the same
// cluster.
func runDevCluster(ctx context.Context, args []string, stdout, logs io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("arena dev-cluster", flag.ContinueOnError)
	dir := fs.String("data-dir", "data/dev", "parent of the nodes' data dirs (n1, n2, ...)")
	httpPort := fs.Int("http-port", 8081, "HTTP port of node 1; node i listens on http-port+i-1 (0: any free port, for tests)")
	raftPort := fs.Int("raft-port", 7001, "Raft port of node 1; node i listens on raft-port+i-1 (0: any free port; such a cluster cannot be restarted)")
	logLevel := fs.String("log-level", "warn", "log level of every node")
	noBots := fs.Bool("no-bots", false, "do not run the built-in bots")
	// Flags may come before or after N.
	var rest []string
	n := 3
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return err
		}
		args = fs.Args()
		if len(args) > 0 {
			rest = append(rest, args[0])
			args = args[1:]
		}
	}
	if len(rest) > 1 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(rest[1:], " "))
	}
	if len(rest) == 1 {
		v, err := strconv.Atoi(rest[0])
		if err != nil || v < 1 || v > 9 {
			return fmt.Errorf("the node count must be 1 to 9, got %q", rest[0])
		}
		n = v
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	token, tokenAt, err := devToken(*dir, getenv, stdout)
	if err != nil {
		return err
	}
	var nodes []*Main
	defer func() {
		// Followers first, so the leader does not see them vanish one by
		// one and call elections while everything stops.
		for i := len(nodes) - 1; i >= 0; i-- {
			if err := nodes[i].Close(); err != nil {
				fmt.Fprintf(logs, "close n%d: %v\n", i+1, err)
			}
		}
	}()
	first := ""
	for i := 1; i <= n; i++ {
		m := NewMain()
		m.Stdout, m.LogOutput = io.Discard, logs
		nargs := []string{"--node-id", fmt.Sprintf("n%d", i),
			"--http-addr", loopback(*httpPort, i),
			"--raft-addr", loopback(*raftPort, i),
			"--data-dir", filepath.Join(*dir, fmt.Sprintf("n%d", i)),
			"--operator-token", token, "--log-level", *logLevel}
		if i > 1 {
			nargs = append(nargs, "--join", first)
		}
		if *noBots {
			nargs = append(nargs, "--no-bots")
		}
		if getenv("ARENA_AGENT_EGRESS") == "" {
			// Its nodes listen on loopback only, so whoever creates an
			// agent is on this machine already, and agents under test
			// (webhooks, a local model server) usually are too.
			nargs = append(nargs, "--agent-egress", "any")
		}
		if err := m.ParseFlags(nargs, getenv); err != nil {
			return err
		}
		nodes = append(nodes, m)
		if err := m.Run(ctx); err != nil {
			return fmt.Errorf("start n%d: %w", i, err)
		}
		if i == 1 {
			first = m.URL
		}
		fmt.Fprintf(stdout, "n%d  %s/  (raft %s, data %s)\n", i, m.URL, m.Node.RaftAddr(), m.DataDir)
	}
	fmt.Fprintf(stdout, "%d-node cluster up. Operator token in %s. Ctrl-C stops every node.\n", n, tokenAt)
	<-ctx.Done()
	fmt.Fprintln(stdout, "stopping...")
	return nil
}

// loopback is node i's address for a base port (0: any free port).
func loopback(base, i int) string {
	if base == 0 {
		return "127.0.0.1:0"
	}
	return fmt.Sprintf("127.0.0.1:%d", base+i-1)
}

// devToken returns ARENA_OPERATOR_TOKEN, or the token kept in dir, or a new
// one written there (mode 0600) and printed once; and where it is, for
// the banner.
func devToken(dir string, getenv func(string) string, stdout io.Writer) (token, where string, err error) {
	path := filepath.Join(dir, "operator-token")
	if t := getenv("ARENA_OPERATOR_TOKEN"); t != "" {
		// Nothing is written for a token from the environment; one kept
		// from an earlier run is the token that cluster accepts.
		if b, err := os.ReadFile(path); err == nil && strings.TrimSpace(string(b)) != t {
			fmt.Fprintf(stdout, "ARENA_OPERATOR_TOKEN is not the token in %s, which this cluster was started with: operator requests with it will be refused (401)\n", path)
		}
		return t, "ARENA_OPERATOR_TOKEN", nil
	}
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), path, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", "", fmt.Errorf("read operator token: %w", err)
	}
	tok, err := agents.NewKey(agents.OperatorPrefix)
	if err != nil {
		return "", "", err
	}
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", "", fmt.Errorf("store operator token: %w", err)
	}
	fmt.Fprintf(stdout, "Generated the operator token (kept in %s):\n  %s\n", path, tok)
	return tok, path, nil
}
