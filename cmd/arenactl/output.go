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
)

// keyWarning goes to stderr so that stdout stays clean data for scripts
// while a person at a terminal still sees it.
const keyWarning = "arenactl: warning: this %s is shown only once and cannot be retrieved later; store it now.\n"

// printJSON writes v as the indented JSON object the API returned. It
// re-encodes the typed value; the field names are the wire names.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
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
