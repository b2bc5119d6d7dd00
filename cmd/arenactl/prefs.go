package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/agentarena/arena/client"
)

var prefsCommands = []*command{
	{
		group: "prefs", name: "export",
		synopsis: "--out FILE [--format full|trl|messages] [--arena A] [--agent ID] [--since CURSOR] [--min-margin X] [--min-agreement X] [--exclude-flagged] [--exclude-chosen-flagged] [--chosen-passed] [--page N]",
		summary:  "Write preference pairs as JSONL, page by page from a cursor; prints the cursor to resume from.",
		cred:     credOptional,
		setup:    prefsExport,
	},
}

// prefsExport pages through the export. The cursor it ends on is printed
// (and written next to the file as FILE.cursor) so the next run resumes
// exactly where this one stopped.
func prefsExport(fs *flag.FlagSet) action {
	out := fs.String("out", "", "")
	format := fs.String("format", "full", "")
	arena := fs.String("arena", "", "")
	agent := fs.String("agent", "", "")
	since := fs.Uint64("since", 0, "")
	minMargin := fs.Float64("min-margin", -1, "")
	minAgreement := fs.Float64("min-agreement", -2, "")
	exclude := fs.Bool("exclude-flagged", false, "")
	excludeChosen := fs.Bool("exclude-chosen-flagged", false, "")
	chosenPassed := fs.Bool("chosen-passed", false, "")
	page := fs.Int("page", 1000, "")
	return func(ctx context.Context, inv *invocation) error {
		if *out == "" {
			return usagef("prefs export needs --out FILE (or - for stdout)")
		}
		var w io.Writer = inv.stdout
		if *out != "-" {
			f, err := os.OpenFile(*out, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
			if err != nil {
				return err
			}
			defer f.Close()
			w = f
		}
		q := client.PreferenceQuery{Arena: *arena, Agent: *agent, Since: *since, Format: *format, ExcludeFlagged: *exclude, ExcludeChosenFlagged: *excludeChosen, ChosenPassed: *chosenPassed, Limit: *page}
		if *minMargin > -1 {
			q.MinMargin = minMargin
		}
		if *minAgreement > -2 {
			q.MinAgreement = minAgreement
		}
		start, total := time.Now(), 0
		for {
			p, err := inv.client.Preferences(ctx, q)
			if err != nil {
				return err
			}
			for _, l := range p.Lines {
				if _, err := fmt.Fprintf(w, "%s\n", l); err != nil {
					return err
				}
			}
			total += len(p.Lines)
			fmt.Fprintf(inv.stderr, "\rexported %d pairs (cursor %d, %.0f pairs/s)", total, p.Next, float64(total)/max(time.Since(start).Seconds(), 1e-3))
			if p.Next == q.Since {
				break // nothing newer: the export has caught up
			}
			q.Since = p.Next
		}
		fmt.Fprintf(inv.stderr, "\ndone: %d pairs; resume with --since %d\n", total, q.Since)
		if *out != "-" {
			if err := os.WriteFile(*out+".cursor", []byte(fmt.Sprintf("%d\n", q.Since)), 0o644); err != nil {
				return err
			}
		}
		if inv.g.json {
			return printJSON(inv.stdout, map[string]any{"pairs": total, "next_cursor": q.Since})
		}
		return nil
	}
}
