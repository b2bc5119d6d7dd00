package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/agentarena/arena/client"
)

var ledgerCommands = []*command{
	{
		group: "balance", synopsis: "[--owner ID|me]",
		summary: "Show an owner's wallet balance: --owner me (the default, needs --key) or an\n" +
			"        owner id (your own with --key, anyone's with --operator-token).",
		cred:  credOwnerScope,
		setup: balanceCmd,
	},
	{
		group: "transfers", synopsis: "[--owner ID|me] [--limit N [--cursor C]]",
		summary: "List an owner's wallet history, oldest first, with each amount signed from the\n" +
			"        wallet's side. Without --limit every page is fetched; with it, one page of at\n" +
			"        most N, and the cursor of the next page is printed.",
		cred:  credOwnerScope,
		setup: transfersCmd,
	},
	{
		group: "grant", synopsis: "--owner ID --amount N [--id ID] [--memo M]",
		summary: "Credit N minor units (100 = 1.00) to an owner's wallet (needs --operator-token).\n" +
			"        Pass --id: a rerun with the same --id pays once, so a timed-out grant can be\n" +
			"        retried safely; without it the server picks an id and a rerun pays again.",
		cred:  credOperator,
		setup: grantCmd(false),
	},
	{
		group: "adjust", synopsis: "--owner ID --amount ±N [--id ID] [--memo M]",
		summary: "Correct an owner's wallet by N minor units, negative to debit it (needs\n" +
			"        --operator-token). --id makes retries safe, as for grant.",
		cred:  credOperator,
		setup: grantCmd(true),
	},
	{
		group: "ledger", name: "settings", synopsis: "[--starting-grant N]",
		summary: "Show the money rules (needs --operator-token): what every new owner receives\n" +
			"        and the currency. --starting-grant N changes the grant, in minor units, for\n" +
			"        owners registered from then on (0 for none).",
		cred:  credOperator,
		setup: ledgerSettingsCmd,
	},
	{
		group: "audit",
		summary: "Re-verify the ledger on the node (needs --operator-token) and show the money issued,\n" +
			"        in wallets, in escrow and taken by the house; exits 1 if it finds problems.",
		cred:  credOperator,
		setup: auditCmd,
	},
}

func balanceCmd(fs *flag.FlagSet) action {
	owner := fs.String("owner", "me", "")
	return func(ctx context.Context, inv *invocation) error {
		b, err := inv.client.Balance(ctx, *owner)
		if err != nil {
			return err
		}
		if inv.g.json {
			return printJSON(inv.stdout, b)
		}
		t := newTable(inv.stdout)
		t.row("OWNER", b.OwnerID)
		t.row("ACCOUNT", b.Account)
		t.row("BALANCE", formatMoney(b.Balance, b.Currency))
		return t.flush()
	}
}

func transfersCmd(fs *flag.FlagSet) action {
	owner := fs.String("owner", "me", "")
	limit := fs.Int("limit", 0, "")
	cursor := fs.String("cursor", "", "")
	return func(ctx context.Context, inv *invocation) error {
		limited := visited(fs, "limit")
		switch {
		case limited && *limit < 1:
			return usagef("--limit must be at least 1")
		case *cursor != "" && !limited:
			return usagef("--cursor pages through --limit results; pass --limit too")
		}
		opts := client.ListTransfersOptions{Owner: *owner, Limit: *limit, Cursor: *cursor}
		page, err := inv.client.ListTransfers(ctx, opts)
		if err != nil {
			return err
		}
		if !limited {
			// Follow every cursor into one page. The owner id comes from
			// the first page, which resolves "me".
			seen := map[string]bool{}
			for next := page.NextCursor; next != ""; {
				if seen[next] {
					return fmt.Errorf("server repeated list cursor %q", next)
				}
				seen[next] = true
				opts.Cursor = next
				more, err := inv.client.ListTransfers(ctx, opts)
				if err != nil {
					return err
				}
				page.Transfers = append(page.Transfers, more.Transfers...)
				next = more.NextCursor
			}
			page.NextCursor = ""
		}
		if page.Transfers == nil {
			page.Transfers = []client.Transfer{}
		}
		if inv.g.json {
			return printJSON(inv.stdout, page)
		}
		wallet := "wallet:" + page.OwnerID
		t := newTable(inv.stdout)
		t.row("SEQ", "AT", "KIND", "AMOUNT", "COUNTERPARTY", "CONTEST", "MEMO", "ID")
		for _, tr := range page.Transfers {
			other := tr.From
			if tr.From == wallet {
				other = tr.To
			}
			t.row(formatUint(tr.Seq), formatTime(tr.At), tr.Kind, formatDelta(tr.Delta(wallet), tr.Currency),
				other, tr.Contest, tr.Memo, tr.ID)
		}
		if err := t.flush(); err != nil {
			return err
		}
		if page.NextCursor != "" {
			fmt.Fprintf(inv.stderr, "arenactl: more transfers follow; next page: --limit %d --cursor %s\n", *limit, sanitize(page.NextCursor))
		}
		return nil
	}
}

