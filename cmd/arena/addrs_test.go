package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/internal/loopport"
)

// Addresses peers could not use are refused before the node touches its
// data dir, naming the flag and the value as typed (--raft-addr 0.0.0.0:P
// was reported as "[::]:P", after the data dir had been created).
func TestUnusableAddressesAreRefusedByName(t *testing.T) {
	tests := []struct {
		name  string
		flags []string
		want  []string
	}{
		{"raft listening on every interface, nothing advertised", []string{"--raft-addr", "0.0.0.0:7000"},
			[]string{"--raft-addr 0.0.0.0:7000 listens on every interface", "--raft-advertise 10.0.0.1:7000"}},
		{"raft on every interface, written without a host", []string{"--raft-addr", ":7000"},
			[]string{"--raft-addr :7000 listens on every interface"}},
		{"raft on every IPv6 interface", []string{"--raft-addr", "[::]:7000"},
			[]string{"--raft-addr [::]:7000 listens on every interface"}},
		{"a raft address without a port", []string{"--raft-addr", "10.0.0.1"},
			[]string{`--raft-addr "10.0.0.1" is not host:port`, "missing port"}},
		{"an advertised raft address on every interface", []string{"--raft-addr", "0.0.0.0:7000", "--raft-advertise", "0.0.0.0:7000"},
			[]string{"--raft-advertise 0.0.0.0:7000 is not an address peers can dial"}},
		{"an advertised raft address with port 0", []string{"--raft-advertise", "127.0.0.1:0"},
			[]string{"--raft-advertise 127.0.0.1:0 is not an address peers can dial"}},
		{"a join target without a scheme", []string{"--join", "10.0.0.1:8080"},
			[]string{`--join "10.0.0.1:8080": not an http:// or https:// URL`, "such as http://10.0.0.1:8080"}},
		{"a join target that is not a URL", []string{"--join", "n1"},
			[]string{`--join "n1"`, "HTTP URL of a running member"}},
		{"an advertised HTTP address without a scheme", []string{"--http-advertise", "10.0.0.2:8080"},
			[]string{`--http-advertise "10.0.0.2:8080"`, "such as http://10.0.0.2:8080"}},
		{"an advertised HTTP address nobody can dial", []string{"--http-advertise", "http://0.0.0.0:8080"},
			[]string{`--http-advertise "http://0.0.0.0:8080"`, "nobody can dial"}},
		{"an HTTP listen address without a port", []string{"--http-addr", "localhost"},
			[]string{`--http-addr "localhost" is not host:port`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			m := NewMain()
			m.Stdout, m.LogOutput = io.Discard, io.Discard
			args := append([]string{"--data-dir", dir, "--http-addr", "127.0.0.1:0", "--raft-addr", "127.0.0.1:0",
				"--operator-token", testToken}, tt.flags...)
			if err := m.ParseFlags(args, noEnv); err != nil {
				t.Fatal(err)
			}
			err := m.Run(context.Background())
			m.Close()
			if err == nil {
				t.Fatal("the node started")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "[::]") && !strings.Contains(strings.Join(tt.flags, " "), "[::]") {
				t.Errorf("error %q names an address nobody typed", err)
			}
			if _, serr := os.Stat(dir); !errors.Is(serr, os.ErrNotExist) {
				t.Errorf("the refused start created its data dir (%v)", serr)
			}
		})
	}
}

