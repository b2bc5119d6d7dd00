package runner_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/agentarena/arena/agents/bots"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/arena/runner"
	"github.com/agentarena/arena/judges"
	"github.com/agentarena/arena/judges/aijudge"
	"github.com/agentarena/arena/llm"
	"github.com/agentarena/arena/llm/llmtest"
)

// judgeRig is a one-node cluster whose prompt arena is judged by the AI
// judge over a fake model server, played by two text bots: with one
// contest per agent at a time, one contest runs or judges at a time.
type judgeRig struct {
	c   *arenatest.Cluster
	srv *llmtest.Server
	reg *prometheus.Registry
}

// startJudgeRig starts the rig; key is the judge's API key (llmtest
// answers any but llmtest.APIKey with 401 invalid_api_key) and edit
// sets the runner's judging bounds.
func startJudgeRig(t *testing.T, key string, stream bool, h func(llmtest.Request) llmtest.Reply, edit func(*runner.Config)) *judgeRig {
	t.Helper()
	rig := &judgeRig{c: arenatest.NewCluster(t, 1), srv: llmtest.NewServer(h), reg: prometheus.NewRegistry()}
	t.Cleanup(rig.srv.Close)
	client, err := llm.New(llm.Config{BaseURL: rig.srv.BaseURL(), Model: "judge-model", APIKey: key})
	if err != nil {
		t.Fatal(err)
	}
	ai, err := aijudge.New(aijudge.Config{Client: client, Stream: stream, Backoff: time.Millisecond, MaxBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ar := arena.DefaultArenas()[1]
	ar.Judges = []string{"ai"}
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := rig.c.Nodes[0].PutArena(ctx, ar); err != nil {
		cancel()
		t.Fatal(err)
	}
	var list []runner.Bot
	for _, name := range []string{"txt-careful", "txt-terse"} {
		b, _ := bots.Lookup(name, 1)
		list = append(list, b)
	}
	cfg := runner.Config{Node: rig.c.Nodes[0], Bots: list, Tick: 20 * time.Millisecond, SeedDefaults: true,
		Judges: map[string]runner.Judge{"rubric": judges.NewRubricJudge(), "ai": ai}, Registerer: rig.reg}
	edit(&cfg)
	r := runner.New(cfg)
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return rig
}

// ended waits for the first prompt contest that ended and returns it.
func (rig *judgeRig) ended(t *testing.T) arena.Contest {
	t.Helper()
	var out arena.Contest
	rig.c.Eventually(60*time.Second, func() error {
		for _, st := range []string{arena.StatusAborted, arena.StatusSettled} {
			list, _, err := rig.c.Nodes[0].Contests(arena.ContestFilter{Arena: "prompt", Status: st})
			if err != nil {
				return err
			}
			if len(list) > 0 {
				out = list[len(list)-1] // the oldest
				return nil
			}
		}
		n := len(rig.srv.Requests())
		return fmt.Errorf("no prompt contest ended yet (%d requests to the model server)", n)
	})
	return out
}

// gaveUp reads arena_judge_given_up_total{error=kind}.
func (rig *judgeRig) gaveUp(t *testing.T, kind string) float64 {
	t.Helper()
	mfs, err := rig.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "arena_judge_given_up_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "error" && l.GetValue() == kind {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no arena_judge_given_up_total{error=%q} series", kind)
	return 0
}

// TestJudgingIsGivenUpPastItsBound runs prompt contests against a model
// server that never gives a verdict, as an operator meets it: a wrong
// key, a model the server does not serve (streamed), a server failing
// with 503, and one slower than the judging timeout. Each contest must
// end aborted, its stakes refunded, with a reason saying why, and be
// counted for the alert; before the bound existed they stayed judging
// for ever.
func TestJudgingIsGivenUpPastItsBound(t *testing.T) {
	cases := []struct {
		name    string
		key     string
		stream  bool
		reply   llmtest.Reply
		edit    func(*runner.Config)
		reason  string
		kind    string
		minReqs int
	}{
		{name: "a refused key (401) gives up after the permanent bound", key: "sk-wrong", reply: llmtest.Reply{},
			edit: func(c *runner.Config) {
				c.JudgeGiveUpAfter, c.JudgeGiveUpPermanentAfter = time.Hour, time.Millisecond
			},
			reason: runner.ReasonJudgeGaveUp + "1ms: HTTP 401 invalid_api_key", kind: "permanent"},
		{name: "an unknown model (404, streamed) gives up after the permanent bound", key: llmtest.APIKey, stream: true,
			reply: llmtest.Reply{Status: 404, ErrorType: "invalid_request_error", ErrorCode: "model_not_found",
				ErrorMessage: "The model `judge-model` does not exist"},
			edit: func(c *runner.Config) {
				c.JudgeGiveUpAfter, c.JudgeGiveUpPermanentAfter = time.Hour, time.Millisecond
			},
			reason: runner.ReasonJudgeGaveUp + "1ms: HTTP 404 model_not_found", kind: "permanent"},
		{name: "a failing server (503) gives up after the transient bound", key: llmtest.APIKey,
			reply: llmtest.Reply{Status: 503},
			edit: func(c *runner.Config) {
				c.JudgeGiveUpAfter = time.Millisecond
			},
			reason: runner.ReasonJudgeGaveUp + "1ms: HTTP 503", kind: "transient"},
		{name: "a server slower than --judge-timeout gives up naming it", key: llmtest.APIKey, stream: true,
			reply: llmtest.Reply{Delay: time.Minute},
			edit: func(c *runner.Config) {
				c.JudgeTimeout, c.JudgeGiveUpAfter = 50*time.Millisecond, time.Millisecond
			},
			reason: runner.ReasonJudgeGaveUp + "1ms: no verdict within 50ms", kind: "transient"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rig := startJudgeRig(t, tc.key, tc.stream, func(llmtest.Request) llmtest.Reply { return tc.reply }, tc.edit)
			con := rig.ended(t)
			if con.Status != arena.StatusAborted || !strings.HasPrefix(con.Reason, tc.reason) {
				t.Fatalf("contest %s ended %s with reason %q, want aborted with %q", con.ID, con.Status, con.Reason, tc.reason)
			}
			n := rig.c.Nodes[0]
			evs, err := n.ContestEvents(con.ID, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if last := evs[len(evs)-1]; last.Type != arena.EvAborted || last.Reason != con.Reason {
				t.Fatalf("last event %s %q, want aborted with the contest's reason", last.Type, last.Reason)
			}
			ps, err := n.ContestPayouts(con.ID)
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[string]int{}
			for _, p := range ps {
				kinds[p.Kind]++
			}
			if kinds["stake"] != 2 || kinds["refund"] != 2 || kinds["payout"] != 0 {
				t.Fatalf("contest transfers %v, want two stakes refunded", kinds)
			}
			if r, err := n.Audit(); err != nil || !r.OK {
				t.Fatalf("audit: %+v %v", r, err)
			}
			// The runner counts the contest once its abort has returned,
			// a moment after the abort is applied (what ended saw).
			for deadline := time.Now().Add(10 * time.Second); rig.gaveUp(t, tc.kind) < 1; time.Sleep(10 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("arena_judge_given_up_total{error=%q} = %v, want at least 1", tc.kind, rig.gaveUp(t, tc.kind))
				}
			}
		})
	}
}

