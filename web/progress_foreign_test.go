package web_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/web"
)

// A member whose data dir was emptied and that was started without
// --join bootstraps a one-node cluster of its own at its old address.
// The real cluster's status listed it as a reachable member, with the
// other cluster's applied index read as its lag (seen on loopback, 7
// December 2026: "5,069 entries behind"). Progress answers now carry the
// cluster id: the member reads as unreachable, and the status says why.
func TestAMemberAddressServedByAnotherClusterIsNotItsProgress(t *testing.T) {
	t.Parallel() // mostly waits on elections
	a := newEnv(t, 3, envConfig{})
	b := newEnv(t, 1, envConfig{})
	leader, followers := a.leader()
	eventually(t, 20*time.Second, func() error {
		if leader.node.ClusterID() == "" || b.nodes[0].node.ClusterID() == "" {
			return errors.New("the clusters are not named yet")
		}
		return nil
	})
	stray := followers[0]

	// The stray node's address now answers for cluster b.
	addr := stray.srv.Listener.Addr().String()
	stray.srv.CloseClientConnections()
	stray.srv.Close()
	var ln net.Listener
	eventually(t, 5*time.Second, func() error {
		var err error
		ln, err = net.Listen("tcp", addr)
		return err
	})
	hs := &http.Server{Handler: b.nodes[0].srv.Config.Handler}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Shutdown(context.Background()) })

	url := runServer(t, web.Config{Node: leader.node, ProgressInterval: 200 * time.Millisecond})
	eventually(t, 20*time.Second, func() error {
		var st arena.Status
		getJSON(t, url+"/v1/cluster", &st)
		for _, m := range st.Nodes {
			if m.ID != stray.node.ID() {
				continue
			}
			if m.Reachable == nil || *m.Reachable || !strings.Contains(m.Problem, "another cluster") ||
				!strings.Contains(m.Problem, b.nodes[0].node.ClusterID()) {
				return fmt.Errorf("member %s: reachable %v, problem %q: want unreachable, naming the other cluster", m.ID, m.Reachable, m.Problem)
			}
			return nil
		}
		return fmt.Errorf("%s not listed: %+v", stray.node.ID(), st.Nodes)
	})
}
