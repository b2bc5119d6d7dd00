package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestAgentsFlagsRefuseBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		ok   bool
	}{
		{"no server", []string{"-op", "agents", "-token", "t"}, false},
		{"no token", []string{"-op", "agents", "-server", "http://x", "-token", ""}, false},
		{"one agent cannot play", []string{"-op", "agents", "-server", "http://x", "-token", "t", "-agents", "1"}, false},
		{"servers are trimmed", []string{"-op", "agents", "-server", " http://x/ ,http://y", "-token", "t"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseFlags(tc.args, io.Discard)
			if tc.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !strings.Contains(err.Error(), "-op agents needs") {
				t.Fatalf("err = %v", err)
			}
			if tc.ok && strings.Join(o.Agents.Servers, " ") != "http://x http://y" {
				t.Fatalf("servers %q", o.Agents.Servers)
			}
		})
	}
}

// TestAgentsPlayFromOutside runs the agents mode against a real node with
// its contest runner: real websockets, real moves, a real live feed and
// real contest streams.
func TestAgentsPlayFromOutside(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a node and plays for a few seconds")
	}
	n, err := startAbuseNode(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	o := AgentsOptions{Servers: []string{n.url}, Token: abuseOperatorToken, Agents: 4, Arena: "connect4", Spectators: 2, Spectate: "both"}
	rep, err := runAgents(t.Context(), o, time.Second, 5*time.Second, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", rep)
	switch {
	case rep.Agents != 4 || rep.MovesAcked == 0 || rep.RTTp50ms <= 0 || rep.RTTp50ms > rep.RTTp99ms:
		t.Fatalf("agents: %+v", rep)
	case len(rep.Errors) != 0:
		t.Fatalf("error frames: %v", rep.Errors)
	case rep.Live.Spectators != 2 || rep.Live.Frames == 0 || rep.Live.Dropped != 0:
		t.Fatalf("spectators: %+v", rep.Live)
	case rep.Contests == nil || rep.Contests.Spectators != 2 || rep.Contests.Attached == 0 || rep.Contests.Frames == 0 ||
		rep.Contests.Gaps != 0 || rep.Contests.Dropped != 0 || rep.Contests.P50ms <= 0:
		t.Fatalf("contest spectators: %+v", rep.Contests)
	case rep.State.After.Settled <= rep.State.Before.Settled || rep.State.After.SnapshotBytes == 0:
		t.Fatalf("state: %+v", rep.State)
	}
	t.Logf("contest spectators %+v; state %+v", *rep.Contests, rep.State)
}
