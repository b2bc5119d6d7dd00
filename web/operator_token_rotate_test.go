package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/arena/arenatest"
)

// TestRotatingTheOperatorToken: an operator replaces a leaked token
// through any member; every member then refuses the old one and takes
// the new one, and the answer is the one place the new token is shown.
func TestRotatingTheOperatorToken(t *testing.T) {
	_, nodes := plCluster(t, 3, plOptions{})
	old := arenatest.OperatorToken
	via := nodes[2].url // a follower or the leader: writes are forwarded
	for _, tc := range []struct {
		body any
		code int
		msg  string
	}{
		{map[string]any{}, 400, `{"generate": true}`},
		{map[string]any{"token": "short"}, 400, "at least 32"},
		{map[string]any{"token": strings.Repeat("x", 31) + " y"}, 400, "printable ASCII without spaces"},
		{map[string]any{"token": "aro_" + strings.Repeat("x", 40)}, 400, "another kind of key"},
		{map[string]any{"token": strings.Repeat("x", 40), "generate": true}, 400, "not both"},
	} {
		var e struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if code := plHTTP(t, "POST", via+"/v1/cluster/operator-token", old, tc.body, &e); code != tc.code || !strings.Contains(e.Error.Message, tc.msg) {
			t.Fatalf("%v: %d %q, want %d saying %q", tc.body, code, e.Error.Message, tc.code, tc.msg)
		}
	}
	if code := plHTTP(t, "GET", via+"/v1/ledger/audit", old, nil, nil); code != 200 {
		t.Fatalf("a refused rotation changed the token: audit with it answered %d", code)
	}

	var got struct {
		Token string `json:"operator_token"`
	}
	if code := plHTTP(t, "POST", via+"/v1/cluster/operator-token", old, map[string]any{"generate": true}, &got); code != 200 || !strings.HasPrefix(got.Token, "arop_") {
		t.Fatalf("rotate: %d %+v", code, got)
	}
	// The member that answered has applied the change; the others follow.
	for i, n := range nodes {
		eventually(t, 10*time.Second, func() error {
			if code := plHTTP(t, "GET", n.url+"/v1/ledger/audit", old, nil, nil); code != 401 {
				return fmt.Errorf("node %d: the old token got %d, want 401", i, code)
			}
			if code := plHTTP(t, "GET", n.url+"/v1/ledger/audit", got.Token, nil, nil); code != 200 {
				return fmt.Errorf("node %d: the new token got %d, want 200", i, code)
			}
			return nil
		})
	}
	mine := "my-own-operator-token-from-the-vault-0123456789"
	if code := plHTTP(t, "POST", nodes[0].url+"/v1/cluster/operator-token", got.Token, map[string]any{"token": mine}, &got); code != 200 || got.Token != mine {
		t.Fatalf("rotate to a chosen token: %d %+v", code, got)
	}
	if code := plHTTP(t, "GET", nodes[0].url+"/v1/ledger/audit", mine, nil, nil); code != 200 {
		t.Fatalf("the chosen token got %d", code)
	}
}
