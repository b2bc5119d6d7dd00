package web_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

type ownerConnsBody struct {
	OwnerID     string `json:"owner_id"`
	NodeID      string `json:"node_id"`
	Connections []struct {
		AgentID    string    `json:"agent_id"`
		Kind       string    `json:"kind"`
		Queued     []any     `json:"queued"`
		Connection *connBody `json:"connection"`
	} `json:"connections"`
	NextCursor string `json:"next_cursor"`
}

// An owner watching many agents asked GET /v1/agents/{id} once per agent
// (the owner page did every 5 s), spending its key's request allowance.
// GET /v1/owners/{id}/connections answers a page of them at once: the
// pages and cursors of the owner's agent list, from any node (a follower
// relays to the leader, which holds the sockets), to the owner and the
// operator only, with the lists' strict query.
func TestAnOwnerSeesAllItsAgentsConnectionsInOneRequest(t *testing.T) {
	c, nodes := plCluster(t, 3, plOptions{})
	li := c.Index(c.Leader())
	leader := nodes[li]
	leaderID := c.Leader().ID()
	ids := plAgents(t, leader.url, "a", "b", "c", "d")
	owner, ownerKey := "", ids[0].ownerKey
	var me struct {
		Owner struct{ ID string } `json:"owner"`
	}
	if code := plHTTP(t, "GET", leader.url+"/v1/owners/me", ownerKey, nil, &me); code != 200 {
		t.Fatalf("read the owner: %d", code)
	}
	owner = me.Owner.ID
	var hook struct {
		Agent struct{ ID string } `json:"agent"`
	}
	if code := plHTTP(t, "POST", leader.url+"/v1/agents", ownerKey, map[string]string{"name": "hooked", "kind": "webhook", "webhook_url": "http://127.0.0.1:9/x"}, &hook); code != 201 {
		t.Fatalf("create a webhook agent: %d", code)
	}
	other := plAgents(t, leader.url, "nosy")[0]
	sess := plDial(t, leader.url+"/v1/agents/connect", ids[1].agentKey)
	sess.expect("hello", 5*time.Second)
	// The owner's agents as its list pages them, two at a time.
	var want []string
	var cursors []string
	for cur := ""; ; {
		var page struct {
			Agents []struct {
				ID string `json:"id"`
			} `json:"agents"`
			NextCursor string `json:"next_cursor"`
		}
		if code := plHTTP(t, "GET", leader.url+"/v1/agents?owner=me&limit=2&cursor="+cur, ownerKey, nil, &page); code != 200 {
			t.Fatalf("list the agents: %d", code)
		}
		for _, a := range page.Agents {
			want = append(want, a.ID)
		}
		cursors = append(cursors, page.NextCursor)
		if page.NextCursor == "" {
			break
		}
		cur = page.NextCursor
	}
	if len(want) != 5 {
		t.Fatalf("the owner lists %d agents, want 5", len(want))
	}
	c.Eventually(10*time.Second, func() error {
		for i, n := range nodes {
			if code := plHTTP(t, "GET", n.url+"/v1/agents/"+hook.Agent.ID, "", nil, nil); code != 200 {
				return fmt.Errorf("node %d does not have every agent yet (%d)", i, code)
			}
		}
		return nil
	})

	for i, n := range nodes {
		for _, as := range []struct{ who, key, path string }{
			{"the owner (me)", ownerKey, "me"}, {"the owner (its id)", ownerKey, owner}, {"the operator", plOperator, owner},
		} {
			t.Run(fmt.Sprintf("%s on node %d, two at a time", as.who, i), func(t *testing.T) {
				var got, gotCursors []string
				for cur := ""; ; {
					var page ownerConnsBody
					if code := plHTTP(t, "GET", n.url+"/v1/owners/"+as.path+"/connections?limit=2&cursor="+cur, as.key, nil, &page); code != 200 {
						t.Fatalf("GET connections: %d", code)
					}
					if page.OwnerID != owner || page.NodeID != leaderID {
						t.Errorf("owner_id %q node_id %q, want %q answered by the leader %q", page.OwnerID, page.NodeID, owner, leaderID)
					}
					for _, x := range page.Connections {
						got = append(got, x.AgentID)
						if x.Queued == nil {
							t.Errorf("agent %s has no queued list", x.AgentID)
						}
						switch {
						case x.AgentID == hook.Agent.ID:
							if x.Kind != "webhook" || x.Connection != nil {
								t.Errorf("the webhook agent: kind %q connection %+v, want no connection", x.Kind, x.Connection)
							}
						case x.Connection == nil:
							t.Errorf("websocket agent %s has no connection", x.AgentID)
						case x.AgentID == ids[1].agentID:
							if x.Connection.State != "connected" || x.Connection.NodeID != leaderID {
								t.Errorf("the connected agent reads %+v, want connected to %s", *x.Connection, leaderID)
							}
						default:
							if x.Connection.State != "disconnected" {
								t.Errorf("agent %s reads %+v, want disconnected", x.AgentID, *x.Connection)
							}
						}
					}
					gotCursors = append(gotCursors, page.NextCursor)
					if page.NextCursor == "" {
						break
					}
					cur = page.NextCursor
				}
				if !slices.Equal(got, want) || !slices.Equal(gotCursors, cursors) {
					t.Errorf("pages %v with cursors %v, want the agent list's %v with cursors %v", got, gotCursors, want, cursors)
				}
			})
		}
	}

	follower := nodes[(li+1)%3]
	for _, tc := range []struct {
		name, key, path string
		code            int
		says            string
	}{
		{"anonymous", "", owner, 401, ""},
		{"another owner", other.ownerKey, owner, 403, "another owner's"},
		{"another owner, on a follower", other.ownerKey, owner, 403, "another owner's"},
		{"an agent key", ids[0].agentKey, owner, 403, "not an agent key"},
		{"the operator asking for me", plOperator, "me", 403, "owner API key"},
		{"the operator asking for an unknown owner", plOperator, "ow_nobody", 404, ""},
		{"an unknown parameter", ownerKey, "me?ownr=x", 400, "ownr"},
		{"a limit of 0", ownerKey, "me?limit=0", 400, "limit"},
		{"a limit over 500", ownerKey, "me?limit=501", 400, "limit"},
		{"a cursor no list hands out", ownerKey, "me?cursor=zzz", 400, "cursor"},
		{"a parameter given twice", ownerKey, "me?limit=1&limit=2", 400, "limit"},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			base := leader.url
			if strings.Contains(tc.name, "follower") {
				base = follower.url
			}
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			p, q, _ := strings.Cut(tc.path, "?")
			code := plHTTP(t, "GET", base+"/v1/owners/"+p+"/connections?"+q, tc.key, nil, &e)
			if code != tc.code || !strings.Contains(e.Error.Message, tc.says) {
				t.Errorf("%d %+v, want %d saying %q", code, e.Error, tc.code, tc.says)
			}
		})
	}

	t.Run("a follower without a leader answers what it knows, the connections unknown", func(t *testing.T) {
		fi := (li + 1) % 3
		c.Partition(fi)
		t.Cleanup(c.Heal)
		c.Eventually(20*time.Second, func() error {
			var page ownerConnsBody
			if code := plHTTP(t, "GET", nodes[fi].url+"/v1/owners/me/connections?limit=10", ownerKey, nil, &page); code != 200 {
				return fmt.Errorf("GET connections: %d", code)
			}
			if len(page.Connections) != 5 {
				return fmt.Errorf("%d agents, want 5", len(page.Connections))
			}
			for _, x := range page.Connections {
				if x.Connection != nil && (x.Connection.State != "unknown" || x.Connection.Reason == "") {
					return fmt.Errorf("agent %s reads %+v, want unknown with a reason", x.AgentID, *x.Connection)
				}
			}
			return nil
		})
	})
}
