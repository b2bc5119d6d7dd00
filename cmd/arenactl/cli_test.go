package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/client/clienttest"
)

type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs arenactl with env as its whole environment.
func runCLI(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, &stdout, &stderr)
	return result{code, stdout.String(), stderr.String()}
}

func TestUsageErrorsExitWithStatus2AndSendNothing(t *testing.T) {
	srv := clienttest.NewServer(t)
	withKey := map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": "aro_key"}
	noKey := map[string]string{"ARENA_SERVER": srv.URL}
	withOp := map[string]string{"ARENA_SERVER": srv.URL, "ARENA_OPERATOR_TOKEN": clienttest.OperatorToken}
	tests := []struct {
		name       string
		env        map[string]string
		args       []string
		wantStderr string
	}{
		{"no arguments print the usage", withKey, nil, "Usage: arenactl"},
		{"an unknown command is rejected", withKey, []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"a command group without a subcommand is rejected", withKey, []string{"agent"}, "agent needs a subcommand"},
		{"an unknown subcommand is rejected", withKey, []string{"agent", "explode"}, `unknown command "agent explode"`},
		{"an unknown flag is rejected", withKey, []string{"agent", "list", "--bogus"}, "flag provided but not defined: -bogus"},
		{"an unknown global flag is rejected", withKey, []string{"--bogus", "agent", "list"}, "flag provided but not defined: -bogus"},
		{"owner create without --name is rejected", noKey, []string{"owner", "create"}, "owner create needs --name"},
		{"agent create without --name is rejected", withKey, []string{"agent", "create"}, "agent create needs --name"},
		{"agent create with an unknown kind is rejected", withKey, []string{"agent", "create", "--name", "b", "--kind", "carrier-pigeon"}, `--kind must be websocket, webhook or openai, not "carrier-pigeon"`},
		{"agent show without an id is rejected", withKey, []string{"agent", "show"}, "agent show takes 1 argument(s) (ID), got 0"},
		{"agent show with two ids is rejected", withKey, []string{"agent", "show", "a", "b"}, "got 2"},
		{"agent update without any field is rejected", withKey, []string{"agent", "update", "agt_1"}, "needs at least one of --name"},
		{"agent update with an empty kind is rejected", withKey, []string{"agent", "update", "agt_1", "--kind="}, "--kind must be websocket, webhook or openai"},
		{"agent list with a zero limit is rejected", withKey, []string{"agent", "list", "--limit", "0"}, "--limit must be at least 1"},
		{"agent list with a non-numeric limit is rejected", withKey, []string{"agent", "list", "--limit", "ten"}, `invalid value "ten" for flag -limit`},
		{"agent list with a cursor but no limit is rejected", withKey, []string{"agent", "list", "--cursor", "c"}, "pass --limit too"},
		{"agent list for me without a key is rejected", noKey, []string{"agent", "list"}, "needs an owner API key"},
		{"owner me without a key is rejected", noKey, []string{"owner", "me"}, "pass --key or set ARENA_KEY"},
		{"agent delete without a key is rejected", noKey, []string{"agent", "delete", "agt_1"}, "pass --key or set ARENA_KEY"},
		// It asked for "a trainer key", which reads no deliveries.
		{"agent deliveries without any credential is rejected", noKey, []string{"agent", "deliveries", "agt_1"}, "needs the owner API key (--key, ARENA_KEY) or the operator token"},
		{"cluster remove without the operator token is rejected", withKey, []string{"cluster", "remove", "n3"}, "pass --operator-token or set ARENA_OPERATOR_TOKEN"},
		{"a server address without a scheme is rejected", withKey, []string{"--server", "localhost:8080", "cluster", "status"}, "invalid --server"},
		{"balance with an argument is rejected", withKey, []string{"balance", "own_1"}, "balance takes no arguments, got 1"},
		{"balance of me without a key is rejected", withOp, []string{"balance"}, "pass --key or set ARENA_KEY"},
		{"balance of an id without any credential is rejected", noKey, []string{"balance", "--owner", "own_1"}, "needs that owner's API key (--key, ARENA_KEY) or the operator token"},
		{"transfers with a cursor but no limit is rejected", withKey, []string{"transfers", "--cursor", "3"}, "pass --limit too"},
		{"prefs export with a zero page is rejected", withKey, []string{"prefs", "export", "--out", "-", "--page", "0"}, "--page must be from 1 to 10000, got 0"},
		{"prefs export with a negative page is rejected", withKey, []string{"prefs", "export", "--out", "-", "--page", "-3"}, "--page must be from 1 to 10000, got -3"},
		{"transfers with a zero limit is rejected", withKey, []string{"transfers", "--limit", "0"}, "--limit must be at least 1"},
		{"grant without the operator token is rejected", withKey, []string{"grant", "--owner", "own_1", "--amount", "1"}, "pass --operator-token or set ARENA_OPERATOR_TOKEN"},
		{"grant without --owner is rejected", withOp, []string{"grant", "--amount", "1"}, "grant needs --owner"},
		{"grant without --amount is rejected", withOp, []string{"grant", "--owner", "own_1"}, "grant needs --amount, in minor units"},
		{"a negative grant is rejected", withOp, []string{"grant", "--owner", "own_1", "--amount", "-5"}, "to debit a wallet use adjust"},
		{"a fractional amount is rejected", withOp, []string{"grant", "--owner", "own_1", "--amount", "1.50"}, `invalid value "1.50" for flag -amount`},
		{"a zero adjustment is rejected", withOp, []string{"adjust", "--owner", "own_1", "--amount", "0"}, "--amount must not be zero"},
		{"audit without the operator token is rejected", withKey, []string{"audit"}, "pass --operator-token"},
		{"arena show without a name is rejected", withKey, []string{"arena", "show"}, "arena show takes 1 argument(s) (NAME), got 0"},
		{"an unknown leaderboard method is rejected", withKey, []string{"arena", "leaderboard", "connect4", "--method", "glicko"}, `--method must be elo or bt, not "glicko"`},
		{"an unknown contest status is rejected", withKey, []string{"contest", "list", "--status", "done"}, `--status must be one of running, judging, settled, aborted, not "done"`},
		{"contest abort without the operator token is rejected", withKey, []string{"contest", "abort", "ct_1"}, "pass --operator-token"},
		{"agent queue without --arena is rejected", withKey, []string{"agent", "queue", "agt_1"}, "agent queue needs --arena"},
		{"agent unqueue without --arena is rejected", withKey, []string{"agent", "unqueue", "agt_1"}, "agent unqueue needs --arena"},
		{"an openai agent without --model is rejected", withKey, []string{"agent", "create", "--name", "g", "--kind", "openai", "--base-url", "http://m/v1"}, "needs --base-url and --model"},
		{"endpoint flags on a websocket agent are rejected", withKey, []string{"agent", "create", "--name", "g", "--model", "m"}, "are only for --kind openai"},
		{"--api-key on a webhook agent is rejected", withKey, []string{"agent", "create", "--name", "g", "--kind", "webhook", "--webhook-url", "https://h/x", "--api-key", "k"}, "are only for --kind openai"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.Requests())
			r := runCLI(t, tt.env, tt.args...)
			if r.code != 2 {
				t.Errorf("exit code = %d, want 2", r.code)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", r.stderr, tt.wantStderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
			if n := len(srv.Requests()) - before; n != 0 {
				t.Errorf("%d requests reached the server, want none", n)
			}
		})
	}
}

