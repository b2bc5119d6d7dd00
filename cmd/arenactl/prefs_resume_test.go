package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentarena/arena/client/clienttest"
)

// TestPrefsExportResumesAfterDamage exports three pairs from a real node,
// then leaves the file and its cursor as a killed or crashed export, or a
// user, would, and runs the export again: it must neither write a pair
// twice nor skip one, and must refuse what it cannot resume safely.
func TestPrefsExportResumesAfterDamage(t *testing.T) {
	srv := clienttest.NewServer(t)
	srv.JudgedPrompts(t, "r", "c_r1", "c_r2", "c_r3")
	srv.AddTrainer(t, "tr_r", "art_resumetrainerkey")
	env := map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": "art_resumetrainerkey"}
	cli := func(args ...string) (string, int) {
		var o, e bytes.Buffer
		code := run(context.Background(), args, func(k string) string { return env[k] }, &o, &e)
		return e.String(), code
	}
	export := []string{"prefs", "export", "--format", "trl", "--page", "1", "--out"}

	for _, tc := range []struct {
		name     string
		damage   func(t *testing.T, out string)
		args     []string // after --out FILE
		wantCode int
		wantErr  string
		want     []string // the contests of the file's lines afterwards, in order
	}{
		{
			name: "a page written but its cursor never recorded is written once",
			damage: func(t *testing.T, out string) {
				// The last page again, and half a line: what an export
				// killed between writing a page and its cursor leaves.
				b := []byte(readFile(t, out))
				lines := bytes.SplitAfter(b, []byte("\n"))
				appendFile(t, out, append(lines[len(lines)-2], `{"prompt":"c_r`...))
			},
			wantErr: "dropped the last",
			want:    []string{"c_r1", "c_r2", "c_r3"},
		},
		{
			name:     "a file whose cursor file is gone is not appended to from cursor 0",
			damage:   func(t *testing.T, out string) { remove(t, out+".cursor") },
			wantCode: 1, wantErr: "to resume from",
			want: []string{"c_r1", "c_r2", "c_r3"},
		},
		{
			name:     "an empty cursor file is refused",
			damage:   func(t *testing.T, out string) { writeFile(t, out+".cursor", "") },
			wantCode: 1, wantErr: "does not hold a cursor",
			want: []string{"c_r1", "c_r2", "c_r3"},
		},
		{
			name:   "an empty cursor file and --since 0 start over",
			damage: func(t *testing.T, out string) { writeFile(t, out+".cursor", "") },
			args:   []string{"--since", "0"},
			want:   []string{"c_r1", "c_r2", "c_r3"},
		},
		{
			name: "a file cut short since its cursor is refused",
			damage: func(t *testing.T, out string) {
				if err := os.Truncate(out, 10); err != nil {
					t.Fatal(err)
				}
			},
			wantCode: 1, wantErr: "fewer than",
		},
		{
			name:   "another selection with --since 0 starts the file over",
			damage: func(t *testing.T, out string) {},
			args:   []string{"--format", "full", "--since", "0"},
			want:   []string{"c_r1", "c_r2", "c_r3"},
		},
		{
			name: "a cursor file from an older arenactl (no size) still resumes",
			damage: func(t *testing.T, out string) {
				rec := strings.Split(readFile(t, out+".cursor"), "\n")
				writeFile(t, out+".cursor", rec[0]+"\n"+rec[1]+"\n")
			},
			wantErr: "resuming from cursor",
			want:    []string{"c_r1", "c_r2", "c_r3"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "prefs.jsonl")
			if stderr, code := cli(append(export, out)...); code != 0 {
				t.Fatalf("first export exited %d: %s", code, stderr)
			}
			tc.damage(t, out)
			stderr, code := cli(append(append(export, out), tc.args...)...)
			if code != tc.wantCode || !strings.Contains(stderr, tc.wantErr) {
				t.Fatalf("rerun: exit %d, want %d with %q:\n%s", code, tc.wantCode, tc.wantErr, stderr)
			}
			if tc.want == nil {
				return
			}
			var got []string
			for l := range strings.Lines(readFile(t, out)) {
				var p struct{ Chosen string }
				if err := json.Unmarshal([]byte(l), &p); err != nil || p.Chosen == "" {
					t.Fatalf("line %q: %v", l, err)
				}
				got = append(got, strings.Fields(p.Chosen)[0]) // "c_r1 answer A"
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("the file holds the pairs of %v, want %v", got, tc.want)
			}
		})
	}
}

func appendFile(t *testing.T, p string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func remove(t *testing.T, p string) {
	t.Helper()
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
}
