package arena_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hashicorp/raft"
	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/arena"
)

// The golden command log pins the state machine: testdata/golden/log.txt is
// a recorded sequence of log entries (every command type, including ledger,
// preferences and rejected commands) with, after each, the result it must
// give; its last directive is the whole state the log must produce, bucket
// by bucket, and the state hash. A refactor that changes what any command
// does, or the bytes it stores, fails here. A rolling upgrade relies on the
// same property: a new build must apply an old log to the same bytes.
//
// The file reads like etcd's datadriven testdata:
//
//	apply index=12
//	{"v":1,"type":"owner.create",...}
//	----
//	ok {"id":"ow_..."}
//
// go test ./arena -run TestGoldenCommandLog -update rewrites what follows
// each "----" from what this build computes (review the diff before
// committing it); -golden.record drives a fresh cluster to record a new
// log (golden_record_test.go).
var update = flag.Bool("update", false, "rewrite the expected results in testdata/golden")

const goldenLog = "testdata/golden/log.txt"

// directive is one step of a datadriven file: a command line, its input
// lines and the expected output after "----".
type directive struct {
	line     int
	cmd      string
	args     map[string]string
	input    string
	expected string
	// comments are the "#" lines just above the directive, which -update
	// writes back (it used to drop them).
	comments []string
}

// goldenHeader opens the file; -update writes it afresh.
var goldenHeader = []string{
	"# Golden command log of the arena state machine (see arena/golden_test.go).",
	"# Each apply gives one Raft log entry and the result it must produce;",
	"# state prints every bucket and the state hash after the last entry.",
}

func parseDirectives(t *testing.T, data string) []directive {
	t.Helper()
	var out []directive
	sc := bufio.NewScanner(strings.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	lineNo := 0
	next := func() (string, bool) {
		if !sc.Scan() {
			return "", false
		}
		lineNo++
		return sc.Text(), true
	}
	var comments []string
	for {
		l, ok := next()
		if !ok {
			break
		}
		if strings.HasPrefix(l, "#") && !slices.Contains(goldenHeader, l) {
			comments = append(comments, l)
		}
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		d := directive{line: lineNo, args: map[string]string{}, comments: comments}
		comments = nil
		fields := strings.Fields(l)
		d.cmd = fields[0]
		for _, f := range fields[1:] {
			k, v, _ := strings.Cut(f, "=")
			d.args[k] = v
		}
		var in, exp []string
		sawSep := false
		for {
			l, ok := next()
			if !ok {
				break
			}
			if !sawSep {
				if l == "----" {
					sawSep = true
					continue
				}
				in = append(in, l)
				continue
			}
			if l == "" {
				break // a blank line ends the expected output
			}
			exp = append(exp, l)
		}
		if !sawSep {
			t.Fatalf("%s:%d: %s has no ---- separator", goldenLog, d.line, d.cmd)
		}
		d.input = strings.Join(in, "\n")
		d.expected = strings.Join(exp, "\n")
		out = append(out, d)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func writeDirectives(ds []directive) string {
	var b strings.Builder
	b.WriteString(strings.Join(goldenHeader, "\n") + "\n\n")
	for _, d := range ds {
		for _, c := range d.comments {
			b.WriteString(c + "\n")
		}
		b.WriteString(d.cmd)
		keys := make([]string, 0, len(d.args))
		for k := range d.args {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, " %s=%s", k, d.args[k])
		}
		b.WriteString("\n")
		if d.input != "" {
			b.WriteString(d.input)
			b.WriteString("\n")
		}
		b.WriteString("----\n")
		b.WriteString(d.expected)
		b.WriteString("\n\n")
	}
	return b.String()
}

// TestGoldenCommandLog applies the recorded log to a fresh state machine,
// entry by entry, and compares every result and the final state.
func TestGoldenCommandLog(t *testing.T) {
	data, err := os.ReadFile(goldenLog)
	if err != nil {
		t.Fatalf("read golden log: %v (record one with -golden.record)", err)
	}
	ds := parseDirectives(t, string(data))
	f, err := arena.OpenFSM(arena.FSMConfig{Path: filepath.Join(t.TempDir(), "state.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	types := map[string]bool{}
	failures := 0
	for i := range ds {
		d := &ds[i]
		var got string
		switch d.cmd {
		case "apply":
			idx, err := strconv.ParseUint(d.args["index"], 10, 64)
			if err != nil {
				t.Fatalf("%s:%d: bad index: %v", goldenLog, d.line, err)
			}
			var env struct {
				Type string `json:"type"`
			}
			if json.Unmarshal([]byte(d.input), &env) == nil && env.Type != "" {
				types[env.Type] = true
			}
			res := f.Apply(&raft.Log{Index: idx, Term: 1, Type: raft.LogCommand, Data: []byte(d.input)}).(arena.Result)
			got = formatResult(t, res)
		case "state":
			got = dumpState(t, f)
		default:
			t.Fatalf("%s:%d: unknown directive %q", goldenLog, d.line, d.cmd)
		}
		if *update {
			d.expected = got
			continue
		}
		if got != d.expected {
			failures++
			if failures <= 5 {
				t.Errorf("%s:%d: %s %v\n got: %s\nwant: %s", goldenLog, d.line, d.cmd, d.args, clip(got), clip(d.expected))
			}
		}
	}
	if failures > 5 {
		t.Errorf("%d directives differ in all", failures)
	}
	if *update {
		if err := os.WriteFile(goldenLog, []byte(writeDirectives(ds)), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	// The log must keep covering every command the state machine knows;
	// a new command type needs a new recording (-golden.record).
	for _, typ := range arena.CommandTypes() {
		if !types[typ] {
			t.Errorf("the golden log has no %q command: record it anew with -golden.record", typ)
		}
	}
}

func clip(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

// formatResult prints a command's result as one line: ok and the value's
// JSON, or error with its code and message.
func formatResult(t *testing.T, r arena.Result) string {
	t.Helper()
	if r.Err != nil {
		return "error " + r.Err.Error()
	}
	if r.Value == nil {
		return "ok"
	}
	b, err := json.Marshal(r.Value)
	if err != nil {
		t.Fatalf("encode result: %v", err)
	}
	return "ok " + string(b)
}

// dumpState prints every key of every bucket (nested buckets too), so a
// difference names the exact record that moved, then the state hash.
func dumpState(t *testing.T, f *arena.FSM) string {
	t.Helper()
	var b strings.Builder
	err := f.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, bk *bolt.Bucket) error {
			dumpBucket(&b, string(name), bk)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	h, idx, err := f.StateHash()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "hash %s index %d", h, idx)
	return b.String()
}

func dumpBucket(b *strings.Builder, path string, bk *bolt.Bucket) {
	_ = bk.ForEach(func(k, v []byte) error {
		if v == nil {
			if nb := bk.Bucket(k); nb != nil {
				dumpBucket(b, path+"/"+printable(k), nb)
			}
			return nil
		}
		fmt.Fprintf(b, "%s %s = %s\n", path, printable(k), printable(v))
		return nil
	})
}

// printable keeps readable bytes readable (JSON values, ids) and writes
// anything else as hex, so the golden file stays a text file.
func printable(p []byte) string {
	if utf8.Valid(p) && !bytes.ContainsAny(p, "\n\r") && isPrint(p) {
		return strconv.Quote(string(p))
	}
	return "0x" + hex.EncodeToString(p)
}

func isPrint(p []byte) bool {
	for _, r := range string(p) {
		if r < 0x20 && r != '\t' && r != 0 {
			return false
		}
	}
	return true
}
