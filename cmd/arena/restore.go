package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

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
	unlock, err := lockForRestore(*dataDir)
	if err != nil {
		return err
	}
	restored := false
	defer func() { unlock(restored) }()
	if id, err := os.ReadFile(filepath.Join(*dataDir, "node-id")); err == nil {
		return fmt.Errorf("%s already belongs to node %s (it holds its node-id): arena restore builds a new data dir, for a new cluster; "+
			"give it a new, empty --data-dir", *dataDir, strings.TrimSpace(string(id)))
	}
	r, err := arena.RestoreDataDir(*dataDir, *nodeID, addr, *raftLog, in)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*dataDir, "node-id"), []byte(*nodeID+"\n"), 0o600); err != nil {
		return fmt.Errorf("store node id: %w", err)
	}
	restored = true
	fmt.Fprintf(stdout, "Restored state at log index %d into %s for node %s (raft %s).\n", r.Index, *dataDir, *nodeID, addr)
	if r.ClusterID != "" {
		fmt.Fprintf(stdout, "It starts a new cluster, %s: the backed-up cluster's members cannot join it, nor can its members join that cluster.\n", r.ClusterID)
	}
	fmt.Fprintf(stdout, "Start it with the same --node-id, --raft-addr and the cluster's operator token and secrets key:\n")
	adv := ""
	if *raftAdv != "" {
		adv = " --raft-advertise " + *raftAdv
	}
	fmt.Fprintf(stdout, "  arena serve --node-id %s --data-dir %s --raft-addr %s%s --operator-token ... --secrets-key ...\n", *nodeID, *dataDir, *raftAddr, adv)
	return nil
}

// lockForRestore takes the data dir's LOCK as a serving node does, so a
// node started on the dir while it is restored is refused, and names the
// running node whose dir it is: restoring onto it was refused only as a
// dir that "already belongs to a node", which did not say the node was
// running. The release removes a LOCK file the restore created, so a
// failed restore leaves the dir as it found it.
func lockForRestore(dir string) (release func(restored bool), err error) {
	path := filepath.Join(dir, "LOCK")
	_, statErr := os.Stat(path)
	created := errors.Is(statErr, os.ErrNotExist)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open data dir lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("lock data dir %s: %w", dir, err)
		}
		holder := ""
		if b, rerr := os.ReadFile(path); rerr == nil {
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil && pid > 0 {
				holder = fmt.Sprintf(" (pid %d)", pid)
			}
		}
		return nil, fmt.Errorf("%s is the data dir of a running node%s: arena restore builds a new data dir, for a new cluster, and never writes over a node's; "+
			"give it a new, empty --data-dir (to bring a cluster back to a backup, restore into a new dir and start the restored node and fresh members in place of the old ones: docs/OPERATIONS.md, Backup and restore)",
			dir, holder)
	}
	return func(restored bool) {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
		if created && !restored {
			os.Remove(path) // leave the dir as the restore found it
		}
	}, nil
}
