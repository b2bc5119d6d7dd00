package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/agentarena/arena/client/clienttest"
)

// TestPrefsExportAgainstARealNode settles judged contests on a real node
// and exports their preference pairs with arenactl, twice: the second run
// resumes from the cursor and finds only the new pairs.
func TestPrefsExportAgainstARealNode(t *testing.T) {
	srv := clienttest.NewServer(t)
	judged := func(id string) { srv.JudgedPrompts(t, "p", id) }
	judged("c_pref1")
	judged("c_pref2")
	srv.AddTrainer(t, "tr_1", "art_testtrainerkey")
	out := filepath.Join(t.TempDir(), "prefs.jsonl")
	env := map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": "art_testtrainerkey"}
	cli := func(args ...string) (string, int) {
		var o, e bytes.Buffer
		code := run(context.Background(), args, func(k string) string { return env[k] }, &o, &e)
		return e.String(), code
	}
	if stderr, code := cli("prefs", "export", "--out", out, "--format", "trl", "--page", "1"); code != 0 {
		t.Fatalf("export exited %d: %s", code, stderr)
	} else if !regexp.MustCompile(`^done: 2 pairs; resume with --since [0-9]+\n$`).MatchString(stderr) {
		// stderr is not a terminal: plain lines, no carriage returns.
		t.Errorf("export's stderr into a pipe: %q", stderr)
	}
	lines := strings.Split(strings.TrimSpace(readFile(t, out)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"chosen":"c_pref1 answer A"`) {
		t.Fatalf("export:\n%s", strings.Join(lines, "\n"))
	}
	rec := strings.Split(strings.TrimSpace(readFile(t, out+".cursor")), "\n")
	cursor := rec[0]
	if len(rec) != 3 || rec[1] != "format=trl arena= agent=" || rec[2] != fmt.Sprintf("size %d", len(readFile(t, out))) {
		t.Fatalf("the cursor file records %q, want the cursor, the format and filters, and the file's size", rec)
	}
	judged("c_pref3")
	if stderr, code := cli("prefs", "export", "--out", out, "--format", "trl", "--since", cursor); code != 0 {
		t.Fatalf("resumed export exited %d: %s", code, stderr)
	}
	if lines := strings.Split(strings.TrimSpace(readFile(t, out)), "\n"); len(lines) != 3 {
		t.Fatalf("after resuming the file has %d lines, want 3 (no pair twice)", len(lines))
	}

	// The same command again, without --since, resumes from FILE.cursor.
	judged("c_pref4")
	if stderr, code := cli("prefs", "export", "--out", out, "--format", "trl"); code != 0 || !strings.Contains(stderr, "resuming from cursor") {
		t.Fatalf("rerun exited %d: %s", code, stderr)
	}
	if lines := strings.Split(strings.TrimSpace(readFile(t, out)), "\n"); len(lines) != 4 {
		t.Fatalf("after a plain rerun the file has %d lines, want 4 (no pair twice)", len(lines))
	}

	// --since 0 starts the file over; a --since below its cursor would
	// write pairs a second time and is refused.
	if stderr, code := cli("prefs", "export", "--out", out, "--format", "trl", "--since", "0"); code != 0 {
		t.Fatalf("--since 0 exited %d: %s", code, stderr)
	}
	if lines := strings.Split(strings.TrimSpace(readFile(t, out)), "\n"); len(lines) != 4 {
		t.Fatalf("after --since 0 the file has %d lines, want 4 (started over, not appended)", len(lines))
	}
	if stderr, code := cli("prefs", "export", "--out", out, "--format", "trl", "--since", "1"); code != 1 || !strings.Contains(stderr, "a second time") {
		t.Fatalf("--since below the file's cursor: exit %d, %s", code, stderr)
	}

	// Another format or filter into the same file is refused: it would
	// skip that selection's pairs below the cursor and mix the formats.
	if stderr, code := cli("prefs", "export", "--out", out, "--format", "full", "--arena", "prompt"); code != 1 || !strings.Contains(stderr, "holds pairs exported with") {
		t.Fatalf("another selection into the same file: exit %d, %s", code, stderr)
	}
	if lines := strings.Split(strings.TrimSpace(readFile(t, out)), "\n"); len(lines) != 4 {
		t.Fatalf("a refused export changed the file to %d lines", len(lines))
	}

	// The operator token reads the export too.
	env["ARENA_KEY"], env["ARENA_OPERATOR_TOKEN"] = "", clienttest.OperatorToken
	opOut := filepath.Join(t.TempDir(), "op.jsonl")
	if stderr, code := cli("prefs", "export", "--out", opOut, "--format", "trl"); code != 0 {
		t.Fatalf("export with the operator token exited %d: %s", code, stderr)
	}
	if lines := strings.Split(strings.TrimSpace(readFile(t, opOut)), "\n"); len(lines) != 4 {
		t.Fatalf("operator export has %d lines, want 4", len(lines))
	}

	// No credential: a usage error before any request; a refused one
	// leaves no file.
	env["ARENA_OPERATOR_TOKEN"] = ""
	if stderr, code := cli("prefs", "export", "--out", "-"); code != 2 || !strings.Contains(stderr, "trainer key") {
		t.Fatalf("anonymous export: exit %d, %s", code, stderr)
	}
	env["ARENA_KEY"] = "art_wrong"
	refused := filepath.Join(t.TempDir(), "refused.jsonl")
	if stderr, code := cli("prefs", "export", "--out", refused); code != 1 || !strings.Contains(stderr, "unauthorized") {
		t.Fatalf("export with an unknown key: exit %d, %s", code, stderr)
	}
	if _, err := os.Stat(refused); !os.IsNotExist(err) {
		t.Errorf("a refused export left %s behind (%v)", refused, err)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
