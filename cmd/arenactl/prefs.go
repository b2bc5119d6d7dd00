package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/agentarena/arena/client"
)

var prefsCommands = []*command{
	{
		group: "prefs", name: "export",
		synopsis: "--out FILE [--format full|trl|messages] [--arena A] [--agent ID] [--since CURSOR] [--min-margin X] [--min-agreement X] [--exclude-flagged] [--exclude-chosen-flagged] [--chosen-passed] [--page N]",
		summary:  "Write preference pairs as JSONL, page by page from a cursor; prints the cursor to resume from.",
		cred:     credKeyOrOperator,
		setup:    prefsExport,
	},
}

// prefsExport pages through the export. The cursor it ends on is printed
// and written next to the file as FILE.cursor after every page, and a run
// that appends to FILE without --since resumes from it, so running the
// same command again adds only the new pairs.
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
		toFile := *out != "-"
		cursorPath := *out + ".cursor"
		sinceSet := false
		fs.Visit(func(f *flag.Flag) { sinceSet = sinceSet || f.Name == "since" })
		q := client.PreferenceQuery{Arena: *arena, Agent: *agent, Format: *format, ExcludeFlagged: *exclude, ExcludeChosenFlagged: *excludeChosen, ChosenPassed: *chosenPassed, Limit: *page}
		if *minMargin > -1 {
			q.MinMargin = minMargin
		}
		if *minAgreement > -2 {
			q.MinAgreement = minAgreement
		}
		selection := exportSelection(q)
		truncate := false
		if toFile {
			c, found, err := readCursor(cursorPath, selection)
			if err != nil {
				return err
			}
			switch {
			case found && !sinceSet:
				*since = c
				fmt.Fprintf(inv.stderr, "resuming from cursor %d (%s; --since 0 starts over)\n", c, cursorPath)
			case sinceSet && *since == 0:
				// Starting over means a new file: appending wrote every
				// pair a second time.
				truncate = true
			case found && *since < c:
				return fmt.Errorf("%s holds the pairs up to cursor %d: --since %d would write those after %d a second time; --since 0 starts the file over, or write to another --out",
					*out, c, *since, *since)
			}
		}
		q.Since = *since
		var w io.Writer = inv.stdout
		start, total := time.Now(), 0
		for {
			p, err := inv.client.Preferences(ctx, q)
			if err != nil {
				return err
			}
			if toFile && w == inv.stdout {
				// Opened only once the server has answered: a refused export
				// leaves no empty file behind.
				flags := os.O_CREATE | os.O_WRONLY | os.O_APPEND
				if truncate {
					flags |= os.O_TRUNC
				}
				f, err := os.OpenFile(*out, flags, 0o644)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			for _, l := range p.Lines {
				if _, err := fmt.Fprintf(w, "%s\n", l); err != nil {
					return err
				}
			}
			total += len(p.Lines)
			if toFile {
				if err := os.WriteFile(cursorPath, []byte(fmt.Sprintf("%d\n%s\n", p.Next, selection)), 0o644); err != nil {
					return err
				}
			}
			fmt.Fprintf(inv.stderr, "\rexported %d pairs (cursor %d, %.0f pairs/s)", total, p.Next, float64(total)/max(time.Since(start).Seconds(), 1e-3))
			if p.Next == q.Since {
				break // nothing newer: the export has caught up
			}
			q.Since = p.Next
		}
		fmt.Fprintf(inv.stderr, "\ndone: %d pairs; resume with --since %d\n", total, q.Since)
		if inv.g.json {
			return printJSON(inv.stdout, map[string]any{"pairs": total, "next_cursor": q.Since})
		}
		return nil
	}
}

// exportSelection names what an export writes: its format and filters,
// everything of the query but where it starts and its page size. It is
// kept in FILE.cursor beside the cursor.
func exportSelection(q client.PreferenceQuery) string {
	var b strings.Builder
	fmt.Fprintf(&b, "format=%s arena=%s agent=%s", q.Format, q.Arena, q.Agent)
	if q.MinMargin != nil {
		fmt.Fprintf(&b, " min-margin=%g", *q.MinMargin)
	}
	if q.MinAgreement != nil {
		fmt.Fprintf(&b, " min-agreement=%g", *q.MinAgreement)
	}
	for _, f := range []struct {
		name string
		on   bool
	}{{"exclude-flagged", q.ExcludeFlagged}, {"exclude-chosen-flagged", q.ExcludeChosenFlagged}, {"chosen-passed", q.ChosenPassed}} {
		if f.on {
			b.WriteString(" " + f.name)
		}
	}
	return b.String()
}

// readCursor reads a FILE.cursor an earlier export left: its cursor, and
// the selection it was made with. Appending another selection to the same
// file would skip every pair of it below the cursor, and mix formats, so
// that is refused. (A cursor file from an older arenactl holds no
// selection and is taken as it is.)
func readCursor(path, selection string) (uint64, bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read export cursor: %w", err)
	}
	first, rest, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	c, err := strconv.ParseUint(strings.TrimSpace(first), 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("%s does not hold a cursor (%q): remove it, or pass --since", path, strings.TrimSpace(first))
	}
	if was := strings.TrimSpace(rest); was != "" && was != selection {
		return 0, false, fmt.Errorf("%s holds pairs exported with %q; this export asks for %q: write it to another --out (pairs of the new selection below cursor %d would be skipped, and the file would mix them)",
			strings.TrimSuffix(path, ".cursor"), was, selection, c)
	}
	return c, true, nil
}
