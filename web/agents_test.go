package web_test

import (
	"fmt"
	"net/url"
	"slices"
	"testing"

	"github.com/agentarena/arena/agents"
)

// walk pages through GET /v1/agents with the given query and limit,
// following next_cursor, and returns every agent seen and the page count.
func (e *env) walk(t *testing.T, n *testNode, key string, q url.Values, limit int) ([]agents.Agent, int) {
	t.Helper()
	var all []agents.Agent
	cursor := ""
	for pages := 1; ; pages++ {
		if pages > 1000 {
			t.Fatal("pagination does not end")
		}
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("limit", fmt.Sprint(limit))
		if cursor != "" {
			v.Set("cursor", cursor)
		}
		var l agentList
		e.do(t, n, req{method: "GET", path: "/v1/agents?" + v.Encode(), key: key}).want(t, 200).decode(t, &l)
		if len(l.Agents) > limit {
			t.Fatalf("page %d has %d agents, over the limit %d", pages, len(l.Agents), limit)
		}
		all = append(all, l.Agents...)
		if l.NextCursor == "" {
			return all, pages
		}
		if len(l.Agents) == 0 || l.NextCursor != l.Agents[len(l.Agents)-1].ID {
			t.Fatalf("page %d: next_cursor %q is not its last agent", pages, l.NextCursor)
		}
		cursor = l.NextCursor
	}
}

func ids(list []agents.Agent) []string {
	out := []string{}
	for _, a := range list {
		out = append(out, a.ID)
	}
	return out
}

func TestListAgents(t *testing.T) {
	e := newEnv(t, 1, envConfig{})
	n := e.nodes[0]
	ownerA, keyA := e.createOwner(t, n, "Ann")
	ownerB, keyB := e.createOwner(t, n, "Ben")
	var all, ofA, ofB []string
	for i := range 7 {
		a, _ := e.createAgent(t, n, keyA, fmt.Sprintf("a%d", i))
		ofA = append(ofA, a.ID)
	}
	for i := range 5 {
		a, _ := e.createAgent(t, n, keyB, fmt.Sprintf("b%d", i))
		ofB = append(ofB, a.ID)
	}
	all = append(append(all, ofA...), ofB...)
	slices.Sort(all)
	slices.Sort(ofA)
	slices.Sort(ofB)

	walks := []struct {
		name  string
		key   string
		query url.Values
		want  []string
	}{
		{"every agent", "", nil, all},
		{"owner A's agents via owner=me", keyA, url.Values{"owner": {"me"}}, ofA},
		{"owner B's agents via owner=me", keyB, url.Values{"owner": {"me"}}, ofB},
		{"owner A's agents by id, anonymously", "", url.Values{"owner": {ownerA.ID}}, ofA},
		{"owner B's agents by id, as owner A", keyA, url.Values{"owner": {ownerB.ID}}, ofB},
		{"no agents of an unknown owner", "", url.Values{"owner": {"ow_nobody"}}, []string{}},
	}
	for _, w := range walks {
		for _, limit := range []int{1, 2, 3, 5, 12, 13, 500} {
			t.Run(fmt.Sprintf("walking %s %d at a time returns each once in id order", w.name, limit), func(t *testing.T) {
				got, pages := e.walk(t, n, w.key, w.query, limit)
				if !slices.Equal(ids(got), w.want) {
					t.Fatalf("walk returned %v, want %v", ids(got), w.want)
				}
				if want := max(1, (len(w.want)+limit-1)/limit); pages != want {
					t.Errorf("took %d pages, want %d", pages, want)
				}
			})
		}
	}

	t.Run("without a limit one page holds everything", func(t *testing.T) {
		var l agentList
		e.do(t, n, req{method: "GET", path: "/v1/agents"}).want(t, 200).decode(t, &l)
		if !slices.Equal(ids(l.Agents), all) || l.NextCursor != "" {
			t.Errorf("listed %v next %q, want %v", ids(l.Agents), l.NextCursor, all)
		}
	})

	t.Run("an agent id past the last one gives an empty final page", func(t *testing.T) {
		var l agentList
		e.do(t, n, req{method: "GET", path: "/v1/agents?cursor=ag_zz"}).want(t, 200).decode(t, &l)
		if len(l.Agents) != 0 || l.NextCursor != "" {
			t.Errorf("listed %v next %q", ids(l.Agents), l.NextCursor)
		}
		if l.Agents == nil {
			t.Error("agents is null, want []")
		}
	})

	t.Run("a cursor between ids resumes at the next id", func(t *testing.T) {
		// An id with its last character dropped sorts just before it.
		mid := all[4][:len(all[4])-1]
		var l agentList
		e.do(t, n, req{method: "GET", path: "/v1/agents?limit=2&cursor=" + mid}).want(t, 200).decode(t, &l)
		if !slices.Equal(ids(l.Agents), all[4:6]) {
			t.Errorf("listed %v, want %v", ids(l.Agents), all[4:6])
		}
	})

	t.Run("deleted agents drop out of every walk", func(t *testing.T) {
		gone := ofA[3]
		e.do(t, n, req{method: "DELETE", path: "/v1/agents/" + gone, key: keyA}).want(t, 204)
		for _, limit := range []int{1, 2, 500} {
			got, _ := e.walk(t, n, keyA, url.Values{"owner": {"me"}}, limit)
			want := slices.DeleteFunc(slices.Clone(ofA), func(id string) bool { return id == gone })
			if !slices.Equal(ids(got), want) {
				t.Errorf("limit %d: walk returned %v, want %v", limit, ids(got), want)
			}
		}
		got, _ := e.walk(t, n, "", nil, 4)
		if slices.Contains(ids(got), gone) || len(got) != len(all)-1 {
			t.Errorf("full walk returned %v after deleting %s", ids(got), gone)
		}
	})

	t.Run("the deleted agent's id still works as a cursor", func(t *testing.T) {
		gone := ofA[3]
		var l agentList
		e.do(t, n, req{method: "GET", path: "/v1/agents?owner=me&cursor=" + gone, key: keyA}).want(t, 200).decode(t, &l)
		if !slices.Equal(ids(l.Agents), ofA[4:]) {
			t.Errorf("listed %v, want %v", ids(l.Agents), ofA[4:])
		}
	})
}

