package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/client"
)

var clusterCommands = []*command{
	{
		group: "cluster", name: "status",
		synopsis: "[--linearizable]",
		summary: "Show the node's Raft state and the cluster membership: each member's suffrage\n" +
			"        (Voter, or Nonvoter while it catches up or as a read replica), applied index and\n" +
			"        lag behind the commit index. --linearizable confirms the answer with the leader\n" +
			"        instead of trusting a follower's view.",
		cred:  credNone,
		setup: clusterStatus,
	},
	{
		group: "cluster", name: "remove",
		synopsis: "NODE_ID [--force]",
		summary: "Remove a node from the Raft configuration (needs --operator-token). Refused\n" +
			"        while the voters left would not hold a quorum that answers the leader (a\n" +
			"        voter down: remove that one first), unless --force.",
		args:  []string{"NODE_ID"},
		cred:  credOperator,
		setup: clusterRemove,
	},
	{
		group: "cluster", name: "rotate-token",
		synopsis: "[--token TOKEN]",
		summary: "Replace the operator token (needs the current one as --operator-token): with\n" +
			"        TOKEN (at least 32 printable characters), or with one the node generates,\n" +
			"        printed once. Every member refuses the old token once it has applied the\n" +
			"        change; give the new one to every node's ARENA_OPERATOR_TOKEN (or the first\n" +
			"        node's data/operator-token file) before it next starts.",
		cred:  credOperator,
		setup: clusterRotateToken,
	},
	{
		group: "cluster", name: "backup",
		synopsis: "FILE [--force]",
		summary: "Save a consistent copy of the cluster's state to FILE (needs --operator-token),\n" +
			"        with every write acknowledged before the command in it, as etcdctl snapshot\n" +
			"        save does. The copy is written beside FILE, checked as a state file and only\n" +
			"        then renamed to FILE (mode 0600); an existing FILE is kept unless --force.\n" +
			"        Keep the secrets key with it; restore with arena restore (OPERATIONS.md).",
		args:  []string{"FILE"},
		cred:  credOperator,
		setup: clusterBackup,
	},
}

func clusterBackup(fs *flag.FlagSet) action {
	force := fs.Bool("force", false, "")
	return func(ctx context.Context, inv *invocation) error {
		path := inv.args[0]
		if _, err := os.Stat(path); err == nil && !*force {
			return usagef("%s exists; give another file or --force to replace it", path)
		}
		tmp := path + ".partial"
		os.Remove(tmp) // a copy an earlier, interrupted run left
		f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("create %s: %w", tmp, err)
		}
		keep := false
		defer func() {
			if !keep {
				f.Close()
				os.Remove(tmp)
			}
		}()
		index, n, err := inv.client.Backup(ctx, f)
		if err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("sync %s: %w", tmp, err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("close %s: %w", tmp, err)
		}
		if err := checkStateFile(tmp); err != nil {
			return fmt.Errorf("the copy the node sent is not a sound state file (nothing was saved): %w", err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("rename %s to %s: %w", tmp, path, err)
		}
		keep = true
		if inv.g.json {
			return printJSON(inv.stdout, map[string]any{"file": path, "bytes": n, "applied_index": index})
		}
		fmt.Fprintf(inv.stdout, "saved %s: %d bytes, the state at log index %d (checked). Keep the cluster's secrets key with it.\n", sanitize(path), n, index)
		return nil
	}
}

// checkStateFile opens a saved copy read-only and runs bbolt's own
// consistency check over it, as etcdctl snapshot status reads a snapshot.
func checkStateFile(path string) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) error {
		var first error
		for err := range tx.Check() { // drained: the checker stops only at the end
			if first == nil {
				first = err
			}
		}
		return first
	})
}

func clusterRotateToken(fs *flag.FlagSet) action {
	token := fs.String("token", "", "")
	return func(ctx context.Context, inv *invocation) error {
		tok, err := inv.client.RotateOperatorToken(ctx, *token)
		if err != nil {
			return err
		}
		if inv.g.json {
			return printJSON(inv.stdout, map[string]string{"operator_token": tok})
		}
		fmt.Fprintf(inv.stdout, "operator token replaced; the old one is refused from now on. The new token (shown once):\n  %s\n", sanitize(tok))
		return nil
	}
}