func grantCmd(adjust bool) func(fs *flag.FlagSet) action {
	name := "grant"
	if adjust {
		name = "adjust"
	}
	return func(fs *flag.FlagSet) action {
		var req client.GrantRequest
		fs.StringVar(&req.OwnerID, "owner", "", "")
		fs.Int64Var(&req.Amount, "amount", 0, "")
		fs.StringVar(&req.ID, "id", "", "")
		fs.StringVar(&req.Memo, "memo", "", "")
		return func(ctx context.Context, inv *invocation) error {
			switch {
			case req.OwnerID == "":
				return usagef("%s needs --owner", name)
			case !visited(fs, "amount"):
				return usagef("%s needs --amount, in minor units (100 = 1.00)", name)
			case !adjust && req.Amount <= 0:
				return usagef("--amount must be a positive number of minor units; to debit a wallet use adjust")
			case adjust && req.Amount == 0:
				return usagef("--amount must not be zero")
			}
			call := inv.client.Grant
			if adjust {
				call = inv.client.Adjust
			}
			tr, err := call(ctx, req)
			if err != nil {
				return err
			}
			if req.ID == "" {
				fmt.Fprintf(inv.stderr, "arenactl: note: the server named this transfer %s; rerunning the command without --id would move the money again. Pass --id to make retries safe.\n", sanitize(tr.ID))
			}
			if inv.g.json {
				return printJSON(inv.stdout, map[string]any{"transfer": tr})
			}
			t := newTable(inv.stdout)
			transferRows(t, tr)
			return t.flush()
		}
	}
}

func transferRows(t *table, tr *client.Transfer) {
	t.row("ID", tr.ID)
	t.row("SEQ", formatUint(tr.Seq))
	t.row("KIND", tr.Kind)
	t.row("FROM", tr.From)
	t.row("TO", tr.To)
	t.row("AMOUNT", formatMoney(tr.Amount, tr.Currency))
	t.row("MEMO", tr.Memo)
	t.row("AT", formatTime(tr.At))
	t.row("HASH", tr.Hash)
}

func auditCmd(*flag.FlagSet) action {
	return func(ctx context.Context, inv *invocation) error {
		res, err := inv.client.Audit(ctx)
		if err != nil {
			return err
		}
		a := res.Audit
		if inv.g.json {
			if err := printJSON(inv.stdout, res); err != nil {
				return err
			}
		} else {
			result := "OK"
			if !a.OK {
				result = "FAILED"
			}
			t := newTable(inv.stdout)
			t.row("RESULT", result)
			t.row("NODE", res.NodeID)
			t.row("HEAD", a.Head)
			t.row("TRANSFERS", formatUint(a.Transfers))
			t.row("SUM", formatInt(a.Sum))
			t.row("ACCOUNTS", strconv.Itoa(a.Accounts))
			for _, cur := range slices.Sorted(maps.Keys(a.Totals)) {
				// What the money is doing: issued by the issuer, held in
				// wallets, at stake in running contests, taken by the house.
				k := a.Totals[cur]
				t.row("ISSUED", formatMoney(-k["issuer"], cur))
				t.row("WALLETS", formatMoney(k["wallet"], cur))
				t.row("ESCROW", formatMoney(k["escrow"], cur))
				t.row("HOUSE", formatMoney(k["house"], cur))
			}
			t.row("PROBLEMS", strconv.Itoa(len(a.Problems)))
			for _, p := range a.Problems {
				t.row("PROBLEM", p)
			}
			if err := t.flush(); err != nil {
				return err
			}
		}
		if !a.OK {
			return fmt.Errorf("ledger audit on node %s failed with %d problem(s)", sanitize(res.NodeID), len(a.Problems))
		}
		return nil
	}
}

// visited reports whether the flag was given on the command line.
func visited(fs *flag.FlagSet, name string) (set bool) {
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func ledgerSettingsCmd(fs *flag.FlagSet) action {
	grant := fs.Int64("starting-grant", 0, "")
	return func(ctx context.Context, inv *invocation) error {
		cur, err := inv.client.LedgerSettings(ctx)
		if err != nil {
			return err
		}
		if visited(fs, "starting-grant") {
			// PUT replaces the settings: the currency is sent as it is.
			if cur, err = inv.client.SetLedgerSettings(ctx, client.LedgerSettings{StartingGrant: *grant, Currency: cur.Currency}); err != nil {
				return err
			}
		}
		if inv.g.json {
			return printJSON(inv.stdout, map[string]any{"settings": cur})
		}
		t := newTable(inv.stdout)
		t.row("STARTING GRANT", formatMoney(cur.StartingGrant, cur.Currency))
		t.row("CURRENCY", cur.Currency)
		return t.flush()
	}
}