func TestJoinsItself(t *testing.T) {
	loop := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 18080}
	any := &net.TCPAddr{IP: net.IPv4zero, Port: 18080}
	tests := []struct {
		name      string
		join      string
		advertise string
		listen    *net.TCPAddr
		want      bool
	}{
		{"its own advertised URL", "http://10.9.9.9:18080/", "http://10.9.9.9:18080", loop, true},
		{"its listener's address", "http://127.0.0.1:18080", "http://127.0.0.1:18080", loop, true},
		{"localhost for its loopback listener", "http://localhost:18080", "http://127.0.0.1:18080", loop, true},
		{"loopback for a listener on every interface", "http://127.0.0.1:18080", "http://10.9.9.9:18080", any, true},
		{"another port on the same host", "http://127.0.0.1:18081", "http://127.0.0.1:18080", loop, false},
		{"another loopback address", "http://127.0.0.2:18080", "http://127.0.0.1:18080", loop, false},
		{"another machine", "http://192.0.2.77:18080", "http://127.0.0.1:18080", any, false},
		{"a name that does not resolve", "http://no-such-host.invalid:18080", "http://127.0.0.1:18080", any, false},
		{"the default port of the scheme", "http://127.0.0.1", "http://127.0.0.1:18080", loop, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := joinsItself(tt.join, tt.advertise, tt.listen); got != tt.want {
				t.Errorf("joinsItself(%q, %q, %v) = %v, want %v", tt.join, tt.advertise, tt.listen, got, tt.want)
			}
		})
	}
}

// A new node whose --join names its own HTTP address knows no leader, and
// asked itself for a minute before failing; it now fails at once.
func TestANewNodeJoiningThroughItselfFailsAtOnce(t *testing.T) {
	port, err := loopport.NewPicker().Pick()
	if err != nil {
		t.Fatal(err)
	}
	for _, join := range []string{"http://127.0.0.1:" + strconv.Itoa(port), "http://localhost:" + strconv.Itoa(port) + "/"} {
		m := NewMain()
		m.Stdout, m.LogOutput = io.Discard, io.Discard
		if err := m.ParseFlags([]string{"--node-id", "n2", "--data-dir", t.TempDir(), "--http-addr", "127.0.0.1:" + strconv.Itoa(port),
			"--raft-addr", "127.0.0.1:0", "--operator-token", testToken, "--join", join}, noEnv); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		err := m.Run(context.Background())
		m.Close()
		if err == nil || !strings.Contains(err.Error(), "--join "+join+" is this node's own HTTP address") || !strings.Contains(err.Error(), "another member's URL") {
			t.Fatalf("--join %s: %v, want an error saying it is this node's own address", join, err)
		}
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("--join %s failed after %v, want at once", join, took)
		}
	}
}

// A member whose unit file names itself in --join (every node started
// from the same file) is a member already: it starts, and says why it
// did not join.
func TestAMemberWithJoinNamingItselfStarts(t *testing.T) {
	picker := loopport.NewPicker()
	hp, err := picker.Pick()
	if err != nil {
		t.Fatal(err)
	}
	rp, err := picker.Pick()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "n1")
	httpAddr, raftAddr := "127.0.0.1:"+strconv.Itoa(hp), "127.0.0.1:"+strconv.Itoa(rp)
	first := startNode(t, "n1", dir, httpAddr, raftAddr, "")
	if err := first.m.Close(); err != nil {
		t.Fatal(err)
	}
	again := startNode(t, "n1", dir, httpAddr, raftAddr, first.m.URL)
	defer again.m.Close()
	if !strings.Contains(again.logs.String(), "--join names this node itself") {
		t.Errorf("the skipped join was not logged:\n%s", again.logs)
	}
}

// -h prints the flags and is not an error; a mistyped flag is answered
// with the mistake, not with every flag.
func TestServeHelpAndFlagMistakes(t *testing.T) {
	var out bytes.Buffer
	m := NewMain()
	m.Stdout, m.LogOutput = io.Discard, &out
	if err := m.ParseFlags([]string{"-h"}, noEnv); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v, want flag.ErrHelp", err)
	}
	if !strings.Contains(out.String(), "-raft-advertise") {
		t.Errorf("-h printed no flags:\n%s", out.String())
	}
	for _, cmd := range []string{"serve", "dev-cluster", "restore"} {
		if code := run(context.Background(), func() {}, []string{cmd, "-h"}); code != 0 {
			t.Errorf("arena %s -h exits %d, want 0", cmd, code)
		}
	}
	out.Reset()
	m = NewMain()
	m.Stdout, m.LogOutput = io.Discard, &out
	err := m.ParseFlags([]string{"--raft-adress", "10.0.0.1:7000"}, noEnv)
	if err == nil || !strings.Contains(err.Error(), "-raft-adress") || !strings.Contains(err.Error(), "arena serve -h") {
		t.Errorf("a mistyped flag: %v, want the flag named and a pointer to -h", err)
	}
	if out.Len() > 0 {
		t.Errorf("a mistyped flag printed %d bytes of usage", out.Len())
	}
}

