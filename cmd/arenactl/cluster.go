package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"

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
		t := newTable(inv.stdout)
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
		return printNodes(newTable(inv.stdout), st.Nodes)
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
			return err
		}
		// The API answers 204 with no body, so --json has nothing to print.
		if !inv.g.json {
			fmt.Fprintf(inv.stdout, "removed node %s\n", sanitize(id))
		}
		return nil
	}
}
