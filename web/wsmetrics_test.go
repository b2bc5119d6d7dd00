package web_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// metricsAfterEvents are series docs/alerts.yml uses that a fresh node
// does not export yet: labelled families appear with their first child.
// Each must still be declared in the code (a string literal in a .go file).
var metricsAfterEvents = map[string]string{
	"arena_fsm_commands_total":      "counted per command type once one is applied",
	"arena_judge_errors_total":      "counted per judge at its first error",
	"arena_judge_seconds":           "observed per judge at its first verdict",
	"arena_fsm_apply_batch_seconds": "observed at the first applied batch",
	"arena_runner_event_backlog":    "exported by the contest runner, which this test's nodes do not run",
	"arena_judge_given_up_total":    "exported by the contest runner (TestJudgeFlagsReachTheRunner checks arena serve's /metrics)",
	"arena_judge_failures_total":    "counted per judge and kind at a judge's first failure",
}

// TestOperatorMetricsAreExported checks that /metrics carries the series
// docs/alerts.yml alerts on (those that exist before any event happens).
func TestOperatorMetricsAreExported(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1, envConfig{})
	body := string(e.do(t, e.nodes[0], req{method: "GET", path: "/metrics"}).want(t, 200).body)
	for _, name := range []string{
		`arena_websocket_connections{kind="spectator"}`,
		`arena_contests_active{status="running"}`,
		`arena_contests_active{status="judging"}`,
		"arena_raft_last_snapshot_index",
		"arena_raft_leader_changes_observed",
	} {
		if !strings.Contains(body, "\n"+name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}

	// Every series an alert rule names must exist, or the rule can never
	// fire: a renamed metric would silently disable its alert.
	rules, err := os.ReadFile(filepath.Join("..", "docs", "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	source := goSource(t, "..")
	used := map[string]bool{}
	for _, name := range regexp.MustCompile(`\barena_[a-z_]+`).FindAllString(string(rules), -1) {
		name = strings.TrimSuffix(name, "_bucket")
		used[name] = true
		if strings.Contains(body, "\n"+name+" ") || strings.Contains(body, "\n"+name+"{") || strings.Contains(body, "\n"+name+"_bucket{") {
			continue
		}
		if _, ok := metricsAfterEvents[name]; !ok {
			t.Errorf("docs/alerts.yml uses %s, which /metrics does not carry", name)
		} else if !strings.Contains(source, `"`+name+`"`) {
			t.Errorf("docs/alerts.yml uses %s, which no Go file declares", name)
		}
	}
	// Command types the rules select must be real command types.
	for _, m := range regexp.MustCompile(`type=~?"([^"]+)"`).FindAllStringSubmatch(string(rules), -1) {
		for _, typ := range strings.Split(m[1], "|") {
			if !strings.Contains(source, `"`+typ+`"`) {
				t.Errorf("docs/alerts.yml selects command type %q, which no Go file declares", typ)
			}
		}
	}
	for name := range metricsAfterEvents {
		if !used[name] {
			t.Errorf("metricsAfterEvents lists %s, which docs/alerts.yml does not use", name)
		}
	}
}

// goSource concatenates the non-test Go files under root.
func goSource(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".cache" || d.Name() == "data" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			b.Write(data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
