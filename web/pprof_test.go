package web_test

import (
	"strings"
	"testing"

	"github.com/agentarena/arena/arena/arenatest"
)

// The profiles are the operator's alone, and absent unless switched on.
func TestPprofOperatorOnly(t *testing.T) {
	on := newEnv(t, 1, envConfig{pprof: true})
	off := newEnv(t, 1, envConfig{})
	_, ownerKey := on.createOwner(t, on.nodes[0], "prof")
	cases := []struct {
		name   string
		env    *env
		path   string
		key    string
		status int
		code   string
		body   string // a substring of a 200 body
	}{
		{"index for the operator", on, "/debug/pprof/", arenatest.OperatorToken, 200, "", "goroutine"},
		{"a named profile for the operator", on, "/debug/pprof/goroutine?debug=1", arenatest.OperatorToken, 200, "", "goroutine profile"},
		{"cmdline for the operator", on, "/debug/pprof/cmdline", arenatest.OperatorToken, 200, "", ""},
		{"an unknown profile", on, "/debug/pprof/nope", arenatest.OperatorToken, 404, "not_found", ""},
		{"no key", on, "/debug/pprof/", "", 401, "unauthorized", ""},
		{"no key, a named profile", on, "/debug/pprof/heap", "", 401, "unauthorized", ""},
		{"an owner key", on, "/debug/pprof/heap", ownerKey, 403, "forbidden", ""},
		{"a wrong token", on, "/debug/pprof/", "arop_not-the-token", 401, "unauthorized", ""},
		{"off: the operator gets 404", off, "/debug/pprof/", arenatest.OperatorToken, 404, "not_found", ""},
		{"off: a named profile is 404", off, "/debug/pprof/heap", arenatest.OperatorToken, 404, "not_found", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.env.do(t, tc.env.nodes[0], req{method: "GET", path: tc.path, key: tc.key})
			if tc.status != 200 {
				r.wantError(t, tc.status, tc.code)
				return
			}
			r.want(t, 200)
			if !strings.Contains(string(r.body), tc.body) {
				t.Fatalf("body lacks %q: %.300s", tc.body, r.body)
			}
		})
	}
}
