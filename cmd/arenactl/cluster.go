package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/agentarena/arena/client"
)

var clusterCommands = []*command{
	{
		group: "cluster", name: "status",
		synopsis: "[--linearizable]",
		summary: "Show the node's Raft state and the cluster membership. --linearizable\n" +
			"        confirms the answer with the leader instead of trusting a follower's view.",
		cred:  credNone,
		setup: clusterStatus,
	},
	{
		group: "cluster", name: "remove",
		synopsis: "NODE_ID",
		summary:  "Remove a node from the Raft configuration (needs --operator-token).",
		args:     []string{"NODE_ID"},
		cred:     credOperator,
		setup:    clusterRemove,
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
		if err := t.flush(); err != nil {
			return err
		}
		fmt.Fprintln(inv.stdout)
		return printNodes(newTable(inv.stdout), st.Nodes)
	}
}

func printNodes(t *table, nodes []client.Node) error {
	t.row("ID", "RAFT ADDR", "HTTP ADDR", "SUFFRAGE", "LEADER")
	for _, n := range nodes {
		leader := "no"
		if n.Leader {
			leader = "yes"
		}
		t.row(n.ID, n.RaftAddr, n.HTTPAddr, n.Suffrage, leader)
	}
	return t.flush()
}

func clusterRemove(*flag.FlagSet) action {
	return func(ctx context.Context, inv *invocation) error {
		id := inv.args[0]
		if err := inv.client.RemoveNode(ctx, id); err != nil {
			return err
		}
		// The API answers 204 with no body, so --json has nothing to print.
		if !inv.g.json {
			fmt.Fprintf(inv.stdout, "removed node %s\n", sanitize(id))
		}
		return nil
	}
}
