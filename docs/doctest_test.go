// Package docs_test keeps the examples in the docs honest: it runs the
// marked requests and the documented arenactl commands against a real
// node and compares what the docs show with what the node answers.
//
// A JSON example in API.md is checked when a comment precedes it:
//
//	<!-- doctest: GET /v1/arenas/connect4 select=arena -->
//	```json
//	{...}
//	```
//
// The request (method and path, with {placeholders} for ids the test
// creates) runs as anonymous, or with auth=owner / auth=operator; body=
// is the JSON body (the rest of the line); select= picks one field of the
// answer. The example and the answer must have the same shape: the same
// keys (a "..." key stands for keys left out), and at each key the same
// JSON type (a "..." value stands for any). Arrays compare their first
// elements. Values may differ: ids, times and ratings change run to run.
// optional=a.b,c names keys the server omits when empty (a panel's
// agreement on a single judge's verdict): shown, but not always sent.
package docs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/agents/bots"
	"github.com/agentarena/arena/agents/secrets"
	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/arena/runner"
	"github.com/agentarena/arena/client/clienttest"
	"github.com/agentarena/arena/internal/egress"
	"github.com/agentarena/arena/judges"
	"github.com/agentarena/arena/web"
)

// live is a running node and the ids the docs' placeholders stand for.
type live struct {
	url      string
	ownerKey string
	ids      map[string]string
}

func startNode(t *testing.T) *live {
	t.Helper()
	c := arenatest.NewCluster(t, 1)
	var list []runner.Bot
	for _, name := range []string{"c4-greedy", "c4-random", "txt-careful", "txt-echo"} {
		b, ok := bots.Lookup(name, 1)
		if !ok {
			t.Fatalf("no bot %s", name)
		}
		list = append(list, b)
	}
	key, _ := secrets.NewKey()
	sealer, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	r := runner.New(runner.Config{Node: c.Nodes[0], Bots: list, Tick: 20 * time.Millisecond, SeedDefaults: true, AgentEgress: egress.Any,
		Judges: map[string]runner.Judge{"rubric": judges.NewRubricJudge()}, Sealer: sealer})
	url := clienttest.ServeWithRunner(t, r, web.Config{Node: c.Nodes[0], Sealer: sealer, AgentEgress: egress.Any})
	l := &live{url: url, ids: map[string]string{}}
	c.Eventually(10*time.Second, func() error {
		_, err := c.Nodes[0].Arena("prompt")
		return err
	})
	var owner struct {
		APIKey string `json:"api_key"`
	}
	l.must(t, "POST", "/v1/owners", "", `{"name":"docs","email":"docs@example.com"}`, &owner)
	l.ownerKey = owner.APIKey
	var agent struct {
		Agent struct {
			ID string `json:"id"`
		} `json:"agent"`
	}
	l.must(t, "POST", "/v1/agents", l.ownerKey, `{"name":"chess-bot","description":"plays chess","kind":"webhook","webhook_url":"https://bots.example.com/chess"}`, &agent)
	l.ids["webhook_agent"] = agent.Agent.ID
	l.must(t, "POST", "/v1/agents", l.ownerKey, `{"name":"queued-bot"}`, &agent)
	l.ids["queue_agent"] = agent.Agent.ID
	// A settled judged prompt contest and a few connect4 games between the
	// bots, for the contest, verdict and rating examples.
	// Polled every 100 ms: the HTTP API's per-address rate limit is
	// 100 requests a second.
	var waitErr error
	for start := time.Now(); time.Since(start) < 60*time.Second; time.Sleep(100 * time.Millisecond) {
		if waitErr = func() error {
			var page struct {
				Contests []struct {
					ID string `json:"id"`
				} `json:"contests"`
			}
			l.must(t, "GET", "/v1/contests?arena=prompt&status=settled", "", "", &page)
			if len(page.Contests) == 0 {
				return fmt.Errorf("no settled prompt contest yet")
			}
			l.ids["prompt_contest"] = page.Contests[0].ID
			l.must(t, "GET", "/v1/contests?arena=connect4&status=settled", "", "", &page)
			if len(page.Contests) < 2 {
				return fmt.Errorf("fewer than 2 settled connect4 contests")
			}
			return nil
		}(); waitErr == nil {
			break
		}
	}
	if waitErr != nil {
		t.Fatalf("the bots did not play: %v", waitErr)
	}
	return l
}

func (l *live) do(t *testing.T, method, path, key, body string) (int, []byte) {
	t.Helper()
	res, b := clienttest.Do(t, method, l.url+path, key, body, nil)
	return res.StatusCode, b
}

func (l *live) must(t *testing.T, method, path, key, body string, out any) {
	t.Helper()
	code, b := l.do(t, method, path, key, body)
	if code >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, code, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// example is one marked JSON block of a doc.
type example struct {
	line                    int
	method, path, auth, sel string
	body                    string
	json                    string
	// optional lists the keys (dotted paths, as in a diff) that the
	// server leaves out when empty: shown in the docs, absent at times.
	optional []string
}

var markRe = regexp.MustCompile(`^<!-- doctest: (\S+) (\S+)(.*) -->$`)

func examples(t *testing.T, file string) []example {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	var out []example
	for i := 0; i < len(lines); i++ {
		m := markRe.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		ex := example{line: i + 1, method: m[1], path: m[2]}
		rest := strings.TrimSpace(m[3])
		if at := strings.Index(rest, "body="); at >= 0 {
			ex.body, rest = rest[at+len("body="):], rest[:at]
		}
		for _, f := range strings.Fields(rest) {
			k, v, _ := strings.Cut(f, "=")
			switch k {
			case "auth":
				ex.auth = v
			case "select":
				ex.sel = v
			case "optional":
				ex.optional = strings.Split(v, ",")
			default:
				t.Fatalf("%s:%d: unknown doctest option %q", file, i+1, k)
			}
		}
		if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "```json") {
			t.Fatalf("%s:%d: a doctest mark must be followed by a ```json block", file, i+1)
		}
		var b strings.Builder
		for i += 2; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
			b.WriteString(lines[i] + "\n")
		}
		ex.json = b.String()
		out = append(out, ex)
	}
	return out
}