// TestTransientJudgeErrorsWaitTheLongerBound: a server failing with 503
// must not be given up on at the permanent bound. The contest's second
// try (a request past the first try's three) shows the first failure
// was handled without giving up; the server then recovers and the
// contest is judged.
func TestTransientJudgeErrorsWaitTheLongerBound(t *testing.T) {
	const firstTry = 3 // aijudge's default attempts per try
	rig := startJudgeRig(t, llmtest.APIKey, false, func(r llmtest.Request) llmtest.Reply {
		if r.Seq <= firstTry+1 {
			return llmtest.Reply{Status: 503}
		}
		return llmtest.Reply{Content: `{"ranking": ["E1", "E2"], "scores": {"E1": 0.8, "E2": 0.4}, "rationale": "E1 answers the question."}`}
	}, func(c *runner.Config) {
		c.JudgeGiveUpAfter, c.JudgeGiveUpPermanentAfter = time.Hour, time.Millisecond
	})
	con := rig.ended(t)
	if con.Status != arena.StatusSettled || con.Reason != "judged" {
		t.Fatalf("contest %s ended %s (%q), want settled by the judge after the server recovered", con.ID, con.Status, con.Reason)
	}
	if got := rig.gaveUp(t, "transient") + rig.gaveUp(t, "permanent"); got != 0 {
		t.Fatalf("%v contests given up, want none", got)
	}
}

// failures reads arena_judge_failures_total{judge="ai:<model>",kind=kind}.
func (rig *judgeRig) failures(t *testing.T, kind string) float64 {
	t.Helper()
	mfs, err := rig.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "arena_judge_failures_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if strings.HasPrefix(labels["judge"], "ai:") && labels["kind"] == kind {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// TestJudgeFailuresAreCountedByKind: arena_judge_errors_total counted a
// refused key, a missing model and a busy server alike, so an operator
// could not alert on the one a person must fix. Each failed call is now
// counted by kind as well.
func TestJudgeFailuresAreCountedByKind(t *testing.T) {
	for _, tc := range []struct {
		name  string
		key   string
		reply llmtest.Reply
		kind  string
	}{
		{"a refused key", "sk-wrong", llmtest.Reply{}, "auth"},
		{"an unknown model", llmtest.APIKey, llmtest.Reply{Status: 404, ErrorType: "invalid_request_error", ErrorCode: "model_not_found"}, "not_found"},
		{"a spent quota", llmtest.APIKey, llmtest.Reply{Status: 429, ErrorType: "insufficient_quota", ErrorCode: "insufficient_quota"}, "quota"},
		{"a failing server", llmtest.APIKey, llmtest.Reply{Status: 503}, "server"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rig := startJudgeRig(t, tc.key, false, func(llmtest.Request) llmtest.Reply { return tc.reply }, func(c *runner.Config) {
				c.JudgeGiveUpAfter, c.JudgeGiveUpPermanentAfter = time.Millisecond, time.Millisecond
			})
			rig.ended(t)
			if got := rig.failures(t, tc.kind); got < 1 {
				t.Fatalf("arena_judge_failures_total{judge=\"ai:...\",kind=%q} = %v, want at least 1", tc.kind, got)
			}
		})
	}
}
