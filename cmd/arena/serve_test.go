package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/agentarena/arena/internal/syncbuf"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const testToken = "arop_integrationtesttoken0000000000000"

type proc struct {
	m    *Main
	dir  string
	logs *syncbuf.Buffer
}

// startNode runs a node as `arena serve` would, on loopback ports.
func startNode(t *testing.T, id, dir, httpAddr, raftAddr, join string, extra ...string) *proc {
	t.Helper()
	logs := &syncbuf.Buffer{}
	m := NewMain()
	m.Stdout, m.LogOutput, m.FastTimeouts = io.Discard, logs, true
	args := []string{"--node-id", id, "--data-dir", dir, "--http-addr", httpAddr, "--raft-addr", raftAddr,
		"--operator-token", testToken, "--log-level", "debug"}
	if join != "" {
		args = append(args, "--join", join)
	}
	args = append(args, extra...)
	if err := m.ParseFlags(args, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := m.Run(ctx); err != nil {
		m.Close()
		t.Fatalf("start %s: %v\n%s", id, err, logs)
	}
	return &proc{m: m, dir: dir, logs: logs}
}

type apiClient struct{ t *testing.T }

func (c apiClient) do(method, url, key string, body any, out any) int {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			c.t.Fatalf("%s %s: decode %q: %v", method, url, data, err)
		}
	}
	return resp.StatusCode
}

type clusterView struct {
	ClusterID    string `json:"cluster_id"`
	NodeID       string `json:"node_id"`
	State        string `json:"state"`
	AppliedIndex uint64 `json:"applied_index"`
	StateHash    string `json:"state_hash"`
	Leader       *struct {
		ID string `json:"id"`
	} `json:"leader"`
	Nodes []struct {
		ID       string  `json:"id"`
		RaftAddr string  `json:"raft_addr"`
		Suffrage string  `json:"suffrage"`
		Lag      *uint64 `json:"lag"`
	} `json:"nodes"`
}