func TestHelpIsPrintedToStdoutWithStatus0(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"help lists every command", []string{"help"}, "cluster remove NODE_ID"},
		{"-h lists every command", []string{"-h"}, "agent list [--owner ID|me]"},
		{"--help documents the environment variables", []string{"--help"}, "env ARENA_OPERATOR_TOKEN"},
		{"a group's -h lists every command", []string{"agent", "-h"}, "owner create --name N"},
		{"a command's -h shows that command's usage", []string{"agent", "update", "-h"}, "Usage: arenactl agent update ID [--name N]"},
		{"a one-word command's -h shows its usage", []string{"grant", "-h"}, "Usage: arenactl grant --owner ID --amount N [--id ID] [--memo M]"},
		{"help lists the money commands", []string{"help"}, "  audit\n        Re-verify the ledger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, nil, tt.args...)
			if r.code != 0 || !strings.Contains(r.stdout, tt.want) || r.stderr != "" {
				t.Errorf("code %d, stdout %q, stderr %q; want 0 and stdout containing %q", r.code, r.stdout, r.stderr, tt.want)
			}
		})
	}
}

func TestGlobalFlagsAndEnvironmentChooseServerAndKey(t *testing.T) {
	srv := clienttest.NewServer(t)
	_, envKey := srv.AddOwner(t, "from-env", "")
	_, flagKey := srv.AddOwner(t, "from-flag", "")
	dead := "http://127.0.0.1:1" // nothing listens on port 1
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantAuth string
		wantOut  string
		wantPath string // checked when set
	}{
		{"the key comes from ARENA_KEY when no flag is given",
			map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": envKey},
			[]string{"owner", "me"}, "Bearer " + envKey, "from-env", ""},
		{"--key before the command overrides ARENA_KEY",
			map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": envKey},
			[]string{"--key", flagKey, "owner", "me"}, "Bearer " + flagKey, "from-flag", ""},
		{"--key after the subcommand overrides ARENA_KEY",
			map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": envKey},
			[]string{"owner", "me", "--key=" + flagKey}, "Bearer " + flagKey, "from-flag", ""},
		{"--server overrides ARENA_SERVER",
			map[string]string{"ARENA_SERVER": dead, "ARENA_KEY": envKey},
			[]string{"--server", srv.URL, "owner", "me"}, "Bearer " + envKey, "from-env", ""},
		{"--json after the subcommand is honoured",
			map[string]string{"ARENA_SERVER": srv.URL, "ARENA_OPERATOR_TOKEN": clienttest.OperatorToken},
			[]string{"cluster", "status", "--json"}, "", `"node_id": "node0"`, "/v1/cluster"},
		{"owner create stays anonymous even when a key is configured",
			map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": envKey},
			[]string{"owner", "create", "--name", "carol"}, "", "carol", ""},
		{"cluster remove sends the operator token rather than the owner key",
			map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": envKey},
			[]string{"cluster", "remove", "--operator-token", clienttest.OperatorToken, "n3"},
			"Bearer " + clienttest.OperatorToken, "", "/v1/cluster/nodes/n3"},
		{"a -- ends the flags so an id may start with a dash",
			map[string]string{"ARENA_SERVER": srv.URL, "ARENA_OPERATOR_TOKEN": clienttest.OperatorToken},
			[]string{"cluster", "remove", "--", "-n9"}, "Bearer " + clienttest.OperatorToken, "", "/v1/cluster/nodes/-n9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, tt.env, tt.args...)
			last := srv.LastRequest()
			if last.Authorization != tt.wantAuth {
				t.Errorf("Authorization = %q, want %q", last.Authorization, tt.wantAuth)
			}
			if tt.wantPath != "" && last.Path != tt.wantPath {
				t.Errorf("path = %q, want %q", last.Path, tt.wantPath)
			}
			if last.UserAgent != "arenactl" {
				t.Errorf("User-Agent = %q, want arenactl", last.UserAgent)
			}
			if tt.wantOut != "" && (r.code != 0 || !strings.Contains(r.stdout, tt.wantOut)) {
				t.Errorf("code %d, stdout %q, stderr %q; want 0 and %q", r.code, r.stdout, r.stderr, tt.wantOut)
			}
		})
	}
}

