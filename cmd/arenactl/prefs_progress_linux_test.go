package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// TestPrefsExportClearsItsProgressLine exports to a file with stderr on a
// pseudo-terminal, as a trainer at a shell does. The progress line is
// redrawn in place while pages arrive; once the export ends, done or
// failed, it is cleared: it stayed on screen before the summary, and an
// error was printed on the end of it ("exported 1 pairs (cursor 1, 3
// pairs/s)arenactl: internal: …").
func TestPrefsExportClearsItsProgressLine(t *testing.T) {
	for _, tc := range []struct {
		name     string
		failAt   uint64 // the page after this cursor fails (0: none does)
		wantCode int
		want     []string // the terminal's lines afterwards
	}{
		{name: "an export that finishes leaves its summary", want: []string{"done: 3 pairs; resume with --since 3"}},
		{name: "an export that fails leaves its error", failAt: 1, wantCode: 1, want: []string{"arenactl: internal: the export broke"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				since, _ := strconv.ParseUint(r.URL.Query().Get("since"), 10, 64)
				if tc.failAt > 0 && since == tc.failAt {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusInternalServerError)
					fmt.Fprint(w, `{"error":{"code":"internal","message":"the export broke"}}`)
					return
				}
				next := min(since+1, 3)
				w.Header().Set("X-Next-Cursor", strconv.FormatUint(next, 10))
				w.Header().Set("X-Pair-Count", strconv.FormatUint(next-since, 10))
				if next > since {
					fmt.Fprintf(w, `{"prompt":"p%d","chosen":"a","rejected":"b"}`+"\n", next)
				}
			}))
			defer srv.Close()
			ptmx, pts := openPTY(t)
			screen := make(chan []byte)
			go func() {
				b, _ := io.ReadAll(ptmx) // until the terminal's other end is closed
				screen <- b
			}()
			env := map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": "art_progress"}
			out := filepath.Join(t.TempDir(), "prefs.jsonl")
			code := run(context.Background(), []string{"prefs", "export", "--format", "trl", "--page", "1", "--out", out},
				func(k string) string { return env[k] }, &bytes.Buffer{}, pts)
			pts.Close()
			raw := <-screen
			if code != tc.wantCode {
				t.Fatalf("exit code %d, want %d; the terminal shows %q", code, tc.wantCode, raw)
			}
			if !bytes.Contains(raw, []byte("\rexported ")) {
				t.Fatalf("no progress line was drawn: %q", raw)
			}
			if got := render(raw); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("the terminal shows\n%s\nwant\n%s\n(written: %q)", strings.Join(got, "\n"), strings.Join(tc.want, "\n"), raw)
			}
		})
	}
}

// openPTY opens a pseudo-terminal: what is written to pts is read from
// ptmx. The test is skipped where there are none.
func openPTY(t *testing.T) (ptmx, pts *os.File) {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { ptmx.Close() })
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlock the pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skipf("name the pseudo-terminal: %v", err)
	}
	pts, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open the pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { pts.Close() })
	return ptmx, pts
}

// render is what a terminal shows after b: its lines, without the empty
// ones. It knows what the progress line uses: a carriage return, a
// newline, and the escape that erases to the end of the line.
func render(b []byte) []string {
	lines := [][]rune{nil}
	col := 0
	s := string(b)
	for len(s) > 0 {
		cur := &lines[len(lines)-1]
		if rest, ok := strings.CutPrefix(s, "\x1b[K"); ok {
			*cur = (*cur)[:min(col, len(*cur))]
			s = rest
			continue
		}
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch r {
		case '\r':
			col = 0
		case '\n':
			lines, col = append(lines, nil), 0
		default:
			if col < len(*cur) {
				(*cur)[col] = r
			} else {
				*cur = append(*cur, r)
			}
			col++
		}
	}
	var out []string
	for _, l := range lines {
		if strings.TrimSpace(string(l)) != "" {
			out = append(out, string(l))
		}
	}
	return out
}
