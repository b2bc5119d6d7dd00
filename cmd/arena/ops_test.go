package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/internal/loopport"
	"github.com/agentarena/arena/internal/syncbuf"
)

func noEnv(string) string { return "" }

// TestBackupAndRestoreCommand downloads a backup from a running node,
// restores it with `arena restore` into a new data dir and serves it: the
// owner created before the backup is there, under the same key.
func TestBackupAndRestoreCommand(t *testing.T) {
	p := startNode(t, "n1", t.TempDir(), "127.0.0.1:0", "127.0.0.1:0", "")
	api := apiClient{t}
	waitReady := func(url string) {
		eventually(t, 30*time.Second, func() error {
			if st := api.do("GET", url+"/readyz", "", nil, nil); st != 200 {
				return fmt.Errorf("%s/readyz: %d", url, st)
			}
			return nil
		})
	}
	waitReady(p.m.URL)
	var created struct {
		Owner struct {
			ID string `json:"id"`
		} `json:"owner"`
		APIKey string `json:"api_key"`
	}
	if st := api.do("POST", p.m.URL+"/v1/owners", "", map[string]string{"name": "kept"}, &created); st != 201 {
		t.Fatalf("create owner: %d", st)
	}
	req, _ := http.NewRequest("GET", p.m.URL+"/v1/cluster/snapshot?consistency=linearizable", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "backup.db")
	f, _ := os.Create(backup)
	_, err = io.Copy(f, resp.Body)
	resp.Body.Close()
	f.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("download backup: %d %v", resp.StatusCode, err)
	}
	if err := p.m.Close(); err != nil {
		t.Fatal(err)
	}

	// The restored member is told its Raft address before it starts.
	port, err := loopport.NewPicker().Pick()
	if err != nil {
		t.Fatal(err)
	}
	raftAddr := "127.0.0.1:" + strconv.Itoa(port)
	dir := filepath.Join(t.TempDir(), "r1")
	args := []string{"--from", backup, "--data-dir", dir, "--node-id", "r1", "--raft-addr", raftAddr}
	if err := runRestore(args, nil, io.Discard, noEnv); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if err := runRestore(args, nil, io.Discard, noEnv); err == nil {
		t.Fatal("a second restore into the same data dir succeeded")
	}
	if err := runRestore([]string{"--data-dir", t.TempDir()}, nil, io.Discard, noEnv); err == nil {
		t.Fatal("restore without --from succeeded")
	}
	// The address restore stores is the one serve must advertise, so
	// restore refuses what serve would refuse, before writing anything:
	// a data dir stored at 0.0.0.0:P could never be served.
	for _, bad := range [][]string{
		{"--raft-addr", "0.0.0.0:" + strconv.Itoa(port)},
		{"--raft-addr", ":" + strconv.Itoa(port)},
		{"--raft-addr", "127.0.0.1:0"},
		{"--raft-addr", "0.0.0.0:" + strconv.Itoa(port), "--raft-advertise", "0.0.0.0:" + strconv.Itoa(port)},
		{"--raft-addr", "127.0.0.1"},
	} {
		badDir := filepath.Join(t.TempDir(), "bad")
		err := runRestore(append([]string{"--from", backup, "--data-dir", badDir, "--node-id", "r1"}, bad...), nil, io.Discard, noEnv)
		if err == nil || !strings.Contains(err.Error(), "--raft-") {
			t.Errorf("restore %v: %v, want the Raft address refused by flag", bad, err)
		}
		if _, err := os.Stat(badDir); !os.IsNotExist(err) {
			t.Errorf("restore %v left %s behind (%v)", bad, badDir, err)
		}
	}
	var hint strings.Builder
	advDir := filepath.Join(t.TempDir(), "adv")
	if err := runRestore([]string{"--from", backup, "--data-dir", advDir, "--node-id", "r1", "--raft-addr", "0.0.0.0:" + strconv.Itoa(port),
		"--raft-advertise", raftAddr}, nil, &hint, noEnv); err != nil {
		t.Fatalf("restore with --raft-advertise: %v", err)
	}
	if !strings.Contains(hint.String(), "--raft-advertise "+raftAddr) {
		t.Errorf("restore's serve hint leaves out --raft-advertise:\n%s", hint.String())
	}

	// Served without the cluster's secrets key, the restored state's
	// sealed API keys could not be opened: the node refuses to start
	// rather than make up a key (it used to generate and keep one).
	b, err := os.ReadFile(filepath.Join(p.dir, "secrets-key"))
	if err != nil {
		t.Fatal(err)
	}
	secretsKey := strings.TrimSpace(string(b))
	keyless := NewMain()
	keyless.Stdout, keyless.LogOutput, keyless.FastTimeouts = io.Discard, io.Discard, true
	if err := keyless.ParseFlags([]string{"--node-id", "r1", "--data-dir", dir, "--http-addr", "127.0.0.1:0",
		"--raft-addr", raftAddr, "--operator-token", testToken}, noEnv); err != nil {
		t.Fatal(err)
	}
	err = keyless.Run(context.Background())
	keyless.Close()
	if err == nil || !strings.Contains(err.Error(), "no secrets key") {
		t.Fatalf("serving the restored dir without the secrets key: %v, want a refusal", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "secrets-key")); !os.IsNotExist(err) {
		t.Fatalf("the refused start left a secrets-key file in the restored dir (%v)", err)
	}

	// Served on another Raft address than the one restored, the node
	// would lead a configuration naming an address nobody listens on.
	other := NewMain()
	other.Stdout, other.LogOutput, other.FastTimeouts = io.Discard, io.Discard, true
	if err := other.ParseFlags([]string{"--node-id", "r1", "--data-dir", dir, "--http-addr", "127.0.0.1:0",
		"--raft-addr", "127.0.0.1:0", "--operator-token", testToken, "--secrets-key", secretsKey}, noEnv); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	err = other.Run(ctx)
	cancel()
	other.Close()
	if err == nil || !strings.Contains(err.Error(), raftAddr) {
		t.Fatalf("serving the restored dir on another Raft address: %v, want an error naming %s", err, raftAddr)
	}

	q := startNode(t, "r1", dir, "127.0.0.1:0", raftAddr, "", "--secrets-key", secretsKey)
	defer q.m.Close()
	eventually(t, 20*time.Second, func() error {
		var me struct {
			Owner struct {
				ID string `json:"id"`
			} `json:"owner"`
		}
		if st := api.do("GET", q.m.URL+"/v1/owners/me", created.APIKey, nil, &me); st != 200 || me.Owner.ID != created.Owner.ID {
			return fmt.Errorf("restored node: owner %q (status %d), want %q", me.Owner.ID, st, created.Owner.ID)
		}
		return nil
	})
}

