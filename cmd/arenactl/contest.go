package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/agentarena/arena/client"
)

var contestCommands = []*command{
	{
		group: "contest", name: "list",
		synopsis: "[--arena A] [--status S] [--agent ID] [--limit N] [--cursor C] [--all]",
		summary: "List contests, newest first: one page (--limit, server default 50) and the\n" +
			"        cursor of the next, or with --all every page. --status is running, judging,\n" +
			"        settled or aborted.",
		cred:  credOptional,
		setup: contestList,
	},
	{
		group: "contest", name: "show",
		synopsis: "ID",
		summary:  "Show a contest and its seats: places, payouts and rating changes.",
		args:     []string{"ID"},
		cred:     credOptional,
		setup:    contestShow,
	},
	{
		group: "contest", name: "payouts",
		synopsis: "ID",
		summary:  "Show where a contest's money went: stakes, payouts, fee and refunds.",
		args:     []string{"ID"},
		cred:     credOptional,
		setup:    contestPayouts,
	},
	{
		group: "contest", name: "abort",
		synopsis: "ID [--reason R]",
		summary:  "End a running contest without result and refund its stakes (needs --operator-token).",
		args:     []string{"ID"},
		cred:     credOperator,
		setup:    contestAbort,
	},
}

var contestStatuses = []string{client.ContestRunning, client.ContestJudging, client.ContestSettled, client.ContestAborted}

func contestList(fs *flag.FlagSet) action {
	var opts client.ListContestsOptions
	fs.StringVar(&opts.Arena, "arena", "", "")
	fs.StringVar(&opts.Status, "status", "", "")
	fs.StringVar(&opts.Agent, "agent", "", "")
	fs.IntVar(&opts.Limit, "limit", 0, "")
	fs.StringVar(&opts.Cursor, "cursor", "", "")
	all := fs.Bool("all", false, "")
	return func(ctx context.Context, inv *invocation) error {
		switch {
		case visited(fs, "limit") && opts.Limit < 1:
			return usagef("--limit must be at least 1")
		case opts.Status != "" && !slices.Contains(contestStatuses, opts.Status):
			return usagef("--status must be one of %s, not %q", strings.Join(contestStatuses, ", "), opts.Status)
		}
		page := &client.ContestPage{Contests: []client.Contest{}}
		if *all {
			for c, err := range inv.client.AllContests(ctx, opts) {
				if err != nil {
					return err
				}
				page.Contests = append(page.Contests, c)
			}
		} else {
			var err error
			if page, err = inv.client.ListContests(ctx, opts); err != nil {
				return err
			}
		}
		if inv.g.json {
			return printJSON(inv.stdout, page)
		}
		t := newTable(inv.stdout)
		t.row("ID", "ARENA", "STATUS", "SEATS", "WINNER", "CREATED")
		for _, c := range page.Contests {
			names := make([]string, len(c.Seats))
			for i, s := range c.Seats {
				names[i] = s.Name
			}
			t.row(c.ID, c.Arena, c.Status, strings.Join(names, ", "), winner(&c), formatTime(c.CreatedAt))
		}
		if err := t.flush(); err != nil {
			return err
		}
		if page.NextCursor != "" {
			hint := "--cursor " + sanitize(page.NextCursor)
			if opts.Limit > 0 {
				hint = fmt.Sprintf("--limit %d %s", opts.Limit, hint)
			}
			fmt.Fprintf(inv.stderr, "arenactl: more contests follow; next page: %s (or --all)\n", hint)
		}
		return nil
	}
}

// winner names the first-placed seats of a settled contest, "draw" when
// every seat shares first place.
func winner(c *client.Contest) string {
	if c.Status != client.ContestSettled || len(c.Ranks) != len(c.Seats) {
		return ""
	}
	var first []string
	for i, r := range c.Ranks {
		if r == 0 {
			first = append(first, c.Seats[i].Name)
		}
	}
	if len(first) == len(c.Seats) && len(first) > 1 {
		return "draw"
	}
	return strings.Join(first, ", ")
}

