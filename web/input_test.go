package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// maxBody is the body limit the input tests run under: small enough to
// cross cheaply, large enough for the longest valid field (a 2048-byte URL).
const maxBody = 4096

type badInput struct {
	name        string
	body        string
	contentType string
	status      int
	code        string
	msg         []string
}

// malformedBodies are refused by the strict decoder on every write route,
// whatever the route's fields.
var malformedBodies = []badInput{
	{name: "truncated JSON is malformed", body: `{"name":`,
		status: 400, code: "invalid", msg: []string{"malformed JSON", "unexpected end of input"}},
	{name: "unquoted keys are malformed", body: `{name:"x"}`,
		status: 400, code: "invalid", msg: []string{"malformed JSON at byte 2"}},
	{name: "an unknown field is named", body: `{"name":"x","colour":"red"}`,
		status: 400, code: "invalid", msg: []string{`unknown field "colour"`}},
	{name: "a field name in the wrong case is refused", body: `{"NAME":"x"}`,
		status: 400, code: "invalid", msg: []string{`unknown field "NAME"`, `did you mean "name"`}},
	{name: "a field given twice is refused", body: `{"name":"x","name":"y"}`,
		status: 400, code: "invalid", msg: []string{`field "name" appears twice`}},
	{name: "invalid UTF-8 is refused, not replaced", body: "{\"name\":\"\xff\xfe\"}",
		status: 400, code: "invalid", msg: []string{"not valid UTF-8"}},
	{name: "a wrongly typed field is named with both types", body: `{"name":42}`,
		status: 400, code: "invalid", msg: []string{`field "name" must be string, not number`}},
	{name: "a second object after the first is trailing data", body: `{"name":"x"} {"name":"y"}`,
		status: 400, code: "invalid", msg: []string{"unexpected data after the object"}},
	{name: "garbage after the object is trailing data", body: `{"name":"x"}garbage`,
		status: 400, code: "invalid", msg: []string{"unexpected data after the object"}},
	{name: "an empty body is refused", body: "",
		status: 400, code: "invalid", msg: []string{"request body is empty"}},
	{name: "a whitespace body is refused", body: " \n\t ",
		status: 400, code: "invalid", msg: []string{"request body is empty"}},
	{name: "an array body is not an object", body: `[{"name":"x"}]`,
		status: 400, code: "invalid", msg: []string{"body must be a JSON object, not array"}},
	{name: "a string body is not an object", body: `"x"`,
		status: 400, code: "invalid", msg: []string{"body must be a JSON object, not string"}},
	{name: "a number body is not an object", body: `7`,
		status: 400, code: "invalid", msg: []string{"body must be a JSON object, not number"}},
	{name: "a byte order mark before the object is named", body: "\xef\xbb\xbf{\"name\":\"x\"}",
		status: 400, code: "invalid", msg: []string{"byte order mark"}},
	{name: "a body starting with no JSON value names its first character", body: `<xml/>`,
		status: 400, code: "invalid", msg: []string{"malformed JSON", `'<'`}},
	{name: "an oversized body is too large", body: `{"name":"` + strings.Repeat("x", 2*maxBody) + `"}`,
		status: 413, code: "too_large", msg: []string{"exceeds the limit of 4096 bytes"}},
	{name: "a plain-text content type is refused", body: `{"name":"x"}`, contentType: "text/plain",
		status: 400, code: "invalid", msg: []string{"content type must be application/json", "text/plain"}},
	{name: "a form content type is refused", body: `name=x`, contentType: "application/x-www-form-urlencoded",
		status: 400, code: "invalid", msg: []string{"content type must be application/json"}},
}