// TestDevCluster starts `arena dev-cluster 3` on free ports, checks that
// its nodes form one cluster, and stops it as Ctrl-C would.
func TestDevCluster(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, logs := &syncbuf.Buffer{}, &syncbuf.Buffer{}
	done := make(chan error, 1)
	go func() {
		done <- runDevCluster(ctx, []string{"--data-dir", t.TempDir(), "--http-port", "0", "--raft-port", "0", "--no-bots", "3"},
			out, logs, noEnv)
	}()
	eventually(t, 90*time.Second, func() error {
		select {
		case err := <-done:
			t.Fatalf("dev-cluster stopped early: %v\n%s\n%s", err, out, logs)
		default:
		}
		if !strings.Contains(out.String(), "3-node cluster up") {
			return fmt.Errorf("not up yet: %q", out.String())
		}
		return nil
	})
	var urls []string
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 2 && strings.HasPrefix(f[1], "http://") {
			urls = append(urls, strings.TrimSuffix(f[1], "/"))
		}
	}
	if len(urls) != 3 {
		t.Fatalf("printed %d node URLs, want 3:\n%s", len(urls), out)
	}
	api := apiClient{t}
	eventually(t, 30*time.Second, func() error {
		var v clusterView
		if st := api.do("GET", urls[2]+"/v1/cluster", "", nil, &v); st != 200 || len(v.Nodes) != 3 || v.Leader == nil {
			return fmt.Errorf("n3 sees %d members, leader %v (status %d)", len(v.Nodes), v.Leader, st)
		}
		return nil
	})
	// Its nodes listen on loopback only, and call agents there too
	// (--agent-egress=any): a webhook agent on this machine is accepted.
	var owner struct {
		APIKey string `json:"api_key"`
	}
	if st := api.do("POST", urls[0]+"/v1/owners", "", map[string]string{"name": "dev"}, &owner); st != 201 {
		t.Fatalf("create owner: %d", st)
	}
	if st := api.do("POST", urls[0]+"/v1/agents", owner.APIKey, map[string]string{"name": "hook", "kind": "webhook", "webhook_url": "http://127.0.0.1:9000/turn"}, nil); st != 201 {
		t.Errorf("a webhook agent on loopback: status %d, want 201", st)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("dev-cluster: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("dev-cluster did not stop")
	}
}