// TestAPIExamplesHaveTheServersShape runs every marked request of API.md
// against a live node and compares the shapes.
func TestAPIExamplesHaveTheServersShape(t *testing.T) {
	exs := examples(t, "API.md")
	if len(exs) < 10 {
		t.Fatalf("found %d marked examples in API.md, want at least 10", len(exs))
	}
	l := startNode(t)
	for _, ex := range exs {
		t.Run(fmt.Sprintf("API.md:%d %s %s", ex.line, ex.method, ex.path), func(t *testing.T) {
			var doc any
			if err := json.Unmarshal([]byte(ex.json), &doc); err != nil {
				t.Fatalf("the example is not JSON: %v\n%s", err, ex.json)
			}
			path := ex.path
			for k, v := range l.ids {
				path = strings.ReplaceAll(path, "{"+k+"}", v)
			}
			key := map[string]string{"": "", "owner": l.ownerKey, "operator": arenatest.OperatorToken}[ex.auth]
			code, body := l.do(t, ex.method, path, key, ex.body)
			if code >= 300 {
				t.Fatalf("%s %s answered %d: %s", ex.method, path, code, body)
			}
			var got any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("answer is not JSON: %v", err)
			}
			if ex.sel != "" {
				m, _ := got.(map[string]any)
				got = m[ex.sel]
			}
			var all, diffs []string
			sameShape("", doc, got, &all)
			for _, d := range all {
				k, _, _ := strings.Cut(d, ":")
				if !slices.Contains(ex.optional, k) || !strings.Contains(d, "the server does not send it") {
					diffs = append(diffs, d)
				}
			}
			if len(diffs) > 0 {
				live, _ := json.MarshalIndent(got, "", "  ")
				t.Errorf("the example's shape differs from the server's:\n  %s\nthe server answered:\n%s", strings.Join(diffs, "\n  "), live)
			}
		})
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// sameShape appends to diffs where doc and got differ in keys or types.
func sameShape(at string, doc, got any, diffs *[]string) {
	if s, ok := doc.(string); ok && (s == "..." || strings.HasSuffix(s, "...") && jsonType(got) != "string" && jsonType(got) != "null") {
		return // a placeholder: anything goes
	}
	if jsonType(doc) != jsonType(got) {
		*diffs = append(*diffs, fmt.Sprintf("%s: the docs show %s, the server sends %s", cmpName(at), jsonType(doc), jsonType(got)))
		return
	}
	switch d := doc.(type) {
	case map[string]any:
		g := got.(map[string]any)
		_, open := d["..."]
		for _, k := range slices.Sorted(maps.Keys(d)) {
			if k == "..." {
				continue
			}
			gv, ok := g[k]
			if !ok {
				*diffs = append(*diffs, fmt.Sprintf("%s: the docs show it, the server does not send it", cmpName(at+"."+k)))
				continue
			}
			sameShape(at+"."+k, d[k], gv, diffs)
		}
		if !open {
			for _, k := range slices.Sorted(maps.Keys(g)) {
				if _, ok := d[k]; !ok {
					*diffs = append(*diffs, fmt.Sprintf("%s: the server sends it, the docs do not show it", cmpName(at+"."+k)))
				}
			}
		}
	case []any:
		g := got.([]any)
		if len(d) > 0 && len(g) > 0 {
			sameShape(at+"[0]", d[0], g[0], diffs)
		}
	}
}

func cmpName(at string) string {
	if at == "" {
		return "the answer"
	}
	return strings.TrimPrefix(at, ".")
}

// TestArenactlArenaListIsWhatTheDocsShow runs `arenactl arena list`
// against a fresh node: the default arenas are the docs' table, exactly.
func TestArenactlArenaListIsWhatTheDocsShow(t *testing.T) {
	data, err := os.ReadFile("API.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(data), "$ arenactl arena list\n")
	if !ok {
		t.Fatal("API.md shows no `arenactl arena list`")
	}
	var want []string
	for _, line := range strings.Split(after, "\n") {
		if strings.HasPrefix(line, "$") || strings.HasPrefix(line, "```") {
			break
		}
		want = append(want, line)
	}
	bin := filepath.Join(t.TempDir(), "arenactl")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/arenactl").CombinedOutput(); err != nil {
		t.Fatalf("build arenactl: %v\n%s", err, out)
	}
	c := arenatest.NewCluster(t, 1)
	r := runner.New(runner.Config{Node: c.Nodes[0], Tick: 20 * time.Millisecond, SeedDefaults: true, AgentEgress: egress.Any})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	c.Eventually(10*time.Second, func() error {
		_, err := c.Nodes[0].Arena("verifiable")
		return err
	})
	srv := httptest.NewServer(web.New(web.Config{Node: c.Nodes[0], Runner: r, AgentEgress: egress.Any}).Handler())
	defer srv.Close()
	cmd := exec.Command(bin, "arena", "list")
	cmd.Env = append(os.Environ(), "ARENA_SERVER="+srv.URL)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("arenactl arena list: %v\n%s", err, stderr.String())
	}
	got := strings.Split(strings.TrimRight(stdout.String(), "\n"), "\n")
	if !slices.Equal(got, want) {
		t.Errorf("`arenactl arena list` prints\n%s\nAPI.md shows\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
