package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Every filter flag given is sent, whatever its value, for the server to
// take or refuse: --min-agreement below -2 and --min-margin below -1 were
// taken for "not given" and dropped, so `--min-agreement -3` exported
// every pair, those of no judge panel too, with no word, and the next
// export into that file skipped the pairs it had asked for.
func TestPrefsExportSendsEveryFilterItIsGiven(t *testing.T) {
	var mu sync.Mutex
	var got url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = r.URL.Query()
		mu.Unlock()
		w.Header().Set("X-Next-Cursor", "0")
	}))
	defer srv.Close()
	for _, tt := range []struct {
		args  []string
		param string
		want  string // "" for not sent
	}{
		{[]string{"--min-agreement", "-3"}, "min_agreement", "-3"},
		{[]string{"--min-agreement", "-2"}, "min_agreement", "-2"},
		{[]string{"--min-agreement", "0.4"}, "min_agreement", "0.4"},
		{nil, "min_agreement", ""},
		{[]string{"--min-margin", "-1.5"}, "min_margin", "-1.5"},
		{[]string{"--min-margin", "-1"}, "min_margin", "-1"},
		{[]string{"--min-margin", "0.25"}, "min_margin", "0.25"},
		{nil, "min_margin", ""},
	} {
		args := append([]string{"prefs", "export", "--out", filepath.Join(t.TempDir(), "p.jsonl")}, tt.args...)
		env := map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": "art_k"}
		var o, e bytes.Buffer
		if code := run(context.Background(), args, func(k string) string { return env[k] }, &o, &e); code != 0 {
			t.Fatalf("%v exited %d: %s", tt.args, code, e.String())
		}
		mu.Lock()
		v, sent := got[tt.param]
		mu.Unlock()
		switch {
		case tt.want == "" && sent:
			t.Errorf("%v sent %s=%v, want it left out", tt.args, tt.param, v)
		case tt.want != "" && (!sent || v[0] != tt.want):
			t.Errorf("%v sent %s=%v (sent %v), want %s", tt.args, tt.param, v, sent, tt.want)
		}
	}
}

// With --out - the pairs are stdout, and --json's summary goes to stderr:
// it was printed after the pairs, so `prefs export --out - --json >
// prefs.jsonl` ended the dataset with a five-line object that is no pair,
// and loading it as JSON Lines failed.
func TestPrefsExportToStdoutKeepsTheSummaryOutOfThePairs(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("since") == "0" {
			w.Header().Set("X-Next-Cursor", "2")
			fmt.Fprintln(w, `{"prompt":"p","chosen":"a","rejected":"b"}`)
			fmt.Fprintln(w, `{"prompt":"q","chosen":"c","rejected":"d"}`)
			return
		}
		w.Header().Set("X-Next-Cursor", "2")
	}))
	defer srv.Close()
	env := map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": "art_k"}
	var o, e bytes.Buffer
	if code := run(context.Background(), []string{"prefs", "export", "--out", "-", "--format", "trl", "--json"}, func(k string) string { return env[k] }, &o, &e); code != 0 {
		t.Fatalf("exit %d: %s", code, e.String())
	}
	lines := strings.Split(strings.TrimSuffix(o.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("stdout holds %d lines, want the 2 pairs alone:\n%s", len(lines), o.String())
	}
	for _, l := range lines {
		var p struct{ Prompt, Chosen, Rejected string }
		if err := json.Unmarshal([]byte(l), &p); err != nil || p.Prompt == "" {
			t.Errorf("stdout line %q is not a pair (%v)", l, err)
		}
	}
	if !strings.Contains(e.String(), `"next_cursor":2`) {
		t.Errorf("stderr lacks the summary's next_cursor:\n%s", e.String())
	}
}