// With ARENA_OPERATOR_TOKEN, dev-cluster writes no token file, so its
// banner must not send the operator to one: it named
// data/dev/operator-token, which did not exist.
func TestDevClusterBannerNamesWhereTheTokenIs(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	out, logs := &syncbuf.Buffer{}, &syncbuf.Buffer{}
	done := make(chan error, 1)
	go func() {
		done <- runDevCluster(ctx, []string{"--data-dir", dir, "--http-port", "0", "--raft-port", "0", "--no-bots", "1"},
			out, logs, func(k string) string {
				if k == "ARENA_OPERATOR_TOKEN" {
					return testToken
				}
				return ""
			})
	}()
	eventually(t, 60*time.Second, func() error {
		select {
		case err := <-done:
			t.Fatalf("dev-cluster stopped early: %v\n%s\n%s", err, out, logs)
		default:
		}
		if !strings.Contains(out.String(), "cluster up") {
			return fmt.Errorf("not up yet: %q", out.String())
		}
		return nil
	})
	cancel()
	<-done
	file := filepath.Join(dir, "operator-token")
	if _, err := os.Stat(file); err == nil {
		t.Fatalf("dev-cluster wrote %s although the token came from ARENA_OPERATOR_TOKEN", file)
	}
	if strings.Contains(out.String(), file) || !strings.Contains(out.String(), "Operator token in ARENA_OPERATOR_TOKEN") {
		t.Errorf("the banner does not say the token is ARENA_OPERATOR_TOKEN:\n%s", out)
	}
}

// `arena restore` onto the data dir of a running node said only that the
// dir "already belongs to a node", as for any dir; it now says the node
// runs (with its pid) and that a restore builds a new dir, and it holds
// the dir's lock while it writes, as serve does. A stopped node's dir is
// named with its node, and a failed restore into a new dir leaves no
// LOCK file behind.
func TestRestoreRefusesARunningNodesDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "n1")
	p := startNode(t, "n1", dir, "127.0.0.1:0", "127.0.0.1:0", "", "--no-bots")
	junk := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(junk, []byte("not a state file"), 0o600); err != nil {
		t.Fatal(err)
	}
	restore := func(dir string) error {
		return runRestore([]string{"--from", junk, "--data-dir", dir, "--node-id", "r1", "--raft-addr", "127.0.0.1:7011"}, nil, io.Discard, noEnv)
	}
	err := restore(dir)
	if want := fmt.Sprintf("is the data dir of a running node (pid %d): arena restore builds a new data dir", os.Getpid()); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("restore onto a running node's dir: %v, want %q", err, want)
	}
	if err := p.m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := restore(dir); err == nil || !strings.Contains(err.Error(), "already belongs to node n1") || !strings.Contains(err.Error(), "give it a new, empty --data-dir") {
		t.Fatalf("restore onto a stopped node's dir: %v", err)
	}
	fresh := filepath.Join(t.TempDir(), "r1")
	if err := restore(fresh); err == nil {
		t.Fatal("a junk backup was restored")
	}
	if left, _ := os.ReadDir(fresh); len(left) != 0 {
		t.Errorf("a failed restore left %v in the new dir", left)
	}
}
