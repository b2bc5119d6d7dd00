package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/agentarena/arena/client"
)

var ownerCommands = []*command{
	{
		group: "owner", name: "create",
		synopsis: "--name N [--email E]",
		summary:  "Register an owner and print its API key (shown only once).",
		cred:     credNone,
		setup:    ownerCreate,
	},
	{
		group: "owner", name: "me",
		summary: "Show the owner that --key belongs to.",
		cred:    credOwner,
		setup:   ownerMe,
	},
	{
		group: "owner", name: "rotate-key",
		summary: "Replace the API key that --key holds and print the new one (shown only once).\n" +
			"        The old key is refused from the same moment: update ARENA_KEY.",
		cred:  credOwner,
		setup: ownerRotateKey,
	},
}

func ownerCreate(fs *flag.FlagSet) action {
	name := fs.String("name", "", "")
	email := fs.String("email", "", "")
	return func(ctx context.Context, inv *invocation) error {
		if *name == "" {
			return usagef("owner create needs --name")
		}
		res, err := inv.client.CreateOwner(ctx, client.CreateOwnerRequest{Name: *name, Email: *email})
		if err != nil {
			return err
		}
		return printOnce(inv, fmt.Sprintf(keyWarning, "API key"), res, func(t *table) {
			ownerRows(t, &res.Owner)
			t.row("API KEY", res.APIKey)
		})
	}
}

func ownerMe(*flag.FlagSet) action {
	return func(ctx context.Context, inv *invocation) error {
		o, err := inv.client.Me(ctx)
		if err != nil {
			return err
		}
		if inv.g.json {
			return printJSON(inv.stdout, map[string]any{"owner": o})
		}
		t := newTable(inv.stdout)
		ownerRows(t, o)
		return t.flush()
	}
}

func ownerRotateKey(*flag.FlagSet) action {
	return func(ctx context.Context, inv *invocation) error {
		res, err := inv.client.RotateOwnerKey(ctx)
		if err != nil {
			return err
		}
		return printOnce(inv, fmt.Sprintf(keyWarning, "API key")+"arenactl: the old key is refused from now on; use the new one (ARENA_KEY).\n", res, func(t *table) {
			t.row("ID", res.ID)
			t.row("API KEY", res.APIKey)
		})
	}
}

func ownerRows(t *table, o *client.Owner) {
	t.row("ID", o.ID)
	t.row("NAME", o.Name)
	t.row("EMAIL", o.Email)
	t.row("CREATED", formatTime(o.CreatedAt))
}
