package web_test

import (
	"testing"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
)

// A join sent by hand with an address the other members cannot use is
// refused and adds no member: 0.0.0.0:P as the Raft address (the leader
// would dial its own machine), port 0, or an HTTP address that is not an
// http(s) base URL (followers forward writes to it once the member
// leads). They were accepted, and the member added as a non-voter.
func TestJoinWithAnUnusableAddressIsRefused(t *testing.T) {
	e := newEnv(t, 1, envConfig{})
	n := e.nodes[0]
	op := arenatest.OperatorToken
	for _, body := range []map[string]string{
		{"node_id": "x1", "raft_addr": "0.0.0.0:7000", "http_addr": "http://127.0.0.1:9"},
		{"node_id": "x2", "raft_addr": ":7000", "http_addr": "http://127.0.0.1:9"},
		{"node_id": "x3", "raft_addr": "127.0.0.1:0", "http_addr": "http://127.0.0.1:9"},
		{"node_id": "x4", "raft_addr": "127.0.0.1:7999", "http_addr": "ftp://127.0.0.1:9"},
		{"node_id": "x5", "raft_addr": "127.0.0.1:7999", "http_addr": "127.0.0.1:9"},
		{"node_id": "x6", "raft_addr": "127.0.0.1:7999", "http_addr": "http://0.0.0.0:8080"},
	} {
		e.do(t, n, req{method: "POST", path: "/v1/cluster/join", key: op, body: mustJSON(t, body)}).
			wantError(t, 400, "invalid")
	}
	var st arena.Status
	e.do(t, n, req{method: "GET", path: "/v1/cluster"}).want(t, 200).decode(t, &st)
	if len(st.Nodes) != 1 {
		t.Errorf("members after the refused joins: %+v, want only %s", st.Nodes, n.node.ID())
	}
}
