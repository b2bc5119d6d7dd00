package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/internal/term"
)

var prefsCommands = []*command{
	{
		group: "prefs", name: "export",
		synopsis: "--out FILE [--format full|trl|messages] [--arena A] [--agent ID] [--since CURSOR] [--min-margin X] [--min-agreement X] [--exclude-flagged] [--exclude-chosen-flagged] [--chosen-passed] [--exclude-held-out] [--page N]",
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
	minMargin := fs.Float64("min-margin", 0, "")
	minAgreement := fs.Float64("min-agreement", 0, "")
	exclude := fs.Bool("exclude-flagged", false, "")
	excludeChosen := fs.Bool("exclude-chosen-flagged", false, "")
	chosenPassed := fs.Bool("chosen-passed", false, "")
	excludeHeldOut := fs.Bool("exclude-held-out", false, "")
	page := fs.Int("page", 1000, "")
	return func(ctx context.Context, inv *invocation) error {
		if *out == "" {
			return usagef("prefs export needs --out FILE (or - for stdout)")
		}
		if *page < 1 || *page > 10000 {
			// 0 or less went unsent and the server's default page was used.
			return usagef("--page must be from 1 to 10000, got %d", *page)
		}
		toFile := *out != "-"
		cursorPath := *out + ".cursor"
		given := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
		sinceSet := given["since"]
		q := client.PreferenceQuery{Arena: *arena, Agent: *agent, Format: *format, ExcludeFlagged: *exclude, ExcludeChosenFlagged: *excludeChosen, ChosenPassed: *chosenPassed, ExcludeHeldOut: *excludeHeldOut, Limit: *page}
		// A filter given is sent whatever its value, for the server to take
		// or refuse by name: a value taken for "not given" (below -1, or
		// -2) exported every pair with no word.
		if given["min-margin"] {
			q.MinMargin = minMargin
		}
		if given["min-agreement"] {
			q.MinAgreement = minAgreement
		}
		selection := exportSelection(q)
		truncate := false
		if toFile {
			startOver := sinceSet && *since == 0
			st, found, err := readCursor(cursorPath, selection, startOver)
			if err != nil {
				return err
			}
			switch {
			case startOver:
				// Starting over means a new file: appending wrote every
				// pair a second time.
				truncate = true
			case found && *since < st.cursor && sinceSet:
				return fmt.Errorf("%s holds the pairs up to cursor %d: --since %d would write those after %d a second time; --since 0 starts the file over, or write to another --out",
					*out, st.cursor, *since, *since)
			case found:
				if !sinceSet {
					*since = st.cursor
					fmt.Fprintf(inv.stderr, "resuming from cursor %d (%s; --since 0 starts over)\n", st.cursor, cursorPath)
				}
				if err := trimToCursor(*out, st, inv.stderr); err != nil {
					return err
				}
			case !sinceSet:
				// Appending from cursor 0 to a file of pairs whose cursor
				// is lost wrote every one of them a second time.
				if fi, err := os.Stat(*out); err == nil && fi.Size() > 0 {
					return fmt.Errorf("%s already holds pairs but has no %s to resume from: --since 0 starts it over, --since CURSOR appends the pairs after CURSOR, or write to another --out",
						*out, cursorPath)
				}
			}
		}
		q.Since = *since
		var w io.Writer = inv.stdout
		var f *os.File
		// Progress redraws one line on a terminal; a pipe or a log gets a
		// plain line every 10 s instead of a run of carriage returns.
		live := term.IsTerminal(inv.stderr)
		drawn := false
		// clearLine erases the redrawn line once the export ends, done or
		// failed: left there, it stood before the summary, and an error was
		// printed on the end of it.
		clearLine := func() {
			if drawn {
				fmt.Fprint(inv.stderr, "\r\x1b[K")
				drawn = false
			}
		}
		defer clearLine()
		start, total, shown := time.Now(), 0, time.Now()
		for {
			p, err := inv.client.Preferences(ctx, q)
			if err != nil {
				return err
			}
			if toFile && f == nil {
				// Opened only once the server has answered: a refused export
				// leaves no empty file behind.
				flags := os.O_CREATE | os.O_WRONLY | os.O_APPEND
				if truncate {
					flags |= os.O_TRUNC
				}
				if f, err = os.OpenFile(*out, flags, 0o644); err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			var page bytes.Buffer
			for _, l := range p.Lines {
				page.Write(l)
				page.WriteByte('\n')
			}
			if _, err := w.Write(page.Bytes()); err != nil {
				return err
			}
			total += len(p.Lines)
			if toFile {
				if err := saveCursor(f, cursorPath, p.Next, selection); err != nil {
					return err
				}
			}
			progress := fmt.Sprintf("exported %d pairs (cursor %d, %.0f pairs/s)", total, p.Next, float64(total)/max(time.Since(start).Seconds(), 1e-3))
			switch {
			case live:
				// \x1b[K erases what a longer line drawn before left.
				fmt.Fprint(inv.stderr, "\r"+progress+"\x1b[K")
				drawn = true
			case time.Since(shown) >= 10*time.Second:
				fmt.Fprintln(inv.stderr, progress)
				shown = time.Now()
			}
			if p.Next == q.Since {
				break // nothing newer: the export has caught up
			}
			q.Since = p.Next
		}
		clearLine()
		fmt.Fprintf(inv.stderr, "done: %d pairs; resume with --since %d\n", total, q.Since)
		if inv.g.json {
			summary := map[string]any{"pairs": total, "next_cursor": q.Since}
			if !toFile {
				// stdout is the pairs: the summary after them was a line
				// of no pair at the end of the dataset.
				return json.NewEncoder(inv.stderr).Encode(summary)
			}
			return printJSON(inv.stdout, summary)
		}
		return nil
	}
}

// exportCursor is what FILE.cursor records: the cursor the file's pairs
// run up to and the file's size once they were written.
type exportCursor struct {
	cursor uint64
	size   int64 // -1: not recorded (a cursor file from an older arenactl)
}

// saveCursor records where the export stands once a page is in the file.
// The page is synced first and the cursor file replaced by a rename, so a
// crash leaves either the old cursor or the new one, never an empty file,
// and never a cursor ahead of the pairs on disk.
func saveCursor(f *os.File, path string, cursor uint64, selection string) error {
	if err := f.Sync(); err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, fmt.Appendf(nil, "%d\n%s\nsize %d\n", cursor, selection, fi.Size()), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// trimToCursor cuts FILE back to the size its cursor recorded. What lies
// beyond was written by an export stopped before it could record the
// page's cursor (a kill, a crash): that page is fetched again, and keeping
// its lines wrote them twice.
func trimToCursor(out string, st exportCursor, log io.Writer) error {
	if st.size < 0 {
		return nil
	}
	fi, err := os.Stat(out)
	switch {
	case errors.Is(err, os.ErrNotExist) && st.size == 0:
		return nil
	case err != nil:
		return fmt.Errorf("%s: %w (its cursor file records %d bytes of pairs; --since 0 starts over)", out, err, st.size)
	case fi.Size() < st.size:
		return fmt.Errorf("%s holds %d bytes, fewer than the %d its cursor file records: it was cut or replaced since; --since 0 starts it over, or write to another --out",
			out, fi.Size(), st.size)
	case fi.Size() > st.size:
		if err := os.Truncate(out, st.size); err != nil {
			return err
		}
		fmt.Fprintf(log, "dropped the last %d bytes of %s: an interrupted export wrote them before recording their cursor; they are fetched again\n",
			fi.Size()-st.size, out)
	}
	return nil
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
	}{{"exclude-flagged", q.ExcludeFlagged}, {"exclude-chosen-flagged", q.ExcludeChosenFlagged}, {"chosen-passed", q.ChosenPassed}, {"exclude-held-out", q.ExcludeHeldOut}} {
		if f.on {
			b.WriteString(" " + f.name)
		}
	}
	return b.String()
}

// readCursor reads a FILE.cursor an earlier export left: its cursor, the
// selection it was made with and the file's size then. Appending another
// selection to the same file would skip every pair of it below the
// cursor, and mix formats, so that is refused unless the export starts
// the file over. (A cursor file from an older arenactl may hold no
// selection or size and is taken as it is.)
func readCursor(path, selection string, startOver bool) (exportCursor, bool, error) {
	st := exportCursor{size: -1}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("read export cursor: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if st.cursor, err = strconv.ParseUint(strings.TrimSpace(lines[0]), 10, 64); err != nil {
		if startOver {
			return st, false, nil
		}
		return st, false, fmt.Errorf("%s does not hold a cursor (%q): --since 0 starts the file over, or --since CURSOR appends after CURSOR", path, strings.TrimSpace(lines[0]))
	}
	if len(lines) > 2 {
		n, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(lines[2]), "size "), 10, 64)
		if err != nil || n < 0 {
			return st, false, fmt.Errorf("%s: %q is not the size of the file (\"size N\"): --since 0 starts the file over", path, lines[2])
		}
		st.size = n
	}
	if len(lines) > 1 {
		if was := strings.TrimSpace(lines[1]); was != selection && !startOver {
			return st, false, fmt.Errorf("%s holds pairs exported with %q; this export asks for %q: write it to another --out, or --since 0 starts it over (pairs of the new selection below cursor %d would be skipped, and the file would mix them)",
				strings.TrimSuffix(path, ".cursor"), was, selection, st.cursor)
		}
	}
	return st, true, nil
}
