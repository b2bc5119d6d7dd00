package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/agentarena/arena/client"
)

// keyWarning goes to stderr so that stdout stays clean data for scripts
// while a person at a terminal still sees it.
const keyWarning = "arenactl: warning: this %s is shown only once and cannot be retrieved later; store it now.\n"

// keysWarning is keyWarning for two secrets shown at once.
const keysWarning = "arenactl: warning: this %s are shown only once and cannot be retrieved later; store them now.\n"

// printJSON writes v as the indented JSON object the API returned. It
// re-encodes the typed value; the field names are the wire names.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printOnce shows an answer carrying secrets the server will not show
// again: warning (keyWarning or keysWarning, filled in) on stderr, then
// res as JSON, or as the table that rows writes.
func printOnce(inv *invocation, warning string, res any, rows func(*table)) error {
	fmt.Fprint(inv.stderr, warning)
	if inv.g.json {
		return printJSON(inv.stdout, res)
	}
	t := newTable(inv.stdout)
	rows(t)
	return t.flush()
}

// table aligns columns with tabwriter. Write errors surface from flush,
// which is where tabwriter actually writes.
type table struct {
	tw *tabwriter.Writer
}

func newTable(w io.Writer) *table {
	return &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
}

// row writes one line; every cell passes through sanitize.
func (t *table) row(cells ...string) {
	for i, c := range cells {
		cells[i] = sanitize(c)
	}
	fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

func (t *table) flush() error { return t.tw.Flush() }

// sanitize keeps server-supplied text from breaking the table or the
// terminal: a name with a tab, newline or ANSI escape sequence is shown
// quoted instead of being interpreted. Empty values show as "-" so that
// columns stay readable and splittable by whitespace.
func sanitize(s string) string {
	if s == "" {
		return "-"
	}
	if strings.ContainsFunc(s, unicode.IsControl) {
		return strconv.Quote(s)
	}
	return s
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

func formatUint(n uint64) string { return strconv.FormatUint(n, 10) }

// formatAmount shows minor units as units with two decimals ("1000.00"),
// exactly: it never goes through floating point.
func formatAmount(minor int64) string {
	sign := ""
	u := uint64(minor)
	if minor < 0 {
		sign, u = "-", -u // two's complement: correct for math.MinInt64 too
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/client.MinorUnits, u%client.MinorUnits)
}

// formatMoney is formatAmount with the currency: "1000.00 ARC".
func formatMoney(minor int64, currency string) string {
	return strings.TrimSpace(formatAmount(minor) + " " + currency)
}

// formatDelta is formatMoney with an explicit sign: "+50.00 ARC".
func formatDelta(minor int64, currency string) string {
	if minor > 0 {
		return "+" + formatMoney(minor, currency)
	}
	return formatMoney(minor, currency)
}

func formatInt(n int64) string { return strconv.FormatInt(n, 10) }

// formatMS shows a duration in milliseconds the way time.Duration does.
func formatMS(ms int64) string { return (time.Duration(ms) * time.Millisecond).String() }

// joinInts shows a list of integers as "60,30,10".
func joinInts[T int | int64](ns []T) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.FormatInt(int64(n), 10)
	}
	return strings.Join(parts, ",")
}