func eventually(t *testing.T, timeout time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %v", timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestThreeNodeClusterOverTCP runs three nodes with real TCP Raft
// transports and HTTP servers on loopback, as three `arena serve` would.
// startTrio starts a three-node cluster of real processes, n2 and n3
// joining through n1, each with the extra flags; every process in the
// returned map (also those a test adds or replaces) stops when the test
// ends.
func startTrio(t *testing.T, root string, extra ...string) map[string]*proc {
	t.Helper()
	procs := map[string]*proc{}
	t.Cleanup(func() {
		for _, p := range procs {
			p.m.Close()
		}
	})
	procs["n1"] = startNode(t, "n1", filepath.Join(root, "n1"), "127.0.0.1:0", "127.0.0.1:0", "", extra...)
	for _, id := range []string{"n2", "n3"} {
		procs[id] = startNode(t, id, filepath.Join(root, id), "127.0.0.1:0", "127.0.0.1:0", procs["n1"].m.URL, extra...)
	}
	return procs
}

func TestThreeNodeClusterOverTCP(t *testing.T) {
	api := apiClient{t}
	root := t.TempDir()
	procs := map[string]*proc{}
	procs["n1"] = startNode(t, "n1", filepath.Join(root, "n1"), "127.0.0.1:0", "127.0.0.1:0", "")
	procs["n2"] = startNode(t, "n2", filepath.Join(root, "n2"), "127.0.0.1:0", "127.0.0.1:0", procs["n1"].m.URL)
	procs["n3"] = startNode(t, "n3", filepath.Join(root, "n3"), "127.0.0.1:0", "127.0.0.1:0", procs["n2"].m.URL)
	defer func() {
		for _, p := range procs {
			p.m.Close()
		}
	}()
	running := func() []*proc {
		var out []*proc
		for _, id := range []string{"n1", "n2", "n3"} {
			if p := procs[id]; p != nil {
				out = append(out, p)
			}
		}
		return out
	}
	converged := func() string {
		var hash string
		eventually(t, 15*time.Second, func() error {
			hash = ""
			var idx uint64
			for _, p := range running() {
				var v clusterView
				// With the operator token the hash is taken now, at
				// applied_index (anonymous callers may get an older one).
				if code := api.do("GET", p.m.URL+"/v1/cluster", testToken, nil, &v); code != 200 {
					return fmt.Errorf("%s: status %d", p.m.NodeID, code)
				}
				if hash == "" {
					hash, idx = v.StateHash, v.AppliedIndex
				} else if v.StateHash != hash || v.AppliedIndex != idx {
					return fmt.Errorf("%s at %d/%.12s, first at %d/%.12s", v.NodeID, v.AppliedIndex, v.StateHash, idx, hash)
				}
			}
			return nil
		})
		return hash
	}

	var owners []string
	createThroughEach := func(t *testing.T, tag string) { // t: the calling subtest's
		t.Helper()
		for _, p := range running() {
			var out struct {
				Owner struct{ ID string } `json:"owner"`
			}
			// 421 (no leader known, or a leader change seen while
			// forwarding: the write was not taken) and 503 are retryable,
			// as the API client treats them: a starved machine may hold an
			// election at any time (seen under two busy loops and another
			// make test).
			eventually(t, 30*time.Second, func() error {
				code := api.do("POST", p.m.URL+"/v1/owners", "", map[string]string{"name": tag + "-" + p.m.NodeID}, &out)
				switch code {
				case 201:
					return nil
				case 421, 503:
					return fmt.Errorf("create owner through %s: status %d", p.m.NodeID, code)
				}
				t.Fatalf("create owner through %s: status %d", p.m.NodeID, code)
				return nil
			})
			owners = append(owners, out.Owner.ID)
		}
	}

	t.Run("joined nodes received the cluster's secrets key", func(t *testing.T) {
		want, err := os.ReadFile(filepath.Join(procs["n1"].dir, "secrets-key"))
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"n2", "n3"} {
			got, err := os.ReadFile(filepath.Join(procs[id].dir, "secrets-key"))
			if err != nil || string(got) != string(want) {
				t.Errorf("%s secrets key %q, %v", id, got, err)
			}
			if st, _ := os.Stat(filepath.Join(procs[id].dir, "secrets-key")); st != nil && st.Mode().Perm() != 0o600 {
				t.Errorf("%s secrets key mode %v", id, st.Mode().Perm())
			}
		}
	})

	t.Run("joined nodes start as non-voters and are promoted once caught up", func(t *testing.T) {
		eventually(t, 20*time.Second, func() error {
			var v clusterView
			api.do("GET", procs["n1"].m.URL+"/v1/cluster", "", nil, &v)
			if len(v.Nodes) != 3 {
				return fmt.Errorf("%d members", len(v.Nodes))
			}
			for _, n := range v.Nodes {
				if n.Suffrage != "Voter" {
					return fmt.Errorf("%s is a %s", n.ID, n.Suffrage)
				}
				if n.Lag == nil {
					return fmt.Errorf("%s has no lag yet", n.ID)
				}
			}
			return nil
		})
		var all string
		for _, p := range procs {
			all += p.logs.String()
		}
		for _, want := range []string{"added non-voter", "promoted caught-up non-voter"} {
			if !strings.Contains(all, want) {
				t.Errorf("no node logged %q", want)
			}
		}
	})

	t.Run("writes through any node are applied on all with equal state hashes", func(t *testing.T) {
		createThroughEach(t, "first")
		converged()
		for _, p := range running() {
			for _, id := range owners {
				// 421 is a linearizable read refused while leadership moves
				// (150 ms Raft timeouts on a loaded machine): ask again.
				eventually(t, 10*time.Second, func() error {
					if code := api.do("GET", p.m.URL+"/v1/owners/"+id+"?consistency=linearizable", testToken, nil, nil); code != 200 {
						return fmt.Errorf("owner %s on %s: status %d", id, p.m.NodeID, code)
					}
					return nil
				})
			}
		}
	})

	var stopped *proc
	t.Run("stopping the leader elects a new one and writes continue", func(t *testing.T) {
		var leaderID string
		eventually(t, 10*time.Second, func() error {
			var v clusterView
			api.do("GET", procs["n1"].m.URL+"/v1/cluster", "", nil, &v)
			if v.Leader == nil {
				return fmt.Errorf("n1 knows no leader")
			}
			leaderID = v.Leader.ID
			return nil
		})
		stopped = procs[leaderID]
		if err := stopped.m.Close(); err != nil {
			t.Fatal(err)
		}
		procs[leaderID] = nil
		eventually(t, 10*time.Second, func() error {
			for _, p := range running() {
				var v clusterView
				api.do("GET", p.m.URL+"/v1/cluster", "", nil, &v)
				if v.Leader == nil || v.Leader.ID == leaderID {
					return fmt.Errorf("%s sees no new leader", p.m.NodeID)
				}
			}
			return nil
		})
		eventually(t, 10*time.Second, func() error {
			for _, p := range running() {
				if code := api.do("GET", p.m.URL+"/readyz", "", nil, nil); code != 200 {
					return fmt.Errorf("%s not ready", p.m.NodeID)
				}
			}
			return nil
		})
		createThroughEach(t, "second")
		converged()
	})

	t.Run("a restarted node catches up", func(t *testing.T) {
		raftAddr := stopped.m.Node.RaftAddr()
		httpAddr := strings.TrimPrefix(stopped.m.URL, "http://")
		p := startNode(t, stopped.m.NodeID, stopped.dir, httpAddr, raftAddr, "")
		procs[p.m.NodeID] = p
		hash := converged()
		for _, id := range owners {
			if code := api.do("GET", p.m.URL+"/v1/owners/"+id, testToken, nil, nil); code != 200 {
				t.Errorf("owner %s missing on restarted node (status %d)", id, code)
			}
		}
		if hash == "" {
			t.Fatal("no state hash")
		}
	})

	t.Run("an operator removes a member through any node", func(t *testing.T) {
		// The restart above may have moved the leadership: n2 forwards
		// once it knows the new leader's HTTP address (421 until then).
		eventually(t, 20*time.Second, func() error {
			if code := api.do("GET", procs["n2"].m.URL+"/readyz", "", nil, nil); code != 200 {
				return fmt.Errorf("n2 /readyz: %d", code)
			}
			return nil
		})
		if code := api.do("DELETE", procs["n2"].m.URL+"/v1/cluster/nodes/n3", "", nil, nil); code != 401 {
			t.Errorf("anonymous remove: status %d, want 401", code)
		}
		if code := api.do("DELETE", procs["n2"].m.URL+"/v1/cluster/nodes/n3", testToken, nil, nil); code != 204 {
			t.Fatalf("remove n3: status %d", code)
		}
		var v clusterView
		api.do("GET", procs["n1"].m.URL+"/v1/cluster?consistency=linearizable", "", nil, &v)
		for _, n := range v.Nodes {
			if n.ID == "n3" {
				t.Error("n3 still listed after removal")
			}
		}
	})

	t.Run("no key appears in any node's logs", func(t *testing.T) {
		for _, p := range procs {
			if p != nil && strings.Contains(p.logs.String(), testToken) {
				t.Errorf("%s logged the operator token", p.m.NodeID)
			}
		}
	})
}