func TestBadInputChangesNothing(t *testing.T) {
	e := newEnv(t, 1, envConfig{maxBodyBytes: maxBody})
	n := e.nodes[0]
	owner, ownerKey := e.createOwner(t, n, "Dana")
	agent, _ := e.createAgent(t, n, ownerKey, "taken")

	long := func(n int) string { return strings.Repeat("n", n) }
	longURL := "https://example.test/" + strings.Repeat("p", 2048)

	routes := []struct {
		name   string
		method string
		path   string
		key    string
		cases  []badInput
	}{
		{"creating an owner", "POST", "/v1/owners", "", []badInput{
			{name: "an empty name is required", body: `{"name":""}`, status: 400, code: "invalid", msg: []string{"name is required"}},
			{name: "a missing name is required", body: `{"email":"x@example.test"}`, status: 400, code: "invalid", msg: []string{"name is required"}},
			{name: "a 65-byte name is too long", body: `{"name":"` + long(65) + `"}`, status: 400, code: "invalid", msg: []string{"at most 64 bytes"}},
			{name: "a name with a bell character has control characters", body: `{"name":"a\u0007b"}`, status: 400, code: "invalid", msg: []string{"control characters"}},
			{name: "a name with a NUL has control characters", body: `{"name":"a\u0000b"}`, status: 400, code: "invalid", msg: []string{"control characters"}},
			{name: "a name with a newline has control characters", body: `{"name":"a\nb"}`, status: 400, code: "invalid", msg: []string{"control characters"}},
			{name: "a name with a leading space is refused", body: `{"name":" a"}`, status: 400, code: "invalid", msg: []string{"must not start or end with spaces"}},
			{name: "an email without an at sign is invalid", body: `{"name":"a","email":"nobody"}`, status: 400, code: "invalid", msg: []string{"email", "not a valid address"}},
			{name: "an email with a space is invalid", body: `{"name":"a","email":"no body@example.test"}`, status: 400, code: "invalid", msg: []string{"not a valid address"}},
		}},
		{"creating an agent", "POST", "/v1/agents", ownerKey, []badInput{
			{name: "an empty name is required", body: `{"name":""}`, status: 400, code: "invalid", msg: []string{"name is required"}},
			{name: "a 65-byte name is too long", body: `{"name":"` + long(65) + `"}`, status: 400, code: "invalid", msg: []string{"at most 64 bytes"}},
			{name: "a name with an escape character has control characters", body: `{"name":"a\u001b[31m"}`, status: 400, code: "invalid", msg: []string{"control characters"}},
			{name: "a name with a C1 control has control characters", body: `{"name":"a\u0085b"}`, status: 400, code: "invalid", msg: []string{"control characters"}},
			{name: "a trailing tab is refused", body: `{"name":"a\t"}`, status: 400, code: "invalid", msg: []string{"must not start or end with spaces"}},
			{name: "an unknown kind is invalid", body: `{"name":"a","kind":"carrier-pigeon"}`, status: 400, code: "invalid", msg: []string{"kind must be"}},
			{name: "a webhook agent without a URL is invalid", body: `{"name":"a","kind":"webhook"}`, status: 400, code: "invalid", msg: []string{"webhook_url is required"}},
			{name: "an ftp webhook URL is invalid", body: `{"name":"a","kind":"webhook","webhook_url":"ftp://example.test/h"}`, status: 400, code: "invalid", msg: []string{"webhook_url must be an absolute http or https URL"}},
			{name: "a relative webhook URL is invalid", body: `{"name":"a","kind":"webhook","webhook_url":"/hook"}`, status: 400, code: "invalid", msg: []string{"absolute http or https URL"}},
			{name: "a webhook URL without a host is invalid", body: `{"name":"a","kind":"webhook","webhook_url":"https://"}`, status: 400, code: "invalid", msg: []string{"absolute http or https URL"}},
			{name: "a javascript webhook URL is invalid", body: `{"name":"a","kind":"webhook","webhook_url":"javascript:alert(1)"}`, status: 400, code: "invalid", msg: []string{"absolute http or https URL"}},
			{name: "a webhook URL with credentials is refused", body: `{"name":"a","kind":"webhook","webhook_url":"https://u:p@example.test/h"}`, status: 400, code: "invalid", msg: []string{"must not embed credentials"}},
			{name: "a webhook URL over 2048 bytes is too long", body: `{"name":"a","kind":"webhook","webhook_url":"` + longURL + `"}`, status: 400, code: "invalid", msg: []string{"at most 2048 bytes"}},
			{name: "the system's builtin kind is refused", body: `{"name":"a","kind":"builtin"}`, status: 400, code: "invalid", msg: []string{"kind must be"}},
			{name: "a websocket agent cannot have a webhook URL", body: `{"name":"a","webhook_url":"https://example.test/h"}`, status: 400, code: "invalid", msg: []string{"webhook_url is only allowed for kind"}},
			{name: "a description over 1000 bytes is too long", body: `{"name":"a","description":"` + long(1001) + `"}`, status: 400, code: "invalid", msg: []string{"description", "1000 bytes"}},
			{name: "a name the owner already uses conflicts", body: `{"name":"taken"}`, status: 409, code: "conflict", msg: []string{`"taken"`}},
		}},
		{"updating an agent", "PATCH", "/v1/agents/" + agent.ID, ownerKey, []badInput{
			{name: "an empty patch changes nothing", body: `{}`, status: 400, code: "invalid", msg: []string{"patch changes nothing", "endpoint, api_key"}},
			{name: "a null name changes nothing", body: `{"name":null}`, status: 400, code: "invalid", msg: []string{"patch changes nothing"}},
			{name: "an empty name is required", body: `{"name":""}`, status: 400, code: "invalid", msg: []string{"name is required"}},
			{name: "a name with control characters is refused", body: `{"name":"x\u007f"}`, status: 400, code: "invalid", msg: []string{"control characters"}},
			{name: "switching to webhook without a URL is invalid", body: `{"kind":"webhook"}`, status: 400, code: "invalid", msg: []string{"webhook_url is required"}},
			{name: "a non-http webhook URL is invalid", body: `{"kind":"webhook","webhook_url":"gopher://example.test"}`, status: 400, code: "invalid", msg: []string{"absolute http or https URL"}},
			{name: "an unknown kind is invalid", body: `{"kind":"smoke-signal"}`, status: 400, code: "invalid", msg: []string{"kind must be"}},
			{name: "an unknown field is named", body: `{"version":99}`, status: 400, code: "invalid", msg: []string{`unknown field "version"`}},
			{name: "a wrongly typed description is named", body: `{"description":["a"]}`, status: 400, code: "invalid", msg: []string{`field "description" must be string, not array`}},
		}},
	}
	for _, rt := range routes {
		for _, tc := range append(append([]badInput{}, malformedBodies...), rt.cases...) {
			t.Run(rt.name+": "+tc.name, func(t *testing.T) {
				before := stateHash(t, n)
				r := e.do(t, n, req{method: rt.method, path: rt.path, key: rt.key, body: tc.body, contentType: tc.contentType})
				r.wantError(t, tc.status, tc.code, tc.msg...)
				if after := stateHash(t, n); after != before {
					t.Errorf("state hash moved from %.12s to %.12s", before, after)
				}
			})
		}
	}

	t.Run("a null body is refused as not an object", func(t *testing.T) {
		for _, rt := range routes {
			e.do(t, n, req{method: rt.method, path: rt.path, key: rt.key, body: "null"}).
				wantError(t, 400, "invalid", "JSON object")
		}
	})

	t.Run("an owner email with control characters is refused", func(t *testing.T) {
		before := stateHash(t, n)
		e.do(t, n, req{method: "POST", path: "/v1/owners", body: `{"name":"Eve","email":"eve@example.test\u001b[2J"}`}).
			wantError(t, 400, "invalid", "email")
		if after := stateHash(t, n); after != before {
			t.Errorf("state hash moved from %.12s to %.12s", before, after)
		}
	})

	t.Run("an owner cannot switch an agent to the system's builtin kind", func(t *testing.T) {
		victim, _ := e.createAgent(t, n, ownerKey, "would-be-bot")
		before := stateHash(t, n)
		e.do(t, n, req{method: "PATCH", path: "/v1/agents/" + victim.ID, key: ownerKey, body: `{"kind":"builtin"}`}).
			wantError(t, 400, "invalid", "kind")
		if after := stateHash(t, n); after != before {
			t.Errorf("state hash moved from %.12s to %.12s", before, after)
		}
	})

	t.Run("the agent is unchanged after every refused patch", func(t *testing.T) {
		var ab agentBody
		e.do(t, n, req{method: "GET", path: "/v1/agents/" + agent.ID}).want(t, 200).decode(t, &ab)
		if ab.Agent != agent {
			t.Errorf("agent is now %+v, want %+v", ab.Agent, agent)
		}
	})

	accepted := []struct {
		name string
		r    req
	}{
		{"a JSON content type with a charset is accepted",
			req{method: "POST", path: "/v1/owners", body: `{"name":"Charset"}`, contentType: "application/json; charset=utf-8"}},
		{"a 64-byte name is just short enough",
			req{method: "POST", path: "/v1/agents", key: ownerKey, body: `{"name":"` + long(64) + `"}`}},
		{"a webhook agent with an https URL is accepted",
			req{method: "POST", path: "/v1/agents", key: ownerKey, body: `{"name":"hook","kind":"webhook","webhook_url":"https://example.test/h?x=1"}`}},
		{"a body exactly at the limit is read whole",
			req{method: "POST", path: "/v1/owners", body: `{"name":"Pad"}` + strings.Repeat(" ", maxBody-len(`{"name":"Pad"}`))}},
	}
	for _, tc := range accepted {
		t.Run(tc.name, func(t *testing.T) {
			e.do(t, n, tc.r).want(t, http.StatusCreated)
		})
	}

	t.Run("the owner's record is unchanged by refused sign-ups", func(t *testing.T) {
		var ob ownerBody
		e.do(t, n, req{method: "GET", path: "/v1/owners/me", key: ownerKey}).want(t, 200).decode(t, &ob)
		if ob.Owner != owner {
			t.Errorf("owner is now %+v, want %+v", ob.Owner, owner)
		}
	})
}

