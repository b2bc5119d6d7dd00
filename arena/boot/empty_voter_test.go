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
