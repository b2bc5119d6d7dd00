package web

import (
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/internal/fuzzseed"
)

// requestBodies lists every type a handler decodes a request body into
// with readJSON. TestRequestBodiesCoverEveryHandler keeps it complete.
var requestBodies = []struct {
	name  string // the type as the handler spells it
	new   func() any
	seeds []string
}{
	{"createOwnerReq", func() any { return new(createOwnerReq) }, []string{`{"name":"ann","email":"a@example.test"}`}},
	{"createAgentReq", func() any { return new(createAgentReq) }, []string{
		`{"name":"hook","kind":"webhook","webhook_url":"https://example.test/h"}`,
		`{"name":"m","kind":"model","endpoint":{"base_url":"http://127.0.0.1:8000/v1","model":"x","temperature":0.7,"max_tokens":64},"api_key":"sk"}`,
		`{"name":"m","endpoint":null}`, `{"name":"m","endpoint":{}}`}},
	{"patchAgentReq", func() any { return new(patchAgentReq) }, []string{`{"name":null}`, `{"description":"d","api_key":""}`, `{"endpoint":{"top_p":1e-320}}`}},
	{"joinReq", func() any { return new(joinReq) }, []string{`{"node_id":"n2","raft_addr":"127.0.0.1:7001","http_addr":"127.0.0.1:8081"}`}},
	{"abortReq", func() any { return new(abortReq) }, []string{`{"reason":"stuck"}`}},
	{"putArenaReq", func() any { return new(putArenaReq) }, []string{
		`{"game":"prompt","seats":3,"move_deadline_ms":30000,"rewards":[60,30,10],"judges":["rubric","ai"],"injection":"flag_only"}`,
		`{"game":"connect4","grace_ms":null,"options":{"a":[1,2.5,"x",null,true]},"elo_k":1e308}`,
		`{"options":-0}`, `{"seats":9223372036854775808}`}},
	{"queueReq", func() any { return new(queueReq) }, []string{`{"arena":"connect4"}`}},
	{"grantReq", func() any { return new(grantReq) }, []string{`{"id":"g1","owner_id":"ow_1","amount":-5,"memo":"m"}`}},
	{"ledgerSettingsReq", func() any { return new(ledgerSettingsReq) }, []string{`{"starting_grant":100000,"currency":"ARC"}`, `{"currency":"ARC"}`, `{"starting_grant":null}`}},
	{"createTrainerReq", func() any { return new(createTrainerReq) }, []string{`{"name":"t"}`}},
	{"rotateTokenReq", func() any { return new(rotateTokenReq) }, []string{`{"generate":true}`, `{"token":"arop_0123456789abcdefghijklmnopqrstuvwx"}`, `{"token":"x","generate":true}`}},
}

// commonBodySeeds are malformed in every way a body can be, for any type.
var commonBodySeeds = []string{
	``, ` `, `{`, `}`, `null`, `true`, `[]`, `"x"`, `0`, `-1`, `{}`, `{} `, `{}{}`, `{}x`, `{"a":1}`,
	`{"name":"\u0000"}`, `{"name":"\ud800"}`, "{\"name\":\"\xff\xfe\"}", `{"name":1e999}`, `{"NAME":"x"}`,
	`{"name":"a","name":"b"}`, strings.Repeat("[", 300) + strings.Repeat("]", 300), "\xef\xbb\xbf{}",
}

// FuzzRequestBodies decodes arbitrary bytes into every request body type
// (kind picks one, modulo the list) through decodeStrict, the decoder
// every handler uses. No panic; a refusal is an invalid error with a
// message, the same for the same bytes; an accepted body re-encodes to a
// body that decodes to an equal value.
func FuzzRequestBodies(f *testing.F) {
	for k, b := range requestBodies {
		for _, s := range append(slices.Clone(b.seeds), commonBodySeeds...) {
			fuzzseed.Add(f, k, []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, kind int, body []byte) {
		if kind < 0 {
			kind = -(kind + 1)
		}
		b := requestBodies[kind%len(requestBodies)]
		v := b.new()
		err := decodeStrict(body, v)
		if err != nil {
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.Invalid || ae.Message == "" {
				t.Fatalf("%s: refusal %v is not an invalid error with a message", b.name, err)
			}
			if err2 := decodeStrict(body, b.new()); err2 == nil || err2.Error() != err.Error() {
				t.Fatalf("%s: refused %q as %v, then as %v", b.name, body, err, err2)
			}
			return
		}
		again, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: re-encode %+v: %v", b.name, v, err)
		}
		v2 := b.new()
		if err := decodeStrict(again, v2); err != nil {
			t.Fatalf("%s: own encoding %s refused: %v", b.name, again, err)
		}
		if !reflect.DeepEqual(v, v2) {
			t.Fatalf("%s: round trip changed %+v into %+v", b.name, v, v2)
		}
	})
}

// TestRequestBodiesCoverEveryHandler finds every readJSON call in the
// package's handlers and checks the type it decodes into is fuzzed, so a
// new request body cannot be left out of FuzzRequestBodies.
func TestRequestBodiesCoverEveryHandler(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	var used []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			fn, ok := n.(*ast.FuncDecl)
			if !ok && n != nil {
				if lit, ok := n.(*ast.FuncLit); ok {
					used = append(used, readJSONTypes(t, fset, lit.Body)...)
					return false
				}
				return true
			}
			if fn != nil && fn.Body != nil {
				used = append(used, readJSONTypes(t, fset, fn.Body)...)
			}
			return false
		})
	}
	if len(used) == 0 {
		t.Fatal("found no readJSON calls: has the decoder been renamed?")
	}
	for _, typ := range used {
		if !slices.ContainsFunc(requestBodies, func(b struct {
			name  string
			new   func() any
			seeds []string
		}) bool {
			return b.name == typ
		}) {
			t.Errorf("request body %s is decoded by a handler but not fuzzed: add it to requestBodies", typ)
		}
	}
}

