package main

import (
	"cmp"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// These helpers compare arenactl's output from a real node (clienttest)
// with a written expectation: ids, keys, clocks and hashes differ from run
// to run, and tabwriter pads every column to its widest cell.

// varying are the values a real node draws anew on every run, with the
// placeholder each becomes. Values the test knows (an owner it created)
// are replaced by name first, so only fresh ones reach these.
var varying = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`\bow_[0-9a-f]{20}\b`), "{new-owner}"},
	{regexp.MustCompile(`\bag_[0-9a-f]{20}\b`), "{new-agent}"},
	{regexp.MustCompile(`\bc_[0-9a-f]{24}\b`), "{new-contest}"},
	{regexp.MustCompile(`\b(grant|adjust)_[0-9a-f]{20}\b`), "{new-transfer}"},
	{regexp.MustCompile(`\baro_[a-z2-7]{32}\b`), "{owner-key}"},
	{regexp.MustCompile(`\bara_[a-z2-7]{32}\b`), "{agent-key}"},
	{regexp.MustCompile(`\bwhsec_[A-Za-z0-9_-]{43}`), "{webhook-secret}"},
	{regexp.MustCompile(`\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`), "{time}"},
	{sha256Hex, "{hash}"},
}

var sha256Hex = regexp.MustCompile(`\b[0-9a-f]{64}\b`)

// normalize replaces each known value in out with {name}, longest first,
// then every varying value with its placeholder.
func normalize(out string, known map[string]string) string {
	names := slices.SortedFunc(maps.Keys(known), func(a, b string) int {
		return cmp.Compare(len(known[b]), len(known[a]))
	})
	for _, name := range names {
		if v := known[name]; v != "" {
			out = strings.ReplaceAll(out, v, "{"+name+"}")
		}
	}
	for _, v := range varying {
		out = v.re.ReplaceAllString(out, v.repl)
	}
	return out
}

// cellSep is tabwriter's gap between columns: at least two spaces.
var cellSep = regexp.MustCompile(` {2,}`)

// cells splits a table into its rows' cells.
func cells(table string) [][]string {
	var out [][]string
	for _, line := range strings.Split(strings.TrimSuffix(table, "\n"), "\n") {
		out = append(out, cellSep.Split(strings.TrimRight(line, " "), -1))
	}
	return out
}

// sameTable reports whether got and want hold the same cells row by row,
// whatever the padding, and both end in a newline or neither does.
func sameTable(got, want string) bool {
	return strings.HasSuffix(got, "\n") == strings.HasSuffix(want, "\n") &&
		slices.EqualFunc(cells(got), cells(want), slices.Equal)
}
