package web_test

import (
	"net/http"
	"testing"

	"github.com/agentarena/arena/arena/arenatest"
)

// Every paged list answers a cursor it cannot have handed out, and a limit
// out of its range, with the same 400 naming the parameter; lists that
// answer everything at once refuse limit and cursor instead of ignoring
// them. GET /v1/agents?cursor=zzz used to answer an empty page (a client
// walking it stopped early) and GET /v1/contests?cursor=zzz the first page
// again (a client walking it looped), where the transfer list refused it.
// A filter the list does not know is refused too: ?ownr=me answered every
// owner's agents.
func TestListsRefuseAMalformedCursorOrLimitAlike(t *testing.T) {
	e := newEnv(t, 1, envConfig{})
	n := e.nodes[0]
	_, ownerKey := e.createOwner(t, n, "Pager")
	ag, _ := e.createAgent(t, n, ownerKey, "pager-1")
	op := arenatest.OperatorToken

	tests := []struct {
		name, path, key string
		want            []string // in the message
	}{
		{"an agent list with a cursor that is no agent id", "/v1/agents?cursor=zzz", "", []string{"cursor", `"zzz"`}},
		{"an owner's agent list with a cursor that is no agent id", "/v1/agents?owner=me&cursor=zzz", ownerKey, []string{"cursor"}},
		{"an agent list with a contest id as cursor", "/v1/agents?cursor=c_18ef1a1796ed5f36", "", []string{"cursor"}},
		{"an agent list with unicode in the cursor", "/v1/agents?cursor=ag_%C3%A9t%C3%A9", "", []string{"cursor"}},
		{"a contest list with a cursor that is no contest id", "/v1/contests?cursor=zzz", "", []string{"cursor", `"zzz"`}},
		{"a contest list with an agent id as cursor", "/v1/contests?cursor=" + ag.ID, "", []string{"cursor"}},
		{"a transfer list with a cursor that is no number", "/v1/owners/me/transfers?cursor=zzz", ownerKey, []string{"cursor", `"zzz"`}},
		{"a transfer list with a negative cursor", "/v1/owners/me/transfers?cursor=-1", ownerKey, []string{"cursor"}},
		{"an agent list with limit 0", "/v1/agents?limit=0", "", []string{"limit", "1 to 500", `"0"`}},
		{"a contest list with a negative limit", "/v1/contests?limit=-5", "", []string{"limit", "1 to 500", `"-5"`}},
		{"a transfer list with a huge limit", "/v1/owners/me/transfers?limit=99999999999999999999", ownerKey, []string{"limit", "1 to 500"}},
		{"a preference export with a limit that is no number", "/v1/preferences?limit=ten", op, []string{"limit", `"ten"`}},
		{"a rating history with limit 0", "/v1/agents/" + ag.ID + "/ratings?limit=0", "", []string{"limit", `"0"`}},
		{"a rating history with a cursor", "/v1/agents/" + ag.ID + "/ratings?cursor=5", "", []string{`"cursor"`, "known: arena, limit"}},
		{"an agent list with a misspelt owner filter", "/v1/agents?ownr=me", ownerKey, []string{`"ownr"`, "known: owner, limit, cursor"}},
		{"a contest list with a misspelt status filter", "/v1/contests?stauts=running", "", []string{`"stauts"`, "GET /v1/contests", "status"}},
		{"a transfer list with an owner filter it does not take", "/v1/owners/me/transfers?owner=x", ownerKey, []string{`"owner"`}},
		{"a rating history with a misspelt arena filter", "/v1/agents/" + ag.ID + "/ratings?arean=connect4", "", []string{`"arean"`}},
		{"the arena list with a limit", "/v1/arenas?limit=1", "", []string{"GET /v1/arenas is not paged", "limit"}},
		{"a leaderboard with a limit", "/v1/arenas/connect4/leaderboard?limit=10", "", []string{"GET /v1/arenas/{name}/leaderboard is not paged", "limit"}},
		{"a leaderboard with a cursor", "/v1/arenas/connect4/leaderboard?cursor=2", "", []string{"not paged", "cursor"}},
		{"win rates with a limit", "/v1/arenas/connect4/winrates?limit=10", "", []string{"not paged"}},
		{"trends with a cursor", "/v1/arenas/connect4/trends?cursor=x", "", []string{"not paged"}},
		{"prompts with a limit", "/v1/arenas/prompt/prompts?limit=1", "", []string{"not paged"}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused naming it", func(t *testing.T) {
			e.do(t, n, req{method: http.MethodGet, path: tt.path, key: tt.key}).wantError(t, http.StatusBadRequest, "invalid", tt.want...)
		})
	}

	ok := []struct{ name, path, key string }{
		{"an agent id past the last one", "/v1/agents?cursor=ag_zz", ""},
		{"an empty cursor (the first page)", "/v1/agents?cursor=&limit=", ""},
		{"a contest id older than every contest", "/v1/contests?cursor=c_0000000000000000", ""},
		{"a transfer number", "/v1/owners/me/transfers?cursor=0&limit=500", ownerKey},
		{"a rating history's own limit", "/v1/agents/" + ag.ID + "/ratings?limit=1", ""},
		{"the arena list without paging", "/v1/arenas", ""},
		{"a filtered list read linearizably", "/v1/contests?status=settled&consistency=linearizable", ""},
	}
	for _, tt := range ok {
		t.Run(tt.name+" is still taken", func(t *testing.T) {
			e.do(t, n, req{method: http.MethodGet, path: tt.path, key: tt.key}).want(t, http.StatusOK)
		})
	}
}
