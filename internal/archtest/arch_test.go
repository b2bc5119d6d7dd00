package archtest

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/agentarena/arena"

type pkg struct {
	ImportPath string
	Imports    []string // direct, non-test
	Deps       []string // transitive, non-test
}

// load lists every package of the module with `go list`, which sees the
// same build as `go build` (no test files, default tags).
func load(t *testing.T) map[string]pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs[rel(p.ImportPath)] = p
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

// rel turns an import path into a path inside the module ("" for others).
func rel(path string) string {
	if path == module {
		return "."
	}
	if r, ok := strings.CutPrefix(path, module+"/"); ok {
		return r
	}
	return ""
}

// under reports whether a module-relative path is dir or inside it.
func under(path string, dirs ...string) bool {
	for _, d := range dirs {
		if path == d || strings.HasPrefix(path, d+"/") {
			return true
		}
	}
	return false
}

func ours(paths []string) []string {
	var out []string
	for _, p := range paths {
		if r := rel(p); r != "" {
			out = append(out, r)
		}
	}
	return out
}

// TestDomainPackagesKnowNoNodeTransportOrCommand: dependencies point one
// way. A domain package that reached up into the node, the HTTP layer or a
// binary would drag Raft and HTTP into pure rules and maths.
func TestDomainPackagesKnowNoNodeTransportOrCommand(t *testing.T) {
	domain := []string{"games", "task", "judges", "ranking", "ledger", "matchmaking", "agents"}
	for name, p := range load(t) {
		if !under(name, domain...) {
			continue
		}
		for _, d := range ours(p.Deps) {
			if under(d, "arena", "web", "cmd") {
				t.Errorf("domain package %s depends on %s", name, d)
			}
		}
	}
}

// TestStateMachineImportsNoNetworkClient: the state machine applies the
// log inside Raft's apply; nothing in its import closure may call out to a
// model server, a webhook or any HTTP endpoint.
func TestStateMachineImportsNoNetworkClient(t *testing.T) {
	pkgs := load(t)
	p, ok := pkgs["arena"]
	if !ok {
		t.Fatal("no package arena")
	}
	if slices.Contains(p.Imports, "net/http") {
		t.Error("package arena imports net/http")
	}
	for _, d := range ours(p.Deps) {
		if under(d, "llm", "client", "web", "cmd", "judges/aijudge", "agents/webhook", "agents/openai", "arena/runner") {
			t.Errorf("package arena depends on %s", d)
		}
	}
}

// TestWebKnowsNoGame: adding a game means adding a package under games/,
// never editing the transport.
func TestWebKnowsNoGame(t *testing.T) {
	for name, p := range load(t) {
		if !under(name, "web") {
			continue
		}
		for _, d := range ours(p.Imports) {
			if under(d, "games") {
				t.Errorf("%s imports %s", name, d)
			}
		}
	}
}

// TestNothingImportsACommandOrTheTransportFromBelow: cmd packages are
// leaves; only cmd and test helpers may import web.
func TestNothingImportsACommandOrTheTransportFromBelow(t *testing.T) {
	for name, p := range load(t) {
		for _, d := range ours(p.Imports) {
			if under(d, "cmd") {
				t.Errorf("%s imports the command %s", name, d)
			}
			if under(d, "web") && !under(name, "web", "cmd", "client/clienttest") {
				t.Errorf("%s imports the transport %s", name, d)
			}
			if under(d, "arena") && under(name, "games", "task", "judges", "ranking", "ledger", "matchmaking", "agents") {
				t.Errorf("domain package %s imports %s", name, d)
			}
		}
	}
}

// TestReadmeLayoutListsEveryTopLevelDirectory: the README's layout table
// is where a newcomer learns the tree; a new top-level directory that is
// missing from it is a directory nobody was told about.
func TestReadmeLayoutListsEveryTopLevelDirectory(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, layout, ok := strings.Cut(string(readme), "## Layout")
	if !ok {
		t.Fatal("README has no Layout section")
	}
	layout, _, _ = strings.Cut(layout, "\n## ")
	// Only what git tracks: a local output folder (data/, a trainer's
	// -out) is nobody's layout.
	out, err := exec.Command("git", "-C", "../..", "ls-files").Output()
	if err != nil {
		t.Skipf("git ls-files: %v", err)
	}
	dirs := map[string]bool{}
	for _, f := range strings.Split(string(out), "\n") {
		if dir, _, ok := strings.Cut(f, "/"); ok && !strings.HasPrefix(dir, ".") {
			dirs[dir] = true
		}
	}
	for name := range dirs {
		if !strings.Contains(layout, "| `"+name+"/`") {
			t.Errorf("README's layout table has no row for %s/", name)
		}
	}
}
