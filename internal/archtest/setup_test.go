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
	deps, tests := strings.Index(plan, "scripts/browser-deps.sh"), strings.Index(plan, " test ")
	if deps < 0 || tests < 0 || deps > tests {
		t.Fatalf("make test does not run scripts/browser-deps.sh before the tests:\n%s", plan)
	}
}
