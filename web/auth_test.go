package web_test

import (
	"slices"
	"testing"

	"github.com/agentarena/arena/arena/arenatest"
)

func TestAuthorization(t *testing.T) {
	e := newEnv(t, 1, envConfig{})
	n := e.nodes[0]
	ownerA, keyA := e.createOwner(t, n, "Alice")
	ownerB, keyB := e.createOwner(t, n, "Bob")
	agentA, agentKeyA := e.createAgent(t, n, keyA, "alpha")
	agentB, _ := e.createAgent(t, n, keyB, "bravo")
	op := arenatest.OperatorToken

	// Every case is refused, so none may change the state.
	refused := []struct {
		name   string
		r      req
		status int
		code   string
		msg    string
	}{
		{"owner B cannot rename owner A's agent",
			req{method: "PATCH", path: "/v1/agents/" + agentA.ID, key: keyB, body: `{"name":"stolen"}`},
			403, "forbidden", "another owner"},
		{"owner B cannot delete owner A's agent",
			req{method: "DELETE", path: "/v1/agents/" + agentA.ID, key: keyB},
			403, "forbidden", "another owner"},
		{"owner B cannot read owner A's record",
			req{method: "GET", path: "/v1/owners/" + ownerA.ID, key: keyB},
			403, "forbidden", "your own owner record"},
		{"owner B cannot learn whether an owner id exists",
			req{method: "GET", path: "/v1/owners/ow_doesnotexist", key: keyB},
			403, "forbidden", "your own owner record"},
		{"a wrong key is refused on an owner route",
			req{method: "GET", path: "/v1/owners/me", key: "aro_wrongwrongwrongwrongwrongwrongwr"},
			401, "unauthorized", "unknown or revoked key"},
		{"a wrong key is refused even on a public route",
			req{method: "GET", path: "/v1/agents", key: "aro_wrongwrongwrongwrongwrongwrongwr"},
			401, "unauthorized", "unknown or revoked key"},
		{"a wrong key is refused on sign-up rather than treated as anonymous",
			req{method: "POST", path: "/v1/owners", key: "garbage", body: `{"name":"Mallory"}`},
			401, "unauthorized", "unknown or revoked key"},
		{"a Basic Authorization header is malformed",
			req{method: "GET", path: "/v1/owners/me", auth: "Basic " + keyA},
			401, "unauthorized", "Bearer <key>"},
		{"a bare key without a scheme is malformed",
			req{method: "GET", path: "/v1/owners/me", auth: keyA},
			401, "unauthorized", "Bearer <key>"},
		{"a Bearer scheme without a key is malformed",
			req{method: "GET", path: "/v1/owners/me", auth: "Bearer    "},
			401, "unauthorized", "Bearer <key>"},
		{"a missing key on owners/me is unauthorized",
			req{method: "GET", path: "/v1/owners/me"},
			401, "unauthorized", "owner API key"},
		{"a missing key on owners/{id} is unauthorized",
			req{method: "GET", path: "/v1/owners/" + ownerA.ID},
			401, "unauthorized", "bearer key"},
		{"a missing key on agent creation is unauthorized",
			req{method: "POST", path: "/v1/agents", body: `{"name":"anon"}`},
			401, "unauthorized", "owner API key"},
		{"a missing key on agent update is unauthorized",
			req{method: "PATCH", path: "/v1/agents/" + agentA.ID, body: `{"name":"anon"}`},
			401, "unauthorized", "owner API key"},
		{"a missing key on agent deletion is unauthorized",
			req{method: "DELETE", path: "/v1/agents/" + agentA.ID},
			401, "unauthorized", "owner API key"},
		{"a missing key on owner=me is unauthorized",
			req{method: "GET", path: "/v1/agents?owner=me"},
			401, "unauthorized", "owner API key"},
		{"an agent key cannot read owners/me",
			req{method: "GET", path: "/v1/owners/me", key: agentKeyA},
			403, "forbidden", "owner API key"},
		{"an agent key cannot create agents",
			req{method: "POST", path: "/v1/agents", key: agentKeyA, body: `{"name":"spawn"}`},
			403, "forbidden", "owner API key"},
		{"an agent key cannot update even its own agent",
			req{method: "PATCH", path: "/v1/agents/" + agentA.ID, key: agentKeyA, body: `{"name":"self"}`},
			403, "forbidden", "owner API key"},
		{"an agent key cannot delete even its own agent",
			req{method: "DELETE", path: "/v1/agents/" + agentA.ID, key: agentKeyA},
			403, "forbidden", "owner API key"},
		{"an agent key cannot read its owner's record",
			req{method: "GET", path: "/v1/owners/" + ownerA.ID, key: agentKeyA},
			403, "forbidden", "your own owner record"},
		{"an anonymous join is unauthorized",
			req{method: "POST", path: "/v1/cluster/join", body: `{"node_id":"x","raft_addr":"x"}`},
			401, "unauthorized", "operator token"},
		{"an owner key cannot join nodes",
			req{method: "POST", path: "/v1/cluster/join", key: keyA, body: `{"node_id":"x","raft_addr":"x"}`},
			403, "forbidden", "operator token"},
		{"an agent key cannot join nodes",
			req{method: "POST", path: "/v1/cluster/join", key: agentKeyA, body: `{"node_id":"x","raft_addr":"x"}`},
			403, "forbidden", "operator token"},
		{"an anonymous node removal is unauthorized",
			req{method: "DELETE", path: "/v1/cluster/nodes/node0"},
			401, "unauthorized", "operator token"},
		{"an owner key cannot remove nodes",
			req{method: "DELETE", path: "/v1/cluster/nodes/node0", key: keyA},
			403, "forbidden", "operator token"},
		{"the operator is not an owner",
			req{method: "GET", path: "/v1/owners/me", key: op},
			403, "forbidden", "owner API key"},
		{"the operator reaches the join handler, which checks its input",
			req{method: "POST", path: "/v1/cluster/join", key: op, body: `{}`},
			400, "invalid", "node_id and raft_addr are required"},
		{"the operator reaches the remove handler, which knows no such node",
			req{method: "DELETE", path: "/v1/cluster/nodes/node9", key: op},
			404, "not_found", "node9"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			before := stateHash(t, n)
			e.do(t, n, tc.r).wantError(t, tc.status, tc.code, tc.msg)
			if after := stateHash(t, n); after != before {
				t.Errorf("refused request changed the state hash from %.12s to %.12s", before, after)
			}
		})
	}

	t.Run("an agent key on owner=me is forbidden like on other owner routes", func(t *testing.T) {
		e.do(t, n, req{method: "GET", path: "/v1/agents?owner=me", key: agentKeyA}).wantError(t, 403, "forbidden")
	})

	t.Run("the Bearer scheme is matched case-insensitively", func(t *testing.T) {
		e.do(t, n, req{method: "GET", path: "/v1/owners/me", auth: "bearer " + keyA}).want(t, 200)
	})

	t.Run("owners read their own record by id and as me", func(t *testing.T) {
		for _, path := range []string{"/v1/owners/me", "/v1/owners/" + ownerA.ID} {
			var ob ownerBody
			e.do(t, n, req{method: "GET", path: path, key: keyA}).want(t, 200).decode(t, &ob)
			if ob.Owner != ownerA {
				t.Errorf("GET %s = %+v, want %+v", path, ob.Owner, ownerA)
			}
		}
	})

	t.Run("the operator can read any owner", func(t *testing.T) {
		for _, want := range []struct{ id, name string }{{ownerA.ID, "Alice"}, {ownerB.ID, "Bob"}} {
			var ob ownerBody
			e.do(t, n, req{method: "GET", path: "/v1/owners/" + want.id, key: op}).want(t, 200).decode(t, &ob)
			if ob.Owner.ID != want.id || ob.Owner.Name != want.name {
				t.Errorf("operator read %+v, want %s (%s)", ob.Owner, want.id, want.name)
			}
		}
		e.do(t, n, req{method: "GET", path: "/v1/owners/ow_nosuchowner", key: op}).wantError(t, 404, "not_found")
	})

	t.Run("an agent key authenticates on public routes", func(t *testing.T) {
		e.do(t, n, req{method: "GET", path: "/v1/agents/" + agentB.ID, key: agentKeyA}).want(t, 200)
	})

	t.Run("owner B's agent is untouched by B's refused attempts on A's agent", func(t *testing.T) {
		var ab agentBody
		e.do(t, n, req{method: "GET", path: "/v1/agents/" + agentA.ID}).want(t, 200).decode(t, &ab)
		if ab.Agent != agentA {
			t.Errorf("agent A is now %+v, want %+v", ab.Agent, agentA)
		}
	})
}