func contestShow(*flag.FlagSet) action {
	return func(ctx context.Context, inv *invocation) error {
		d, err := inv.client.GetContest(ctx, inv.args[0])
		if err != nil {
			return err
		}
		if inv.g.json {
			return printJSON(inv.stdout, d)
		}
		c := &d.Contest
		t := newTable(inv.stdout)
		t.row("ID", c.ID)
		t.row("ARENA", c.Arena)
		t.row("GAME", c.Game)
		t.row("STATUS", c.Status)
		t.row("TURN", formatUint(c.Turn))
		t.row("EVENTS", strconv.Itoa(len(d.Events)))
		t.row("CREATED", formatTime(c.CreatedAt))
		t.row("ENDED", formatTime(c.EndedAt))
		t.row("REASON", c.Reason)
		// Which seat left play and why (a missed deadline, a resignation, a
		// disconnect, a failed model endpoint): the contest's history holds
		// it, and an owner reading why its agent lost looks for it here.
		for _, ev := range d.Events {
			if ev.Type == "forfeit" && ev.Seat != nil {
				name := ""
				if *ev.Seat >= 0 && *ev.Seat < len(c.Seats) {
					name = " (" + c.Seats[*ev.Seat].Name + ")"
				}
				t.row("FORFEIT", fmt.Sprintf("seat %d%s: %s", *ev.Seat, name, ev.Reason))
			}
		}
		if c.Terms != nil {
			// The payout terms the seats staked under (a later change to
			// the arena does not touch them).
			t.row("TERMS", fmt.Sprintf("%s%% by place, house fee %d.%02d%%", joinInts(c.Terms.Rewards), c.Terms.HouseFeeBps/100, c.Terms.HouseFeeBps%100))
		}
		if err := t.flush(); err != nil {
			return err
		}
		fmt.Fprintln(inv.stdout)
		t = newTable(inv.stdout)
		t.row("SEAT", "NAME", "AGENT", "VERSION", "OWNER", "PLACE", "PAYOUT", "RATING")
		for i, s := range c.Seats {
			place, payout, delta := "", "", ""
			if i < len(c.Ranks) {
				place = strconv.Itoa(c.Ranks[i] + 1)
			}
			if i < len(c.Payouts) {
				payout = formatAmount(c.Payouts[i])
			}
			if i < len(c.RatingDeltas) {
				delta = fmt.Sprintf("%+.1f", c.RatingDeltas[i])
			}
			t.row(strconv.Itoa(i), s.Name, s.AgentID, strconv.Itoa(s.Version), s.OwnerID, place, payout, delta)
		}
		return t.flush()
	}
}

func contestPayouts(*flag.FlagSet) action {
	return func(ctx context.Context, inv *invocation) error {
		p, err := inv.client.ContestPayouts(ctx, inv.args[0])
		if err != nil {
			return err
		}
		if inv.g.json {
			return printJSON(inv.stdout, p)
		}
		t := newTable(inv.stdout)
		t.row("CONTEST", p.Contest)
		t.row("STATUS", p.Status)
		if err := t.flush(); err != nil {
			return err
		}
		fmt.Fprintln(inv.stdout)
		t = newTable(inv.stdout)
		t.row("SEQ", "KIND", "FROM", "TO", "AMOUNT", "ID")
		for _, tr := range p.Transfers {
			t.row(formatUint(tr.Seq), tr.Kind, tr.From, tr.To, formatMoney(tr.Amount, tr.Currency), tr.ID)
		}
		return t.flush()
	}
}

func contestAbort(fs *flag.FlagSet) action {
	reason := fs.String("reason", "", "")
	return func(ctx context.Context, inv *invocation) error {
		id := inv.args[0]
		if err := inv.client.AbortContest(ctx, id, *reason); err != nil {
			return err
		}
		// The API answers 204 with no body, so --json has nothing to print.
		if !inv.g.json {
			fmt.Fprintf(inv.stdout, "aborted contest %s; its stakes were refunded\n", sanitize(id))
		}
		return nil
	}
}
