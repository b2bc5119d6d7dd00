package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"

	"github.com/agentarena/arena/arena"
)

// runRestore implements `arena restore`: it turns a backup (the bytes of
// GET /v1/cluster/snapshot) into a fresh data dir from which `arena serve`
// starts a one-member cluster holding that state; more members then join
// it as usual.
func runRestore(args []string, stdin io.Reader, stdout io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("arena restore", flag.ContinueOnError)
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	from := fs.String("from", "", "backup file to restore, or - for standard input (required)")
	dataDir := fs.String("data-dir", env("ARENA_DATA_DIR", "./data"), "empty data dir to create [ARENA_DATA_DIR]")
	nodeID := fs.String("node-id", env("ARENA_NODE_ID", "node1"), "id of the node that will serve the restored state [ARENA_NODE_ID]")
	raftAddr := fs.String("raft-addr", env("ARENA_RAFT_ADDR", "127.0.0.1:7000"), "Raft address the node will listen on [ARENA_RAFT_ADDR]")
	raftAdv := fs.String("raft-advertise", env("ARENA_RAFT_ADVERTISE", ""), "Raft address peers will dial (default --raft-addr) [ARENA_RAFT_ADVERTISE]")
	raftLog := fs.String("raft-log", env("ARENA_RAFT_LOG", arena.DefaultRaftLog), "Raft log store of the new data dir: wal or bolt [ARENA_RAFT_LOG]")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if *from == "" {
		return errors.New("--from is required: a file written by GET /v1/cluster/snapshot, or -")
	}
	// The address goes into the configuration the node starts from, and
	// serve refuses one that does not match what it advertises: refuse
	// here what serve would refuse, before anything is written.
	if err := checkRaftAddrs(*raftAddr, *raftAdv); err != nil {
		return err
	}
	addr := *raftAdv
	if addr == "" {
		addr = *raftAddr
		if _, port, _ := net.SplitHostPort(addr); port == "0" {
			return fmt.Errorf("--raft-addr %s: the restored node is stored at this address, so give the port it will listen on (for example 127.0.0.1:7000)", addr)
		}
	}
	var in io.Reader = stdin
	if *from != "-" {
		f, err := os.Open(*from)
		if err != nil {
			return fmt.Errorf("open backup: %w", err)
		}
		defer f.Close()
		in = f
	}
	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	if _, err := os.Stat(filepath.Join(*dataDir, "node-id")); err == nil {
		return fmt.Errorf("%s already belongs to a node: restore into an empty data dir", *dataDir)
	}
	r, err := arena.RestoreDataDir(*dataDir, *nodeID, addr, *raftLog, in)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*dataDir, "node-id"), []byte(*nodeID+"\n"), 0o600); err != nil {
		return fmt.Errorf("store node id: %w", err)
	}
	fmt.Fprintf(stdout, "Restored state at log index %d into %s for node %s (raft %s).\n", r.Index, *dataDir, *nodeID, addr)
	if r.ClusterID != "" {
		fmt.Fprintf(stdout, "It starts a new cluster, %s: the backed-up cluster's members cannot join it, nor its members that cluster.\n", r.ClusterID)
	}
	fmt.Fprintf(stdout, "Start it with the same --node-id, --raft-addr and the cluster's operator token and secrets key:\n")
	adv := ""
	if *raftAdv != "" {
		adv = " --raft-advertise " + *raftAdv
	}
	fmt.Fprintf(stdout, "  arena serve --node-id %s --data-dir %s --raft-addr %s%s --operator-token ... --secrets-key ...\n", *nodeID, *dataDir, *raftAddr, adv)
	return nil
}
