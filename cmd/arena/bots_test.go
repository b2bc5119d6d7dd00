package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"time"
)

// TestAFreshNodeRunsBotContests is what `make run` promises: a fresh node
// seeds its arenas and bots, and settled contests appear within seconds.
func TestAFreshNodeRunsBotContests(t *testing.T) {
	m := NewMain()
	m.Stdout, m.LogOutput, m.FastTimeouts = io.Discard, io.Discard, true
	dir := filepath.Join(t.TempDir(), "data")
	if err := m.ParseFlags([]string{"--data-dir", dir, "--http-addr", "127.0.0.1:0", "--raft-addr", "127.0.0.1:0", "--bot-delay", "0s"}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	api := apiClient{t}
	for _, arena := range []string{"connect4", "prompt", "verifiable"} {
		eventually(t, 30*time.Second, func() error {
			var out struct {
				Contests []struct {
					ID    string `json:"id"`
					Ranks []int  `json:"ranks"`
				} `json:"contests"`
			}
			api.do("GET", m.URL+"/v1/contests?status=settled&arena="+arena, "", nil, &out)
			if len(out.Contests) == 0 {
				return fmt.Errorf("no settled %s contest yet", arena)
			}
			return nil
		})
	}
	var lb struct {
		Entries []struct{ Name string } `json:"entries"`
	}
	api.do("GET", m.URL+"/v1/arenas/connect4/leaderboard", "", nil, &lb)
	if len(lb.Entries) < 2 {
		t.Fatalf("connect4 leaderboard has %d entries", len(lb.Entries))
	}
	t.Run("the prompt leaderboard shows Bradley-Terry ratings with intervals", func(t *testing.T) {
		var bt struct {
			Method  string `json:"method"`
			Entries []struct {
				Name string `json:"name"`
				Rank int    `json:"rank"`
				BT   *struct {
					Rating, Lower, Upper float64
					Rank                 int
				} `json:"bt"`
			} `json:"entries"`
		}
		// One settled contest rates two bots; wait for a third.
		eventually(t, 30*time.Second, func() error {
			if code := api.do("GET", m.URL+"/v1/arenas/prompt/leaderboard?method=bt", "", nil, &bt); code != 200 || bt.Method != "bt" {
				return fmt.Errorf("status %d method %q", code, bt.Method)
			}
			if len(bt.Entries) < 3 {
				return fmt.Errorf("prompt leaderboard has %d entries", len(bt.Entries))
			}
			return nil
		})
		for _, e := range bt.Entries {
			if e.BT == nil || e.BT.Lower > e.BT.Rating || e.BT.Rating > e.BT.Upper || e.Rank < 1 {
				t.Fatalf("entry %+v lacks a sound BT rating and interval", e)
			}
		}
	})
}