func TestRouteAndQueryErrors(t *testing.T) {
	e := newEnv(t, 1, envConfig{})
	n := e.nodes[0]
	_, ownerKey := e.createOwner(t, n, "Erin")

	cases := []struct {
		name   string
		r      req
		status int
		code   string
		msg    string
	}{
		{"an unknown route is a JSON 404", req{method: "GET", path: "/v1/nope"}, 404, "not_found", "no route for GET /v1/nope"},
		{"an unknown route outside v1 is a JSON 404", req{method: "POST", path: "/admin", body: `{}`}, 404, "not_found", "no route for POST /admin"},
		{"PUT on an agent is a JSON 405", req{method: "PUT", path: "/v1/agents/ag_x", key: ownerKey, body: `{}`}, 405, "invalid", "method PUT is not allowed on /v1/agents/ag_x"},
		{"GET on join is a JSON 405", req{method: "GET", path: "/v1/cluster/join"}, 405, "invalid", "method GET is not allowed"},
		{"DELETE on owners/me is a JSON 405", req{method: "DELETE", path: "/v1/owners/me", key: ownerKey}, 405, "invalid", "not allowed"},
		{"an unknown consistency is refused", req{method: "GET", path: "/v1/agents?consistency=eventual"}, 400, "invalid", `consistency must be "local" or "linearizable", got "eventual"`},
		{"an unknown consistency on a single agent is refused", req{method: "GET", path: "/v1/agents/ag_x?consistency=strong"}, 400, "invalid", "consistency must be"},
		{"an unknown consistency on cluster status is refused", req{method: "GET", path: "/v1/cluster?consistency=LINEARIZABLE"}, 400, "invalid", "consistency must be"},
		{"a long consistency value is truncated in the message", req{method: "GET", path: "/v1/cluster?consistency=" + strings.Repeat("z", 500)}, 400, "invalid", "…"},
		{"an unknown consistency on a write is refused", req{method: "POST", path: "/v1/owners?consistency=bogus", body: `{"name":"Q"}`}, 400, "invalid", "consistency must be"},
		{"a zero limit is refused", req{method: "GET", path: "/v1/agents?limit=0"}, 400, "invalid", "limit must be an integer from 1 to 500"},
		{"a negative limit is refused", req{method: "GET", path: "/v1/agents?limit=-1"}, 400, "invalid", "limit must be an integer from 1 to 500"},
		{"a limit over 500 is refused", req{method: "GET", path: "/v1/agents?limit=501"}, 400, "invalid", "limit must be an integer from 1 to 500"},
		{"a non-numeric limit is refused", req{method: "GET", path: "/v1/agents?limit=ten"}, 400, "invalid", "limit must be an integer from 1 to 500"},
		{"a fractional limit is refused", req{method: "GET", path: "/v1/agents?limit=1.5"}, 400, "invalid", "limit must be an integer from 1 to 500"},
		{"an unknown agent is not found", req{method: "GET", path: "/v1/agents/ag_0000"}, 404, "not_found", "ag_0000"},
		{"a repeated query parameter is refused", req{method: "GET", path: "/v1/agents?limit=2&limit=3"}, 400, "invalid", `query parameter "limit" is given 2 times`},
		{"a repeated parameter on a write is refused", req{method: "POST", path: "/v1/owners?consistency=local&consistency=local", body: `{"name":"R"}`}, 400, "invalid", `"consistency" is given 2 times`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := stateHash(t, n)
			r := e.do(t, n, tc.r)
			r.wantError(t, tc.status, tc.code, tc.msg)
			if tc.status == 405 && r.header.Get("Allow") == "" {
				t.Error("405 without an Allow header")
			}
			if after := stateHash(t, n); after != before {
				t.Errorf("state hash moved from %.12s to %.12s", before, after)
			}
		})
	}

	t.Run("a truncated consistency value stays valid UTF-8", func(t *testing.T) {
		d := e.do(t, n, req{method: "GET", path: "/v1/cluster?consistency=" + strings.Repeat("z", 31) + "é"}).wantError(t, 400, "invalid")
		if strings.Contains(d.Message, `\x`) {
			t.Errorf("message %q carries half a rune", d.Message)
		}
	})

	t.Run("a browser asking for a page that does not exist gets the site's not-found page", func(t *testing.T) {
		for _, path := range []string{"/arenas/", "/contests/", "/no-such-page"} {
			r := e.do(t, n, req{method: "GET", path: path, header: map[string]string{"Accept": "text/html,application/xhtml+xml"}})
			if r.status != 404 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.body), "<html") {
				t.Errorf("GET %s from a browser: %d %s, want the HTML shell with 404", path, r.status, r.header.Get("Content-Type"))
			}
		}
		e.do(t, n, req{method: "GET", path: "/no-such-page"}).wantError(t, 404, "not_found", "no route for GET /no-such-page")
		// The client follows the redirect to the icon.
		if r := e.do(t, n, req{method: "GET", path: "/favicon.ico"}); r.status != 200 || r.header.Get("Content-Type") != "image/svg+xml" {
			t.Errorf("GET /favicon.ico: %d %q, want the icon", r.status, r.header.Get("Content-Type"))
		}
	})

	t.Run("the JSON media type is matched case-insensitively", func(t *testing.T) {
		e.do(t, n, req{method: "POST", path: "/v1/owners", body: `{"name":"Caps"}`, contentType: "Application/JSON"}).want(t, 201)
	})

	t.Run("limits at the bounds are accepted", func(t *testing.T) {
		for _, q := range []string{"limit=1", "limit=500", "consistency=local", "consistency=linearizable"} {
			e.do(t, n, req{method: "GET", path: "/v1/agents?" + q}).want(t, 200)
		}
	})
}
