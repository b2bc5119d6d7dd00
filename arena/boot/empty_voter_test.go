package boot_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/arena/boot"
)

func clusterAnswer(nodes ...map[string]any) answer {
	b, _ := json.Marshal(map[string]any{"node_id": "n1", "state": "Leader", "nodes": nodes})
	return answer{http.StatusOK, string(b)}
}

// TestCheckEmptyVoterWaitsForAnAnswer: a node with an empty data dir asks
// the member --join names whether it is still a voter before its Raft
// starts, and asks again while that member is down or starting: started
// on no answer, a wiped voter granted its vote to a member that lacked
// acknowledged writes, and they were lost.
func TestCheckEmptyVoterWaitsForAnAnswer(t *testing.T) {
	voter := clusterAnswer(map[string]any{"id": "n1", "raft_addr": "127.0.0.1:7001", "suffrage": "Voter"},
		map[string]any{"id": "n3", "raft_addr": "127.0.0.1:7003", "suffrage": "Voter"})
	for _, tc := range []struct {
		name    string
		answers []answer
		node    string
		want    string // "" for no refusal
	}{
		{"a voter under its id and address, after the member was starting", []answer{starting, starting, voter}, "n3", "is a voter of the cluster"},
		{"a new node", []answer{starting, voter}, "n4", ""},
		{"no answer at all", []answer{starting}, "n3", "no answer within"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMember(t, tc.answers...)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, err := boot.CheckEmptyVoter(ctx, boot.JoinConfig{Via: m.URL, NodeID: tc.node, RaftAddr: "127.0.0.1:7003",
				Patience: 500 * time.Millisecond, Backoff: time.Millisecond})
			if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if n := len(m.calls()); n < len(tc.answers) {
				t.Fatalf("asked %d times, want at least %d", n, len(tc.answers))
			}
		})
	}
}

// A second node started with a running voter's id and Raft address (a
// unit file copied with its flags) was told the voter's disk was lost and
// to remove it: advice that takes a healthy member out. When the voter
// answers at its own HTTP address, the refusal now says it runs and that
// this node needs its own id; when it does not, or its address is this
// node's own (a wiped member restarted on its machine), it is the lost
// voter the refusal describes as before.
func TestCheckEmptyVoterTellsARunningVoterFromALostOne(t *testing.T) {
	self := newMember(t, clusterAnswer(map[string]any{"id": "n3", "raft_addr": "127.0.0.1:7003", "suffrage": "Voter"}))
	b, _ := json.Marshal(map[string]any{"node_id": "n3", "state": "Follower"})
	running := newMember(t, answer{http.StatusOK, string(b)}).URL
	down := newMember(t, starting)
	downURL := down.URL
	down.Close()
	for _, tc := range []struct {
		name, voterHTTP, ownHTTP, want, notWant string
	}{
		{"the voter answers at its own address", running, "http://127.0.0.1:8085", "is a running voter", "Remove it first"},
		{"the voter does not answer", downURL, "http://127.0.0.1:8085", "Remove it first", "running voter"},
		{"the voter's address is this node's own", self.URL, self.URL, "Remove it first", "running voter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMember(t, clusterAnswer(map[string]any{"id": "n1", "raft_addr": "127.0.0.1:7001", "suffrage": "Voter"},
				map[string]any{"id": "n3", "raft_addr": "127.0.0.1:7003", "http_addr": tc.voterHTTP, "suffrage": "Voter"}))
			_, err := boot.CheckEmptyVoter(context.Background(), boot.JoinConfig{Via: m.URL, NodeID: "n3", RaftAddr: "127.0.0.1:7003",
				HTTPAddr: tc.ownHTTP, AttemptTimeout: 2 * time.Second, Patience: time.Second, Backoff: time.Millisecond})
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), tc.notWant) {
				t.Fatalf("err = %v, want it to say %q and not %q", err, tc.want, tc.notWant)
			}
		})
	}
}

// A removed member restarted on its old data dir with --join was told
// the dir might be another cluster's and to start it without --join to
// run "the cluster the dir belongs to" (the very cluster that removed
// it). When the dir's cluster id is the member's, it now says the node
// was removed and to empty the dir; another cluster's id keeps its own
// refusal.
func TestCheckHeldStateNamesARemovedMember(t *testing.T) {
	b, _ := json.Marshal(map[string]any{"node_id": "n1", "cluster_id": "c1",
		"nodes": []map[string]any{{"id": "n1", "suffrage": "Voter"}, {"id": "n2", "suffrage": "Voter"}}})
	m := newMember(t, answer{http.StatusOK, string(b)})
	for _, tc := range []struct {
		name, dirCluster, want, notWant string
	}{
		{"the dir is of this cluster", "c1", "it was removed", "another cluster"},
		{"the dir is of another cluster", "c9", "holds the state of cluster c9", "it was removed"},
		{"the dir has no cluster id", "", "does not list node n3", "it was removed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := boot.CheckHeldState(context.Background(), boot.JoinConfig{Via: m.URL, NodeID: "n3"}, "data/n3", 4617, tc.dirCluster)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), tc.notWant) {
				t.Fatalf("err = %v, want it to say %q and not %q", err, tc.want, tc.notWant)
			}
		})
	}
}

// A new node whose --join names a member removed while it still runs got
// "node n4 was removed ...: send requests to another member" to each join
// for a whole minute of retries, then gave up; it is now refused at
// once, with the members that node last knew to pick another --join from.
func TestCheckEmptyVoterRefusesARemovedMemberAsJoinTarget(t *testing.T) {
	others := []map[string]any{
		{"id": "n1", "http_addr": "http://127.0.0.1:8081", "suffrage": "Voter"},
		{"id": "n2", "http_addr": "http://127.0.0.1:8082", "suffrage": "Voter"}}
	leader := map[string]any{"id": "n1", "http_addr": "http://127.0.0.1:8081"}
	for _, tc := range []struct {
		name    string
		status  map[string]any
		removed bool
	}{
		{"a removed follower (no leader, not listed)", map[string]any{"node_id": "n4", "state": "Follower", "nodes": others}, true},
		{"a leader that removed itself (raft stopped)", map[string]any{"node_id": "n4", "state": "Shutdown", "leader": leader, "nodes": others}, true},
		{"a member that is stopping", map[string]any{"node_id": "n1", "state": "Shutdown", "nodes": others}, false},
		{"a joiner catching up from the log", map[string]any{"node_id": "n4", "state": "Follower", "leader": leader, "nodes": others}, false},
		{"a member between leaders", map[string]any{"node_id": "n2", "state": "Candidate", "nodes": others}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.status["cluster_id"] = "c1"
			b, _ := json.Marshal(tc.status)
			m := newMember(t, answer{http.StatusOK, string(b)})
			id, err := boot.CheckEmptyVoter(context.Background(), boot.JoinConfig{Via: m.URL, NodeID: "n5", RaftAddr: "127.0.0.1:7005",
				Patience: time.Hour, Backoff: time.Millisecond})
			want := "the node there, n4, was removed from the cluster and takes no joins: --join another member (the members it last knew: http://127.0.0.1:8081, http://127.0.0.1:8082)"
			if tc.removed && (err == nil || !strings.Contains(err.Error(), want)) {
				t.Fatalf("err = %v, want %q", err, want)
			}
			if !tc.removed && (err != nil || id != "c1") {
				t.Fatalf("id %q, err %v; want its answer taken", id, err)
			}
		})
	}
}