// TestAPatchThatChangesNothingKeepsTheVersion: contests and preference
// pairs record an agent's version, so it moves only when the record does,
// on the leader and through a follower alike.
func TestAPatchThatChangesNothingKeepsTheVersion(t *testing.T) {
	e := newEnv(t, 3, envConfig{})
	leader, followers := e.leader()
	_, key := e.createOwner(t, leader, "Vic")
	a, _ := e.createAgent(t, leader, key, "steady")
	patch := func(n *testNode, body string) agents.Agent {
		t.Helper()
		var r struct{ Agent agents.Agent }
		e.do(t, n, req{method: "PATCH", path: "/v1/agents/" + a.ID, key: key, body: body}).want(t, 200).decode(t, &r)
		return r.Agent
	}
	v1 := patch(leader, `{"description":"d"}`)
	if v1.Version != a.Version+1 || v1.Description != "d" {
		t.Fatalf("first patch: %+v, want version %d", v1, a.Version+1)
	}
	for _, tt := range []struct {
		name string
		n    *testNode
		body string
	}{
		{"the same description on the leader", leader, `{"description":"d"}`},
		{"the same name through a follower", followers[0], `{"name":"steady"}`},
		{"the same kind and description", followers[1], `{"kind":"websocket","description":"d"}`},
	} {
		got := patch(tt.n, tt.body)
		if got.Version != v1.Version || !got.UpdatedAt.Equal(v1.UpdatedAt) {
			t.Errorf("%s: version %d updated %v, want %d %v", tt.name, got.Version, got.UpdatedAt, v1.Version, v1.UpdatedAt)
		}
	}
	// Through a follower right after a change on the leader: the follower
	// must not answer from a stale record that happens to match.
	patch(leader, `{"description":"e"}`)
	got := patch(followers[0], `{"description":"d"}`)
	if got.Description != "d" || got.Version != v1.Version+2 {
		t.Errorf("revert through a follower: %+v, want description d at version %d", got, v1.Version+2)
	}
}
