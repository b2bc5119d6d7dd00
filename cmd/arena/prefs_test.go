package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type exportPage struct {
	lines []string
	next  string
}

func export(t *testing.T, url, key string) (exportPage, int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		body, _ := io.ReadAll(resp.Body)
		return exportPage{}, resp.StatusCode, string(body)
	}
	var p exportPage
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		p.lines = append(p.lines, sc.Text())
	}
	p.next = resp.Header.Get("X-Next-Cursor")
	return p, 200, ""
}

// TestPreferenceExport settles judged contests on a fresh node, then pages
// through the preference pairs as a trainer would.
func TestPreferenceExport(t *testing.T) {
	m := NewMain()
	m.Stdout, m.LogOutput, m.FastTimeouts = io.Discard, io.Discard, true
	dir := filepath.Join(t.TempDir(), "data")
	if err := m.ParseFlags([]string{"--data-dir", dir, "--http-addr", "127.0.0.1:0", "--raft-addr", "127.0.0.1:0",
		"--bot-delay", "0s", "--operator-token", testToken}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	api := apiClient{t}
	var tr struct {
		Key string `json:"trainer_key"`
	}
	eventually(t, 10*time.Second, func() error {
		if code := api.do("POST", m.URL+"/v1/trainers", testToken, map[string]string{"name": "dpo"}, &tr); code != 201 {
			return fmt.Errorf("create trainer: %d", code)
		}
		return nil
	})
	eventually(t, 30*time.Second, func() error {
		p, _, _ := export(t, m.URL+"/v1/preferences?arena=prompt", tr.Key)
		if len(p.lines) < 12 {
			return fmt.Errorf("%d pairs so far", len(p.lines))
		}
		return nil
	})
	// Freeze the set: take everything up to a cursor, then page to it.
	all, _, _ := export(t, m.URL+"/v1/preferences?arena=prompt&limit=12", tr.Key)
	end := all.next

	t.Run("paging with the cursor yields every pair once, in order", func(t *testing.T) {
		var got []string
		since := "0"
		for len(got) < len(all.lines) {
			p, code, body := export(t, m.URL+"/v1/preferences?arena=prompt&limit=5&since="+since, tr.Key)
			if code != 200 {
				t.Fatalf("page: %d %s", code, body)
			}
			got = append(got, p.lines...)
			since = p.next
		}
		if strings.Join(got[:len(all.lines)], "\n") != strings.Join(all.lines, "\n") {
			t.Fatal("paged export differs from the single export")
		}
		var first, last struct{ Cursor uint64 }
		json.Unmarshal([]byte(got[0]), &first)
		json.Unmarshal([]byte(got[len(all.lines)-1]), &last)
		if fmt.Sprint(last.Cursor) != end || first.Cursor >= last.Cursor {
			t.Fatalf("cursors run %d..%d, next %s", first.Cursor, last.Cursor, end)
		}
	})
	t.Run("format=trl lines are prompt, chosen and rejected strings", func(t *testing.T) {
		p, _, _ := export(t, m.URL+"/v1/preferences?arena=prompt&format=trl&limit=3", tr.Key)
		for _, l := range p.lines {
			var row map[string]any
			if err := json.Unmarshal([]byte(l), &row); err != nil || len(row) != 3 {
				t.Fatalf("line %s: %v", l, err)
			}
			for _, k := range []string{"prompt", "chosen", "rejected"} {
				if s, ok := row[k].(string); !ok || s == "" {
					t.Fatalf("line %s: %s is not a non-empty string", l, k)
				}
			}
		}
	})
	t.Run("format=messages lines are chat messages", func(t *testing.T) {
		p, _, _ := export(t, m.URL+"/v1/preferences?arena=prompt&format=messages&limit=1", tr.Key)
		var row struct {
			Prompt, Chosen []struct{ Role, Content string }
		}
		if err := json.Unmarshal([]byte(p.lines[0]), &row); err != nil || row.Prompt[0].Role != "user" || row.Chosen[0].Role != "assistant" {
			t.Fatalf("line %s: %v", p.lines[0], err)
		}
	})
	t.Run("filters narrow the export", func(t *testing.T) {
		if p, _, _ := export(t, m.URL+"/v1/preferences?arena=connect4", tr.Key); len(p.lines) != 0 {
			t.Fatalf("connect4 has %d preference pairs; rule games make none", len(p.lines))
		}
		p, _, _ := export(t, m.URL+"/v1/preferences?arena=prompt&min_margin=0.2&limit=10000", tr.Key)
		for _, l := range p.lines {
			var row struct{ Margin float64 }
			json.Unmarshal([]byte(l), &row)
			if row.Margin < 0.2 {
				t.Fatalf("pair with margin %v passed min_margin=0.2", row.Margin)
			}
		}
		p, _, _ = export(t, m.URL+"/v1/preferences?agent=ag_bot_txt-careful&limit=10000", tr.Key)
		for _, l := range p.lines {
			if !strings.Contains(l, "ag_bot_txt-careful") {
				t.Fatalf("pair without the agent: %s", l)
			}
		}
	})
	t.Run("flags are split by side, and exclude_flagged=chosen keeps pairs lost to a flagged answer", func(t *testing.T) {
		type row struct {
			Cursor        uint64
			Flags         []string
			ChosenFlags   []string `json:"chosen_flags"`
			RejectedFlags []string `json:"rejected_flags"`
		}
		// Up to a fixed cursor, so the three exports see the same pairs.
		upTo := func(q string, last uint64) map[uint64]row {
			p, code, body := export(t, m.URL+"/v1/preferences?arena=prompt&limit=10000&"+q, tr.Key)
			if code != 200 {
				t.Fatalf("%s: %d %s", q, code, body)
			}
			out := map[uint64]row{}
			for _, l := range p.lines {
				var r row
				if err := json.Unmarshal([]byte(l), &r); err != nil {
					t.Fatal(err)
				}
				if r.Cursor <= last {
					out[r.Cursor] = r
				}
			}
			return out
		}
		var last uint64
		var every map[uint64]row
		// The echo and verbose bots give non-answers, so pairs they lose
		// soon exist; wait for one.
		eventually(t, 30*time.Second, func() error {
			p, _, _ := export(t, m.URL+"/v1/preferences?arena=prompt&limit=10000", tr.Key)
			fmt.Sscan(p.next, &last)
			every = upTo("", last)
			for _, r := range every {
				if len(r.RejectedFlags) > 0 && len(r.ChosenFlags) == 0 && len(r.RejectedFlags) == len(r.Flags) {
					return nil
				}
			}
			return fmt.Errorf("no pair lost to a flagged answer among %d", len(every))
		})
		clean, chosenClean := upTo("exclude_flagged=true", last), upTo("exclude_flagged=chosen", last)
		for c, r := range every {
			if len(r.ChosenFlags)+len(r.RejectedFlags) > len(r.Flags) {
				t.Errorf("pair %d: sides %v / %v hold more than its flags %v", c, r.ChosenFlags, r.RejectedFlags, r.Flags)
			}
			_, inClean := clean[c]
			_, inChosen := chosenClean[c]
			wantChosen := len(r.ChosenFlags) == 0 && len(r.RejectedFlags) == len(r.Flags)
			if inClean != (len(r.Flags) == 0) || inChosen != wantChosen {
				t.Errorf("pair %d (flags %v, chosen %v, rejected %v): in exclude_flagged=true %v, in =chosen %v",
					c, r.Flags, r.ChosenFlags, r.RejectedFlags, inClean, inChosen)
			}
		}
		if len(chosenClean) <= len(clean) {
			t.Errorf("exclude_flagged=chosen kept %d pairs, exclude_flagged=true %d: want more", len(chosenClean), len(clean))
		}
	})
	t.Run("bad queries get a 400 naming the parameter", func(t *testing.T) {
		for param, q := range map[string]string{"since": "since=abc", "min_margin": "min_margin=2", "format": "format=csv",
			"limit": "limit=0", "min_agreement": "min_agreement=x", "exclude_flagged": "exclude_flagged=maybe"} {
			_, code, body := export(t, m.URL+"/v1/preferences?"+q, tr.Key)
			if code != 400 || !strings.Contains(body, param) {
				t.Errorf("%s: status %d body %s", q, code, body)
			}
		}
	})
	t.Run("trainer keys read preferences but change nothing", func(t *testing.T) {
		if code := api.do("POST", m.URL+"/v1/agents", tr.Key, map[string]string{"name": "x"}, nil); code != 403 {
			t.Errorf("trainer created an agent: status %d", code)
		}
		if code := api.do("GET", m.URL+"/v1/preferences", "", nil, nil); code != 401 {
			t.Errorf("anonymous export: status %d", code)
		}
	})
}
