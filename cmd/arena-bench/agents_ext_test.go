package main

import (
	"io"
	"strings"
	"testing"
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