func clusterStatus(fs *flag.FlagSet) action {
	linearizable := fs.Bool("linearizable", false, "")
	return func(ctx context.Context, inv *invocation) error {
		st, err := inv.client.Cluster(ctx, *linearizable)
		if err != nil {
			return err
		}
		if inv.g.json {
			return printJSON(inv.stdout, st)
		}
		leader := "none known"
		if st.Leader != nil && st.Leader.ID != "" {
			leader = fmt.Sprintf("%s (%s)", st.Leader.ID, st.Leader.HTTPAddr)
		}
		clusterID := st.ClusterID
		if clusterID == "" {
			clusterID = "none yet (named at command level 3)"
		}
		t := newTable(inv.stdout)
		t.row("CLUSTER", clusterID)
		t.row("NODE", st.NodeID)
		t.row("STATE", st.State)
		t.row("TERM", formatUint(st.Term))
		t.row("LEADER", leader)
		t.row("COMMIT INDEX", formatUint(st.CommitIndex))
		t.row("APPLIED INDEX", formatUint(st.AppliedIndex))
		t.row("LAST LOG INDEX", formatUint(st.LastLogIndex))
		t.row("STATE HASH", fmt.Sprintf("%s (at index %d)", st.StateHash, st.StateHashIndex))
		t.row("COMMAND LEVEL", strconv.Itoa(st.CommandLevel))
		if err := t.flush(); err != nil {
			return err
		}
		fmt.Fprintln(inv.stdout)
		if err := printNodes(newTable(inv.stdout), st.Nodes); err != nil {
			return err
		}
		// Why a member is unreachable: down, or another cluster's node
		// at its address (a wiped member that bootstrapped anew).
		for _, n := range st.Nodes {
			if n.Problem != "" && n.Reachable != nil && !*n.Reachable {
				fmt.Fprintf(inv.stdout, "\n%s unreachable: %s", sanitize(n.ID), sanitize(n.Problem))
			}
		}
		if slices.ContainsFunc(st.Nodes, func(n client.Node) bool { return n.Problem != "" && n.Reachable != nil && !*n.Reachable }) {
			fmt.Fprintln(inv.stdout)
		}
		if st.Removed() {
			// Its table lists the members without it and STATE says only
			// "Shutdown": say what that means, as /readyz does.
			fmt.Fprintf(inv.stdout, "\nNode %s was removed from the cluster and takes no further part in it: stop it, "+
				"or empty its data dir and start it with --join to add it again.\n", sanitize(st.NodeID))
		}
		return nil
	}
}

// printNodes lists the members. SUFFRAGE says "Nonvoter" while a joined
// node catches up (the leader promotes it) and "Nonvoter (read replica)"
// for one that stays so; APPLIED and LAG come from the serving node's last
// poll of each member ("-" before the first, "unreachable" when the
// member did not answer it); LEVEL is the command level of the release
// each member runs, from the same poll.
func printNodes(t *table, nodes []client.Node) error {
	t.row("ID", "RAFT ADDR", "HTTP ADDR", "SUFFRAGE", "APPLIED", "LAG", "LEVEL", "LEADER")
	for _, n := range nodes {
		leader := "no"
		if n.Leader {
			leader = "yes"
		}
		suffrage := n.Suffrage
		if n.ReadReplica {
			suffrage += " (read replica)"
		}
		applied, lag, level := "-", "-", "-"
		if n.AppliedIndex != nil {
			applied = formatUint(*n.AppliedIndex)
		}
		if n.Lag != nil {
			lag = formatUint(*n.Lag)
		}
		if n.CommandLevel != nil {
			level = strconv.Itoa(*n.CommandLevel)
		}
		if n.Reachable != nil && !*n.Reachable {
			lag = "unreachable"
		}
		t.row(n.ID, n.RaftAddr, n.HTTPAddr, suffrage, applied, lag, level, leader)
	}
	return t.flush()
}

func clusterRemove(fs *flag.FlagSet) action {
	force := fs.Bool("force", false, "")
	return func(ctx context.Context, inv *invocation) error {
		id := inv.args[0]
		if err := inv.client.RemoveNode(ctx, id, *force); err != nil {
			var apiErr *client.APIError
			if !*force && errors.As(err, &apiErr) && apiErr.Status == http.StatusConflict && strings.Contains(apiErr.Message, "force=true") {
				// The node names the API's ?force=true; say the flag.
				e := *apiErr
				e.Message += fmt.Sprintf(" (with arenactl: cluster remove %s --force)", id)
				return &e
			}
			return err
		}
		// The API answers 204 with no body, so --json has nothing to print.
		if !inv.g.json {
			fmt.Fprintf(inv.stdout, "removed node %s\n", sanitize(id))
		}
		return nil
	}
}
