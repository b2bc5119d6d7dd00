package web_test

import (
	"context"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/web"
)

// lateKeys is a real follower that has not applied one key yet: it does
// not know it until it has waited for the leader's commit index, as a
// follower a few milliseconds behind does.
type lateKeys struct {
	web.Node
	hash     string
	caughtUp *atomic.Bool
}

func (l lateKeys) ResolveKey(hash string) (agents.Principal, bool, error) {
	if hash == l.hash && !l.caughtUp.Load() {
		return agents.Principal{}, false, nil
	}
	return l.Node.ResolveKey(hash)
}

func (l lateKeys) WaitApplied(ctx context.Context, idx uint64) error {
	if err := l.Node.WaitApplied(ctx, idx); err != nil {
		return err
	}
	l.caughtUp.Store(true)
	return nil
}

// An owner that signs up through one node and uses its key at once on
// another got 401 "unknown or revoked key" for the few milliseconds the
// second node took to apply it (an agent connecting to another node
// right after its key was made), and a 401 says not to retry. A follower
// that does not know a key now catches up with the leader and asks again;
// a key nobody made is still refused.
func TestAKeyJustMadeWorksOnAFollowerAtOnce(t *testing.T) {
	e := newEnv(t, 3, envConfig{})
	leader, followers := e.leader()
	_, key := e.createOwner(t, leader, "fresh")
	late := lateKeys{Node: followers[0].node, hash: agents.HashKey(key), caughtUp: new(atomic.Bool)}
	hs := httptest.NewServer(web.New(web.Config{Node: late}).Handler())
	t.Cleanup(hs.Close)
	fol := &testNode{node: followers[0].node, srv: hs}
	for _, tc := range []struct {
		key  string
		want int
	}{
		{key, 200},
		{"aro_nobody_made_this_key", 401},
	} {
		r := e.do(t, fol, req{method: "GET", path: "/v1/owners/me", key: tc.key})
		if r.status != tc.want {
			t.Errorf("GET /v1/owners/me with %s on a follower behind by that key: %d %s, want %d", tc.key[:8], r.status, r.body, tc.want)
		}
	}
}