func TestFailuresExitWithStatus1AndTheServersCode(t *testing.T) {
	srv := clienttest.NewServer(t)
	_, alice := srv.AddOwner(t, "alice", "")
	_, bob := srv.AddOwner(t, "bob", "")
	env := map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": alice}
	bot, err := srv.Client(t, alice).CreateAgent(context.Background(), client.CreateAgentRequest{Name: "bot"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		env        map[string]string
		args       []string
		wantStderr string
	}{
		{"a missing agent reports not_found", env, []string{"agent", "show", "ag_404"},
			"arenactl: not_found: agent ag_404 not found\n"},
		{"a member the cluster does not have reports not_found",
			map[string]string{"ARENA_SERVER": srv.URL, "ARENA_OPERATOR_TOKEN": clienttest.OperatorToken},
			[]string{"cluster", "remove", "n3"}, "arenactl: not_found: node n3 is not a member\n"},
		{"another owner's agent cannot be deleted", map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": bob},
			[]string{"agent", "delete", bot.Agent.ID}, "arenactl: forbidden: agent " + bot.Agent.ID + " belongs to another owner\n"},
		{"a duplicate agent name reports conflict", env, []string{"agent", "create", "--name", "bot"},
			"arenactl: conflict: you already have an agent named \"bot\"\n"},
		{"a rejected key reports unauthorized", map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": "aro_wrong"},
			[]string{"owner", "me"}, "arenactl: unauthorized: unknown or revoked key\n"},
		{"a wrong operator token says what to pass", map[string]string{"ARENA_SERVER": srv.URL, "ARENA_OPERATOR_TOKEN": "arop_wrong"},
			[]string{"cluster", "remove", "n2"}, "arenactl: unauthorized: unknown or revoked key\narenactl: the node does not take this operator token: pass the cluster's with --operator-token or ARENA_OPERATOR_TOKEN\n"},
		{"an owner key is not the operator token", map[string]string{"ARENA_SERVER": srv.URL, "ARENA_OPERATOR_TOKEN": alice},
			[]string{"cluster", "remove", "n2"}, "arenactl: forbidden: this route needs the operator token\n"},
		{"an unreachable server is reported", map[string]string{"ARENA_SERVER": "http://127.0.0.1:1"},
			[]string{"cluster", "status"}, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, tt.env, tt.args...)
			if r.code != 1 {
				t.Errorf("exit code = %d, want 1", r.code)
			}
			if !strings.HasPrefix(r.stderr, "arenactl: ") || !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr = %q, want %q", r.stderr, tt.wantStderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
		})
	}
}