// readJSONTypes returns the declared types of the variables body passes
// to readJSON (var x T ... s.readJSON(c, &x)).
func readJSONTypes(t *testing.T, fset *token.FileSet, body *ast.BlockStmt) []string {
	decl := map[string]string{}
	var out []string
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ValueSpec:
			for _, id := range n.Names {
				if n.Type != nil {
					decl[id.Name] = exprString(n.Type)
				}
			}
		case *ast.CallExpr:
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "readJSON" || len(n.Args) != 2 {
				return true
			}
			var typ string
			if u, ok := n.Args[1].(*ast.UnaryExpr); ok {
				if id, ok := u.X.(*ast.Ident); ok {
					typ = decl[id.Name]
				}
			}
			if typ == "" {
				t.Errorf("%s: readJSON into something other than a declared variable", fset.Position(n.Pos()))
				return true
			}
			out = append(out, typ)
			return true
		}
		return true
	})
	return out
}

func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return exprString(e.X) + "." + e.Sel.Name
	}
	return "?"
}

// FuzzPreferenceQuery parses arbitrary query strings as a preference
// export request. No panic; a refusal is an invalid error, the same for
// the same query; an accepted filter is within its documented bounds and
// survives being written back into a query and parsed again.
func FuzzPreferenceQuery(f *testing.F) {
	for _, s := range []string{
		``, `format=trl`, `format=messages&limit=1`, `format=full&arena=prompt&agent=ag_1&since=42&limit=10000`,
		`min_margin=0.25&min_agreement=-1&exclude_flagged=true`, `min_margin=-1&min_agreement=1&exclude_flagged=0`,
		`format=xml`, `limit=0`, `limit=10001`, `limit=-5`, `limit=1e3`, `since=-1`, `since=18446744073709551616`,
		`since=18446744073709551615`, `min_margin=NaN`, `min_margin=nan`, `min_agreement=NaN`, `min_margin=+Inf`,
		`min_margin=1.0000001`, `min_margin=0x1p-2`, `min_agreement=1e-400`, `exclude_flagged=yes`, `exclude_flagged=T`,
		`exclude_flagged=chosen`, `exclude_flagged=Chosen`, `exclude_flagged=chosen&exclude_flagged=true`,
		`chosen_passed=true`, `chosen_passed=1&exclude_flagged=chosen`, `chosen_passed=passed`,
		`arena=%ff&agent=%00`, `arena=a&arena=b`, `limit=5;x=1`, `%zz`, `format=trl&format=full`, `min_margin=`,
		`min_marign=0.5`, `cursor=3`, `consistency=linearizable&limit=2`,
	} {
		fuzzseed.Add(f, s)
	}
	gin.SetMode(gin.ReleaseMode) // as NewServer does; quiets gin's debug banner
	f.Fuzz(func(t *testing.T, raw string) {
		got, format, err := parseQuery(raw)
		if err != nil {
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.Invalid || ae.Message == "" {
				t.Fatalf("refusal %v is not an invalid error with a message", err)
			}
			if _, _, err2 := parseQuery(raw); err2 == nil || err2.Error() != err.Error() {
				t.Fatalf("refused %q as %v, then as %v", raw, err, err2)
			}
			return
		}
		if format != "full" && format != "trl" && format != "messages" {
			t.Fatalf("accepted format %q", format)
		}
		if got.Limit < 1 || got.Limit > maxPreferencePage {
			t.Fatalf("accepted limit %d", got.Limit)
		}
		if !(got.MinMargin >= -1 && got.MinMargin <= 1) {
			t.Fatalf("accepted min_margin %v from %q", got.MinMargin, raw)
		}
		if a := got.MinAgreement; a != nil && !(*a >= -1 && *a <= 1) {
			t.Fatalf("accepted min_agreement %v from %q", *a, raw)
		}
		q := url.Values{}
		q.Set("format", format)
		q.Set("arena", got.Arena)
		q.Set("agent", got.Agent)
		q.Set("since", strconv.FormatUint(got.Since, 10))
		q.Set("limit", strconv.Itoa(got.Limit))
		q.Set("min_margin", strconv.FormatFloat(got.MinMargin, 'g', -1, 64))
		if got.MinAgreement != nil {
			q.Set("min_agreement", strconv.FormatFloat(*got.MinAgreement, 'g', -1, 64))
		}
		if got.ExcludeFlagged && got.ExcludeChosenFlagged {
			t.Fatalf("%q set both exclusions", raw)
		}
		q.Set("exclude_flagged", strconv.FormatBool(got.ExcludeFlagged))
		if got.ExcludeChosenFlagged {
			q.Set("exclude_flagged", "chosen")
		}
		q.Set("chosen_passed", strconv.FormatBool(got.ChosenPassed))
		again, format2, err := parseQuery(q.Encode())
		if err != nil {
			t.Fatalf("own query %q refused: %v", q.Encode(), err)
		}
		if format2 != format || !reflect.DeepEqual(got, again) {
			t.Fatalf("round trip changed %+v (%s) into %+v (%s)", got, format, again, format2)
		}
	})
}

// parseQuery runs parsePreferenceQuery on a request with the raw query.
func parseQuery(raw string) (arena.PreferenceFilter, string, error) {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/v1/preferences", RawQuery: raw}, Header: http.Header{}}
	return parsePreferenceQuery(c)
}
