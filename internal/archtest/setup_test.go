package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

// TestMakeTestInstallsWhatItsTestsNeed: the README promises that `make
// test` alone runs the suite on a fresh machine, so it must install the
// browser the browser tests drive before it runs them (.ci/run used to
// be the only place that did).
func TestMakeTestInstallsWhatItsTestsNeed(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	out, err := exec.Command("make", "-C", "../..", "-n", "test").CombinedOutput()
	if err != nil {
		t.Fatalf("make -n test: %v\n%s", err, out)
	}
	plan := string(out)
	deps, tests := strings.Index(plan, "scripts/browser-deps.sh"), strings.Index(plan, "scripts/go-test.sh")
	if tests < 0 {
		tests = strings.Index(plan, " test ")
	}
	if deps < 0 || tests < 0 || deps > tests {
		t.Fatalf("make test does not run scripts/browser-deps.sh before the tests:\n%s", plan)
	}
}

// TestGoAgentExampleStandsAlone: an outside developer copies
// examples/go-agent out of the repository, so neither it nor its tests may
// import the arena's own packages (only the standard library and
// gorilla/websocket).
func TestGoAgentExampleStandsAlone(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{join .Imports \"\\n\"}}\n{{join .TestImports \"\\n\"}}\n{{join .XTestImports \"\\n\"}}",
		module+"/examples/go-agent").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, imp := range strings.Fields(string(out)) {
		if strings.HasPrefix(imp, module) || (strings.Contains(imp, ".") && imp != "github.com/gorilla/websocket") {
			t.Errorf("examples/go-agent imports %s", imp)
		}
	}
}
