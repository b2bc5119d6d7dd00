package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeExport serves a prompt arena whose export answers page(since):
// the lines of the page and its X-Next-Cursor.
func fakeExport(t *testing.T, page func(since uint64) ([]string, uint64)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/arenas/prompt":
			fmt.Fprint(w, `{"arena":{"name":"prompt","game":"prompt","options":{}}}`)
		case "/v1/preferences":
			since, _ := strconv.ParseUint(r.URL.Query().Get("since"), 10, 64)
			lines, next := page(since)
			w.Header().Set("X-Next-Cursor", strconv.FormatUint(next, 10))
			for _, l := range lines {
				fmt.Fprintln(w, l)
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// An export that is not what a node writes stops the run with what is
// wrong and where: a line that is not a pair said only "decode pair:
// unexpected end of JSON input", and a next cursor behind the page's
// start pulled the same pairs again for ever.
func TestRunStopsOnAnExportItCannotRead(t *testing.T) {
	pair := `{"cursor":5,"prompt":"p","chosen":"a careful answer","rejected":"meh"}`
	for _, tt := range []struct {
		name string
		page func(uint64) ([]string, uint64)
		want []string
	}{
		{"a line cut short", func(since uint64) ([]string, uint64) {
			if since > 0 {
				return nil, since
			}
			return []string{pair, `{"cursor":6,"prom`}, 6
		}, []string{`arena "prompt" after cursor 0: line 2 is not a pair`, `{\"cursor\":6,\"prom`}},
		{"an object that is no pair", func(since uint64) ([]string, uint64) {
			if since > 0 {
				return nil, since
			}
			return []string{pair, `{}`}, 6
		}, []string{`line 2 is not a pair (no cursor or prompt)`}},
		{"a cursor that goes back", func(since uint64) ([]string, uint64) {
			if since >= 5 {
				return nil, 3
			}
			return []string{pair}, 5
		}, []string{"the page after cursor 5 says the next starts at 3, before it"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			url := fakeExport(t, tt.page)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := runOnline(ctx, []string{"-server", url, "-trainer-key", "art_x", "-arena", "prompt", "-preset", "tiny", "-context", "64", "-out", t.TempDir(),
				"-rounds", "1", "-sft-steps", "1", "-dpo-steps", "1", "-batch", "2", "-min-pairs", "1", "-round-wait", "1ms", "-play=false"}, &bytes.Buffer{}, &bytes.Buffer{})
			if err == nil || ctx.Err() != nil {
				t.Fatalf("err = %v (context: %v), want the export refused at once", err, ctx.Err())
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("err = %v, want it to say %s", err, want)
				}
			}
		})
	}
}

// A pair the export says is of another arena than the one asked for is
// refused: it was trained on as if it were the arena's, and the arena's
// held-out tasks are no guard for another arena's pairs.
func TestRunRefusesAPairOfAnotherArena(t *testing.T) {
	url := fakeExport(t, func(since uint64) ([]string, uint64) {
		if since > 0 {
			return nil, since
		}
		return []string{
			`{"cursor":5,"arena":"prompt","prompt":"p","chosen":"a careful answer","rejected":"meh"}`,
			`{"cursor":6,"arena":"verifiable","prompt":"q","chosen":"ANSWER: 4","rejected":"ANSWER: 5"}`,
		}, 6
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := runOnline(ctx, []string{"-server", url, "-trainer-key", "art_x", "-arena", "prompt", "-preset", "tiny", "-context", "64", "-out", t.TempDir(),
		"-rounds", "1", "-sft-steps", "1", "-dpo-steps", "1", "-batch", "2", "-min-pairs", "1", "-round-wait", "1ms", "-play=false"}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), `line 2 is a pair of arena "verifiable", not of "prompt"`) {
		t.Fatalf("err = %v, want the pair of another arena refused by line and arena", err)
	}
}

// The progress line counts the run's steps, as metrics.jsonl and the
// versions' names (learner@vN) do, and a log keeps each phase's last
// step: round 2 counted "step 1/5" again while metrics.jsonl logged step
// 6 and its version was learner@v10, and SFT's last step went unlogged
// because run goes from SFT to DPO without a pause.
func TestRunProgressCountsTheRunsSteps(t *testing.T) {
	url := fakeExport(t, func(since uint64) ([]string, uint64) {
		if since > 0 {
			return nil, since
		}
		return []string{
			`{"cursor":1,"arena":"prompt","prompt":"p","chosen":"a careful answer","rejected":"meh"}`,
			`{"cursor":2,"arena":"prompt","prompt":"q","chosen":"another careful answer","rejected":"no"}`,
		}, 2
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stderr bytes.Buffer
	err := runOnline(ctx, []string{"-server", url, "-trainer-key", "art_x", "-arena", "prompt", "-preset", "tiny", "-context", "64", "-out", t.TempDir(),
		"-rounds", "2", "-sft-steps", "3", "-dpo-steps", "2", "-batch", "2", "-min-pairs", "1", "-round-wait", "1ms", "-play=false"}, &bytes.Buffer{}, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	for _, want := range []string{"step 1/5 sft", "step 3/5 sft", "step 5/5 dpo", "step 6/10 sft", "step 8/10 sft", "step 10/10 dpo"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, stderr.String())
		}
	}
}
