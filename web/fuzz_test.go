package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/internal/fuzzseed"
	"github.com/agentarena/arena/web"
)

// fuzzMaxBody keeps the fuzzers' body limit small enough to reach.
const fuzzMaxBody = 1024

// fuzzEnv is a one-node cluster for the body fuzzers: a small body limit,
// and request rates no fuzzer can reach, since thousands of requests a
// second from one key are what the fuzzer does, not what it tests.
func fuzzEnv(f *testing.F) *env {
	return newEnv(f, 1, envConfig{maxBodyBytes: fuzzMaxBody, limits: web.Limits{
		RequestsPerSecondPerKey: 1e9, RequestBurstPerKey: 1 << 30,
		RequestsPerSecondPerIP: 1e9, RequestBurstPerIP: 1 << 30,
	}})
}

// fuzzSeeds are shared by both fuzzers: valid bodies, each way a body can be
// malformed, and boundary sizes.
func fuzzSeeds() []string {
	return []string{
		`{"name":"seed"}`,
		`{"name":"seed"}`, // a second time: a conflict for agents
		`{"name":"hook","kind":"webhook","webhook_url":"https://example.test/h"}`,
		`{"name":"mail","email":"m@example.test"}`,
		``, ` `, `{`, `}`, `null`, `true`, `[]`, `"x"`, `0`, `{}`,
		`{"name":"x"}{}`, `{"name":"x"} `, `{"name":"x"}x`,
		`{"name":"\u0000"}`, `{"name":"\ud800"}`, "{\"name\":\"\xff\xfe\"}",
		`{"name":1}`, `{"name":1e999}`, `{"name":["x"]}`, `{"name":{"a":1}}`,
		`{"name":"x","extra":true}`, `{"name":"a","name":"b"}`, `{"NAME":"case"}`,
		`{"name":"x","kind":"webhook","webhook_url":"http://[::1"}`,
		`{"name":"x","kind":"webhook","webhook_url":"https://u:p@h/"}`,
		`{"name":"` + strings.Repeat("x", 64) + `"}`,
		`{"name":"` + strings.Repeat("x", 65) + `"}`,
		`{"name":"` + strings.Repeat("x", fuzzMaxBody) + `"}`,
		strings.Repeat("[", 500) + strings.Repeat("]", 500),
		`{"name":"x","description":"` + strings.Repeat("é", 400) + `"}`,
	}
}

// wantCode maps each allowed status to the one error code it may carry.
var wantCode = map[int]string{400: "invalid", 409: "conflict", 413: "too_large"}

// checkCreate posts body to r's route and checks the properties every
// create must keep, whatever the input; onCreated checks a 201 further.
func checkCreate(t *testing.T, e *env, n *testNode, r req, body []byte, onCreated func(t *testing.T, b []byte)) {
	before := stateHash(t, n)
	r.body = string(body)
	if len(body) > 0 {
		r.contentType = "application/json"
	}
	res := e.do(t, n, r)
	if !json.Valid(res.body) {
		t.Fatalf("status %d with a body that is not JSON: %q", res.status, res.body)
	}
	if res.status == http.StatusCreated {
		onCreated(t, res.body)
		return
	}
	code, ok := wantCode[res.status]
	if !ok {
		t.Fatalf("status %d for body %q: %s", res.status, body, res.body)
	}
	res.wantError(t, res.status, code)
	if after := stateHash(t, n); after != before {
		t.Fatalf("status %d but the state hash moved from %.12s to %.12s", res.status, before, after)
	}
}

func FuzzCreateAgentBody(f *testing.F) {
	e := fuzzEnv(f)
	n := e.nodes[0]
	owner, key := e.createOwner(f, n, "Fuzzer")
	for _, s := range fuzzSeeds() {
		fuzzseed.Add(f, []byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkCreate(t, e, n, req{method: "POST", path: "/v1/agents", key: key}, body, func(t *testing.T, b []byte) {
			var ab agentBody
			if err := strictJSON(b, &ab); err != nil {
				t.Fatalf("201 body %s: %v", b, err)
			}
			a := ab.Agent
			if a.OwnerID != owner.ID || a.Version != 1 || !strings.HasPrefix(ab.AgentKey, agents.AgentKeyPrefix) {
				t.Fatalf("created %+v with key %q", a, ab.AgentKey)
			}
			if err := a.Validate(); err != nil {
				t.Fatalf("created an agent that does not validate: %v", err)
			}
			var got agentBody
			e.do(t, n, req{method: "GET", path: "/v1/agents/" + a.ID, key: key}).want(t, 200).decode(t, &got)
			if got.Agent != a {
				t.Fatalf("stored %+v, answered %+v", got.Agent, a)
			}
		})
	})
}

func FuzzCreateOwnerBody(f *testing.F) {
	e := fuzzEnv(f)
	n := e.nodes[0]
	for _, s := range fuzzSeeds() {
		fuzzseed.Add(f, []byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkCreate(t, e, n, req{method: "POST", path: "/v1/owners"}, body, func(t *testing.T, b []byte) {
			var ob ownerBody
			if err := strictJSON(b, &ob); err != nil {
				t.Fatalf("201 body %s: %v", b, err)
			}
			if err := agents.ValidateOwner(ob.Owner.Name, ob.Owner.Email); err != nil {
				t.Fatalf("created an owner that does not validate: %v", err)
			}
			var got ownerBody
			e.do(t, n, req{method: "GET", path: "/v1/owners/me", key: ob.APIKey}).want(t, 200).decode(t, &got)
			if got.Owner != ob.Owner {
				t.Fatalf("stored %+v, answered %+v", got.Owner, ob.Owner)
			}
		})
	})
}
