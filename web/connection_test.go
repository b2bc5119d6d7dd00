package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

type connBody struct {
	State  string     `json:"state"`
	NodeID string     `json:"node_id"`
	Since  *time.Time `json:"since"`
	Reason string     `json:"reason"`
}

// An owner could not see whether its websocket agent was connected: GET
// /v1/agents/{id} said nothing of it. It now carries connection (state,
// the node holding the socket, since when) for the owner and the
// operator, the same whichever node is asked: agents connect to the
// leader, and a follower asks it (connections are not replicated).
// GET /v1/agents/{id}/connection answers the same alone.
func TestAnOwnerSeesWhetherItsAgentIsConnectedFromAnyNode(t *testing.T) {
	c, nodes := plCluster(t, 3, plOptions{})
	leader := nodes[c.Index(c.Leader())]
	leaderID := c.Leader().ID()
	a := plAgents(t, leader.url, "watched")[0]
	other := plAgents(t, leader.url, "nosy")[0]
	// Both owners and the agent exist on every node before any is asked
	// (followers apply the sign-ups a moment after the leader).
	c.Eventually(10*time.Second, func() error {
		for i, n := range nodes {
			for _, key := range []string{a.ownerKey, other.ownerKey} {
				if code := plHTTP(t, "GET", n.url+"/v1/agents?owner=me", key, nil, nil); code != 200 {
					return fmt.Errorf("node %d does not know an owner yet (%d)", i, code)
				}
			}
		}
		return nil
	})

	detail := func(t *testing.T, base, key string) (int, *connBody) {
		t.Helper()
		var got struct {
			Connection *connBody `json:"connection"`
		}
		code := plHTTP(t, "GET", base+"/v1/agents/"+a.agentID, key, nil, &got)
		return code, got.Connection
	}
	route := func(t *testing.T, base, key string) (int, connBody) {
		t.Helper()
		var got struct {
			AgentID    string   `json:"agent_id"`
			Connection connBody `json:"connection"`
		}
		code := plHTTP(t, "GET", base+"/v1/agents/"+a.agentID+"/connection", key, nil, &got)
		return code, got.Connection
	}
	// every asks each node both ways and checks each answer.
	every := func(t *testing.T, check func(connBody) error) {
		t.Helper()
		for i, n := range nodes {
			for _, key := range []string{a.ownerKey, plOperator} {
				code, conn := detail(t, n.url, key)
				if code != 200 || conn == nil {
					t.Fatalf("node %d: GET /v1/agents/{id}: %d, connection %v", i, code, conn)
				}
				if err := check(*conn); err != nil {
					t.Errorf("node %d: GET /v1/agents/{id}: %v", i, err)
				}
				code, rc := route(t, n.url, key)
				if code != 200 {
					t.Fatalf("node %d: GET /v1/agents/{id}/connection: %d", i, code)
				}
				if err := check(rc); err != nil {
					t.Errorf("node %d: GET /v1/agents/{id}/connection: %v", i, err)
				}
			}
		}
	}

	t.Run("a never connected agent reads disconnected from every node", func(t *testing.T) {
		every(t, func(c connBody) error {
			if c.State != "disconnected" || c.NodeID != leaderID || c.Since != nil {
				return fmt.Errorf("connection %+v, want disconnected on %s with no since", c, leaderID)
			}
			return nil
		})
	})

	before := time.Now()
	sess := plDial(t, leader.url+"/v1/agents/connect", a.agentKey)
	sess.expect("hello", 5*time.Second)
	t.Run("a connected agent reads connected to the leader since it connected, from every node", func(t *testing.T) {
		every(t, func(c connBody) error {
			if c.State != "connected" || c.NodeID != leaderID || c.Since == nil || c.Since.Before(before.Add(-time.Second)) {
				return fmt.Errorf("connection %+v, want connected on %s since about %v", c, leaderID, before)
			}
			return nil
		})
	})

	t.Run("nobody else sees it", func(t *testing.T) {
		if code, conn := detail(t, leader.url, other.ownerKey); code != 200 || conn != nil {
			t.Errorf("another owner's GET /v1/agents/{id}: %d, connection %+v, want none", code, conn)
		}
		if code, conn := detail(t, leader.url, ""); code != 200 || conn != nil {
			t.Errorf("an anonymous GET /v1/agents/{id}: %d, connection %+v, want none", code, conn)
		}
		if code, _ := route(t, nodes[(c.Index(c.Leader())+1)%3].url, other.ownerKey); code != 403 {
			t.Errorf("another owner's GET /v1/agents/{id}/connection on a follower: %d, want 403", code)
		}
	})

	closed := time.Now()
	sess.conn.Close()
	t.Run("a closed connection reads disconnected since it closed, from every node", func(t *testing.T) {
		c.Eventually(10*time.Second, func() error {
			_, conn := route(t, leader.url, a.ownerKey)
			if conn.State != "disconnected" {
				return fmt.Errorf("still %+v", conn)
			}
			return nil
		})
		every(t, func(c connBody) error {
			if c.State != "disconnected" || c.NodeID != leaderID || c.Since == nil || c.Since.Before(closed.Add(-time.Second)) {
				return fmt.Errorf("connection %+v, want disconnected on %s since about %v", c, leaderID, closed)
			}
			return nil
		})
	})

	t.Run("an agent the arena calls has no connection", func(t *testing.T) {
		var created struct {
			Agent struct{ ID string } `json:"agent"`
		}
		if code := plHTTP(t, "POST", leader.url+"/v1/agents", a.ownerKey, map[string]string{"name": "hooked", "kind": "webhook", "webhook_url": "http://127.0.0.1:9/x"}, &created); code != 201 {
			t.Fatalf("create webhook agent: %d", code)
		}
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if code := plHTTP(t, "GET", leader.url+"/v1/agents/"+created.Agent.ID+"/connection", a.ownerKey, nil, &e); code != 400 || !strings.Contains(e.Error.Message, "webhook") {
			t.Errorf("a webhook agent's connection: %d %+v, want 400 naming its kind", code, e.Error)
		}
	})
}