// -h shows each flag's default, and a default read from the environment
// is shown too; secrets given through the environment (as the docs
// advise, since flags show in the process list) must not be, since help
// output ends up in terminals, tickets and logs. The values still count.
func TestServeHelpPrintsNoSecretsFromTheEnvironment(t *testing.T) {
	secrets := map[string]string{
		"ARENA_OPERATOR_TOKEN": "arop_helpmustnotshowthis",
		"ARENA_SECRETS_KEY":    strings.Repeat("ab", 32),
		"ARENA_JUDGE_API_KEY":  "sk-helpmustnotshowthis",
	}
	var out bytes.Buffer
	m := NewMain()
	m.Stdout, m.LogOutput = io.Discard, &out
	if err := m.ParseFlags([]string{"-h"}, func(k string) string { return secrets[k] }); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v, want flag.ErrHelp", err)
	}
	for name, v := range secrets {
		if strings.Contains(out.String(), v) {
			t.Errorf("arena serve -h prints the value of %s", name)
		}
	}
	m = NewMain()
	if err := m.ParseFlags(nil, func(k string) string { return secrets[k] }); err != nil {
		t.Fatal(err)
	}
	if m.OperatorToken != secrets["ARENA_OPERATOR_TOKEN"] || m.SecretsKey != secrets["ARENA_SECRETS_KEY"] || m.JudgeAPIKey != secrets["ARENA_JUDGE_API_KEY"] {
		t.Errorf("the variables no longer count: token %q, secrets key %q, judge key %q", m.OperatorToken, m.SecretsKey, m.JudgeAPIKey)
	}
	m = NewMain()
	if err := m.ParseFlags([]string{"--operator-token", "arop_flag", "--judge-api-key", "sk-flag"}, func(k string) string { return secrets[k] }); err != nil {
		t.Fatal(err)
	}
	if m.OperatorToken != "arop_flag" || m.JudgeAPIKey != "sk-flag" {
		t.Errorf("a flag no longer beats the variable: token %q, judge key %q", m.OperatorToken, m.JudgeAPIKey)
	}
}

// A setting the flags alone decide (the log level, the AI judge's
// endpoint, the secrets key's form, an HTTP port in use) is refused
// before the data dir is touched: a mistyped --log-level used to pin a
// fresh data dir to "node1", and a judge without a model or a busy port
// to bootstrap a one-node cluster there (with a generated token and
// secrets key), before the node refused to start.
func TestBadSettingsAreRefusedBeforeTheDataDirIsTouched(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, bad := range [][]string{
		{"--log-level", "verbose"},
		{"--judge-base-url", "http://127.0.0.1:9/v1"},
		{"--judge-base-url", "127.0.0.1:9/v1", "--judge-model", "m"},
		{"--secrets-key", "zz"},
		{"--http-addr", busy.Addr().String()},
	} {
		dir := filepath.Join(t.TempDir(), "data")
		m := NewMain()
		m.Stdout, m.LogOutput = io.Discard, io.Discard
		args := append([]string{"--data-dir", dir, "--http-addr", "127.0.0.1:0", "--raft-addr", "127.0.0.1:0",
			"--operator-token", testToken, "--no-bots"}, bad...)
		if err := m.ParseFlags(args, noEnv); err != nil {
			t.Fatal(err)
		}
		err := m.Run(context.Background())
		m.Close()
		if err == nil {
			t.Fatalf("%v: the node started", bad)
		}
		if !strings.Contains(err.Error(), strings.TrimPrefix(bad[0], "--")) && !strings.Contains(err.Error(), bad[1]) {
			t.Errorf("%v: %v, want the setting named", bad, err)
		}
		if _, serr := os.Stat(dir); !os.IsNotExist(serr) {
			t.Errorf("%v (%v) left the data dir behind (%v)", bad, err, serr)
		}
	}
}