func TestDeletedAgent(t *testing.T) {
	e := newEnv(t, 1, envConfig{})
	n := e.nodes[0]
	_, ownerKey := e.createOwner(t, n, "Carol")
	doomed, doomedKey := e.createAgent(t, n, ownerKey, "doomed")
	survivor, survivorKey := e.createAgent(t, n, ownerKey, "survivor")

	t.Run("the agent key works before deletion", func(t *testing.T) {
		e.do(t, n, req{method: "GET", path: "/v1/agents", key: doomedKey}).want(t, 200)
	})

	t.Run("the owner deletes the agent", func(t *testing.T) {
		r := e.do(t, n, req{method: "DELETE", path: "/v1/agents/" + doomed.ID, key: ownerKey}).want(t, 204)
		if len(r.body) != 0 {
			t.Errorf("204 with body %q", r.body)
		}
	})

	after := []struct {
		name   string
		r      req
		status int
		code   string
	}{
		{"its key is refused", req{method: "GET", path: "/v1/agents", key: doomedKey}, 401, "unauthorized"},
		{"it is not found", req{method: "GET", path: "/v1/agents/" + doomed.ID}, 404, "not_found"},
		{"it cannot be updated", req{method: "PATCH", path: "/v1/agents/" + doomed.ID, key: ownerKey, body: `{"name":"zombie"}`}, 404, "not_found"},
		{"it cannot be deleted twice", req{method: "DELETE", path: "/v1/agents/" + doomed.ID, key: ownerKey}, 404, "not_found"},
	}
	for _, tc := range after {
		t.Run("after deletion "+tc.name, func(t *testing.T) {
			e.do(t, n, tc.r).wantError(t, tc.status, tc.code)
		})
	}

	t.Run("after deletion it is not listed but its sibling is", func(t *testing.T) {
		var l agentList
		e.do(t, n, req{method: "GET", path: "/v1/agents?owner=me", key: ownerKey}).want(t, 200).decode(t, &l)
		ids := []string{}
		for _, a := range l.Agents {
			ids = append(ids, a.ID)
		}
		if !slices.Equal(ids, []string{survivor.ID}) {
			t.Errorf("listed %v, want only %s", ids, survivor.ID)
		}
		e.do(t, n, req{method: "GET", path: "/v1/agents", key: survivorKey}).want(t, 200)
	})

	t.Run("after deletion its name is free again", func(t *testing.T) {
		again, _ := e.createAgent(t, n, ownerKey, "doomed")
		if again.ID == doomed.ID || again.Version != 1 {
			t.Errorf("recreated agent %+v reuses the old id or version", again)
		}
	})
}