func TestParseFlagsFallsBackToEnvironment(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want func(m *Main) string
		val  string
	}{
		{"http address defaults to :8080", nil, nil, func(m *Main) string { return m.HTTPAddr }, ":8080"},
		{"ARENA_HTTP_ADDR sets the http address", nil, map[string]string{"ARENA_HTTP_ADDR": "127.0.0.1:9"}, func(m *Main) string { return m.HTTPAddr }, "127.0.0.1:9"},
		{"a flag beats the environment", []string{"--data-dir", "/f"}, map[string]string{"ARENA_DATA_DIR": "/e"}, func(m *Main) string { return m.DataDir }, "/f"},
		{"ARENA_JOIN sets the join url", nil, map[string]string{"ARENA_JOIN": "http://x"}, func(m *Main) string { return m.Join }, "http://x"},
		{"ARENA_NODE_ID sets the node id", nil, map[string]string{"ARENA_NODE_ID": "n7"}, func(m *Main) string { return m.NodeID }, "n7"},
		{"ARENA_RAFT_ADDR sets the raft address", nil, map[string]string{"ARENA_RAFT_ADDR": "127.0.0.1:1"}, func(m *Main) string { return m.RaftAddr }, "127.0.0.1:1"},
		{"shutdown timeout defaults to 10s", nil, nil, func(m *Main) string { return m.ShutdownTimeout.String() }, "10s"},
		{"ARENA_SHUTDOWN_TIMEOUT sets it", nil, map[string]string{"ARENA_SHUTDOWN_TIMEOUT": "30s"}, func(m *Main) string { return m.ShutdownTimeout.String() }, "30s"},
		{"forward timeout defaults to 10s", nil, nil, func(m *Main) string { return m.ForwardTimeout.String() }, "10s"},
		{"--forward-timeout sets it", []string{"--forward-timeout", "3s"}, nil, func(m *Main) string { return m.ForwardTimeout.String() }, "3s"},
		{"ready max lag defaults to 1000", nil, nil, func(m *Main) string { return fmt.Sprint(m.ReadyMaxLag) }, "1000"},
		{"ARENA_READY_MAX_LAG sets it", nil, map[string]string{"ARENA_READY_MAX_LAG": "50"}, func(m *Main) string { return fmt.Sprint(m.ReadyMaxLag) }, "50"},
		{"--read-replica", []string{"--read-replica"}, nil, func(m *Main) string { return fmt.Sprint(m.ReadReplica) }, "true"},
		{"ARENA_READ_REPLICA=true", nil, map[string]string{"ARENA_READ_REPLICA": "true"}, func(m *Main) string { return fmt.Sprint(m.ReadReplica) }, "true"},
		{"raft timeout defaults to 750ms", nil, nil, func(m *Main) string { return m.Raft.Timeout.String() }, "750ms"},
		{"--raft-timeout", []string{"--raft-timeout", "500ms"}, nil, func(m *Main) string { return m.Raft.Timeout.String() }, "500ms"},
		{"raft log defaults to wal", nil, nil, func(m *Main) string { return m.Raft.Log }, "wal"},
		{"--raft-log bolt", []string{"--raft-log", "bolt"}, nil, func(m *Main) string { return m.Raft.Log }, "bolt"},
		{"ARENA_RAFT_LOG=bolt", nil, map[string]string{"ARENA_RAFT_LOG": "bolt"}, func(m *Main) string { return m.Raft.Log }, "bolt"},
		{"agent egress defaults to public", nil, nil, func(m *Main) string { return m.AgentEgress.String() }, "public"},
		{"--agent-egress any", []string{"--agent-egress", "any"}, nil, func(m *Main) string { return m.AgentEgress.String() }, "any"},
		{"ARENA_AGENT_EGRESS=any", nil, map[string]string{"ARENA_AGENT_EGRESS": "any"}, func(m *Main) string { return m.AgentEgress.String() }, "any"},
		{"--agent-egress beats ARENA_AGENT_EGRESS", []string{"--agent-egress=public"}, map[string]string{"ARENA_AGENT_EGRESS": "any"}, func(m *Main) string { return m.AgentEgress.String() }, "public"},
		{"judge timeout defaults to 1m", nil, nil, func(m *Main) string { return m.Judging.Timeout.String() }, "1m0s"},
		{"--judge-timeout", []string{"--judge-timeout", "90s"}, nil, func(m *Main) string { return m.Judging.Timeout.String() }, "1m30s"},
		{"ARENA_JUDGE_TIMEOUT", nil, map[string]string{"ARENA_JUDGE_TIMEOUT": "2m"}, func(m *Main) string { return m.Judging.Timeout.String() }, "2m0s"},
		{"judging is given up after 15m by default", nil, nil, func(m *Main) string { return m.Judging.GiveUpAfter.String() }, "15m0s"},
		{"ARENA_JUDGE_GIVE_UP_AFTER", nil, map[string]string{"ARENA_JUDGE_GIVE_UP_AFTER": "1h"}, func(m *Main) string { return m.Judging.GiveUpAfter.String() }, "1h0m0s"},
		{"--judge-give-up-after 0 is never", []string{"--judge-give-up-after", "0"}, nil, func(m *Main) string { return fmt.Sprint(m.Judging.GiveUpAfter < 0) }, "true"},
		{"after a permanent error, 2m by default", nil, nil, func(m *Main) string { return m.Judging.GiveUpPermanentAfter.String() }, "2m0s"},
		{"--judge-give-up-permanent-after", []string{"--judge-give-up-permanent-after", "30s"}, nil, func(m *Main) string { return m.Judging.GiveUpPermanentAfter.String() }, "30s"},
		{"the house floor defaults to the default starting grant", nil, nil, func(m *Main) string { return fmt.Sprint(m.HouseFloor) }, "100000"},
		{"--house-floor 0 never tops up", []string{"--house-floor", "0"}, nil, func(m *Main) string { return fmt.Sprint(m.HouseFloor) }, "0"},
		{"ARENA_HOUSE_FLOOR", nil, map[string]string{"ARENA_HOUSE_FLOOR": "5000"}, func(m *Main) string { return fmt.Sprint(m.HouseFloor) }, "5000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMain()
			if err := m.ParseFlags(tt.args, func(k string) string { return tt.env[k] }); err != nil {
				t.Fatal(err)
			}
			if got := tt.want(m); got != tt.val {
				t.Errorf("got %q, want %q", got, tt.val)
			}
		})
	}
	for _, bad := range [][]string{
		{"--max-body-bytes", "-1"}, {"--shutdown-timeout", "0s"}, {"--shutdown-timeout", "soon"},
		{"--forward-timeout", "-1s"}, {"--ready-max-lag", "0"}, {"--ready-max-lag", "x"}, {"--raft-timeout", "10ms"},
		{"--raft-log", "sqlite"}, {"--raft-log", ""}, {"--agent-egress", "private"}, {"--agent-egress", ""},
		{"--judge-timeout", "0s"}, {"--judge-timeout", "70"}, {"--judge-give-up-after", "-1m"}, {"--judge-give-up-permanent-after", "0"},
		{"--house-floor", "-1"}, {"--house-floor", "100x"}, {"--house-floor", "1e5"},
	} {
		t.Run("refused: "+strings.Join(bad, " "), func(t *testing.T) {
			if err := NewMain().ParseFlags(bad, func(string) string { return "" }); err == nil {
				t.Errorf("accepted %v", bad)
			}
		})
	}
}

func TestFirstStartGeneratesAPrivateOperatorToken(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	m := NewMain()
	m.Stdout, m.LogOutput, m.FastTimeouts = &out, io.Discard, true
	if err := m.ParseFlags([]string{"--data-dir", dir, "--http-addr", "127.0.0.1:0", "--raft-addr", "127.0.0.1:0"}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	st, err := os.Stat(filepath.Join(dir, "operator-token"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("operator token file mode %v, want 0600", st.Mode().Perm())
	}
	tok, _ := os.ReadFile(filepath.Join(dir, "operator-token"))
	if !strings.Contains(out.String(), strings.TrimSpace(string(tok))) {
		t.Error("the generated token was not printed")
	}
	eventually(t, 10*time.Second, func() error {
		resp, err := http.Get(m.URL + "/healthz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("healthz %d", resp.StatusCode)
		}
		return nil
	})
	api := apiClient{t}
	eventually(t, 10*time.Second, func() error {
		if code := api.do("GET", m.URL+"/v1/owners/nobody", strings.TrimSpace(string(tok)), nil, nil); code != 404 {
			return fmt.Errorf("operator read: status %d, want 404", code)
		}
		return nil
	})
}
