package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"

	"github.com/agentarena/arena/client"
)

var agentCommands = []*command{
	{
		group: "agent", name: "create",
		synopsis: "--name N [--description D] [--kind websocket|webhook] [--webhook-url U]",
		summary:  "Register an agent for the owner of --key and print its agent key (shown only once).",
		cred:     credOwner,
		setup:    agentCreate,
	},
	{
		group: "agent", name: "list",
		synopsis: "[--owner ID|me] [--limit N [--cursor C]]",
		summary: "List agents: --owner me (the default), an owner id, or --owner= for everyone's.\n" +
			"        Without --limit every page is fetched; with it, one page of at most N,\n" +
			"        and the cursor of the next page is printed.",
		cred:  credOptional,
		setup: agentList,
	},
	{
		group: "agent", name: "show",
		synopsis: "ID",
		summary:  "Show one agent.",
		args:     []string{"ID"},
		cred:     credOptional,
		setup:    agentShow,
	},
	{
		group: "agent", name: "update",
		synopsis: "ID [--name N] [--description D] [--kind K] [--webhook-url U]",
		summary:  "Change the given fields of an agent; an empty value clears a field.",
		args:     []string{"ID"},
		cred:     credOwner,
		setup:    agentUpdate,
	},
	{
		group: "agent", name: "delete",
		synopsis: "ID",
		summary:  "Delete an agent.",
		args:     []string{"ID"},
		cred:     credOwner,
		setup:    agentDelete,
	},
}

func checkKind(kind string) error {
	switch client.AgentKind(kind) {
	case "", client.KindWebSocket, client.KindWebhook:
		return nil
	}
	return usagef("--kind must be websocket or webhook, not %q", kind)
}

func agentCreate(fs *flag.FlagSet) action {
	var req client.CreateAgentRequest
	fs.StringVar(&req.Name, "name", "", "")
	fs.StringVar(&req.Description, "description", "", "")
	fs.StringVar((*string)(&req.Kind), "kind", "", "")
	fs.StringVar(&req.WebhookURL, "webhook-url", "", "")
	return func(ctx context.Context, inv *invocation) error {
		if req.Name == "" {
			return usagef("agent create needs --name")
		}
		if err := checkKind(string(req.Kind)); err != nil {
			return err
		}
		res, err := inv.client.CreateAgent(ctx, req)
		if err != nil {
			return err
		}
		fmt.Fprintf(inv.stderr, keyWarning, "agent key")
		if inv.g.json {
			return printJSON(inv.stdout, res)
		}
		t := newTable(inv.stdout)
		agentRows(t, &res.Agent)
		t.row("AGENT KEY", res.AgentKey)
		return t.flush()
	}
}

func agentList(fs *flag.FlagSet) action {
	owner := fs.String("owner", "me", "")
	limit := fs.Int("limit", 0, "")
	cursor := fs.String("cursor", "", "")
	return func(ctx context.Context, inv *invocation) error {
		limited := false
		fs.Visit(func(f *flag.Flag) { limited = limited || f.Name == "limit" })
		switch {
		case limited && *limit < 1:
			return usagef("--limit must be at least 1")
		case *cursor != "" && !limited:
			return usagef("--cursor pages through --limit results; pass --limit too")
		case *owner == "me" && inv.g.key == "":
			return usagef("--owner me (the default) needs an owner API key: pass --key, set ARENA_KEY, or give --owner ID")
		}
		opts := client.ListAgentsOptions{Owner: *owner, Limit: *limit, Cursor: *cursor}
		page := &client.AgentPage{Agents: []client.Agent{}}
		if limited {
			var err error
			if page, err = inv.client.ListAgents(ctx, opts); err != nil {
				return err
			}
		} else {
			for a, err := range inv.client.AllAgents(ctx, opts) {
				if err != nil {
					return err
				}
				page.Agents = append(page.Agents, a)
			}
		}
		if page.Agents == nil {
			page.Agents = []client.Agent{}
		}
		if inv.g.json {
			return printJSON(inv.stdout, page)
		}
		t := newTable(inv.stdout)
		t.row("ID", "NAME", "KIND", "VERSION", "OWNER", "UPDATED")
		for _, a := range page.Agents {
			t.row(a.ID, a.Name, string(a.Kind), strconv.FormatInt(a.Version, 10), a.OwnerID, formatTime(a.UpdatedAt))
		}
		if err := t.flush(); err != nil {
			return err
		}
		if page.NextCursor != "" {
			fmt.Fprintf(inv.stderr, "arenactl: more agents follow; next page: --limit %d --cursor %s\n", *limit, sanitize(page.NextCursor))
		}
		return nil
	}
}

func agentShow(*flag.FlagSet) action {
	return func(ctx context.Context, inv *invocation) error {
		a, err := inv.client.GetAgent(ctx, inv.args[0])
		if err != nil {
			return err
		}
		return printAgent(inv, a)
	}
}

func agentUpdate(fs *flag.FlagSet) action {
	fields := []string{"name", "description", "kind", "webhook-url"}
	values := map[string]*string{}
	for _, f := range fields {
		values[f] = fs.String(f, "", "")
	}
	return func(ctx context.Context, inv *invocation) error {
		// Only flags given on the command line are sent, so that an
		// explicit empty value ("--description=") clears the field while
		// an absent flag leaves it alone.
		var req client.UpdateAgentRequest
		fs.Visit(func(f *flag.Flag) {
			v := values[f.Name]
			switch f.Name {
			case "name":
				req.Name = v
			case "description":
				req.Description = v
			case "kind":
				req.Kind = (*client.AgentKind)(v)
			case "webhook-url":
				req.WebhookURL = v
			}
		})
		if req.IsEmpty() {
			return usagef("agent update needs at least one of --name, --description, --kind, --webhook-url")
		}
		if req.Kind != nil {
			if err := checkKind(string(*req.Kind)); err != nil || *req.Kind == "" {
				return usagef("--kind must be websocket or webhook, not %q", *req.Kind)
			}
		}
		a, err := inv.client.UpdateAgent(ctx, inv.args[0], req)
		if err != nil {
			return err
		}
		return printAgent(inv, a)
	}
}

func agentDelete(*flag.FlagSet) action {
	return func(ctx context.Context, inv *invocation) error {
		id := inv.args[0]
		if err := inv.client.DeleteAgent(ctx, id); err != nil {
			return err
		}
		// The API answers 204 with no body, so --json has nothing to print.
		if !inv.g.json {
			fmt.Fprintf(inv.stdout, "deleted agent %s\n", sanitize(id))
		}
		return nil
	}
}

func printAgent(inv *invocation, a *client.Agent) error {
	if inv.g.json {
		return printJSON(inv.stdout, map[string]any{"agent": a})
	}
	t := newTable(inv.stdout)
	agentRows(t, a)
	return t.flush()
}

func agentRows(t *table, a *client.Agent) {
	t.row("ID", a.ID)
	t.row("OWNER", a.OwnerID)
	t.row("NAME", a.Name)
	t.row("DESCRIPTION", a.Description)
	t.row("KIND", string(a.Kind))
	t.row("WEBHOOK URL", a.WebhookURL)
	t.row("VERSION", strconv.FormatInt(a.Version, 10))
	t.row("CREATED", formatTime(a.CreatedAt))
	t.row("UPDATED", formatTime(a.UpdatedAt))
}
