package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/web"
)

// startingNode is a real node seen as it is just after it started: no
// leader yet, and the operator token not applied.
type startingNode struct{ web.Node }

func (startingNode) Ready() (bool, string)     { return false, "no leader elected yet" }
func (startingNode) OperatorTokenHash() string { return "" }

func (n startingNode) ResolveKey(h string) (agents.Principal, bool, error) {
	p, ok, err := n.Node.ResolveKey(h)
	if ok && p.Kind == agents.PrincipalOperator {
		return agents.Principal{}, false, nil
	}
	return p, ok, err
}

// A node that cannot yet tell the operator's token from a stranger's must
// say "retry" (503), not "unknown key" (401): a node joining a cluster that
// is still electing its first leader gives up on a 401.
func TestAStartingNodeAsksUnknownKeysToRetry(t *testing.T) {
	c := arenatest.NewCluster(t, 1)
	tests := []struct {
		name string
		node web.Node
		key  string
		want int
	}{
		{"starting, unknown key", startingNode{c.Nodes[0]}, arenatest.OperatorToken, http.StatusServiceUnavailable},
		{"starting, anonymous", startingNode{c.Nodes[0]}, "", http.StatusOK},
		{"ready, unknown key", c.Nodes[0], "aro_notakeyatall", http.StatusUnauthorized},
		{"ready, operator", c.Nodes[0], arenatest.OperatorToken, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(web.New(web.Config{Node: tt.node}).Handler())
			defer srv.Close()
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/arenas", nil)
			if tt.key != "" {
				req.Header.Set("Authorization", "Bearer "+tt.key)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}
