package aijudge

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/llm"
	"github.com/agentarena/arena/llm/llmtest"
)

// The helpers here play the model's side of the wire through llmtest: they
// read the judge prompt as a model would and write verdict JSON.

var (
	codeInSystem = regexp.MustCompile(`CODE is ([0-9a-f]+)\.`)
	fencedEntry  = regexp.MustCompile(`(?s)<<BEGIN (E\d+) ([0-9a-f]+)>>\n(.*?)\n<<END (E\d+) ([0-9a-f]+)>>\n`)
)

// shown returns the labels and texts of a judge request's entries, in
// the order shown, checking that every fence carries the call's code.
func shown(t *testing.T, req llmtest.Request) (labels, texts []string) {
	t.Helper()
	m := codeInSystem.FindStringSubmatch(req.System())
	if m == nil {
		t.Fatalf("no fence code in the system prompt:\n%s", req.System())
	}
	for _, f := range fencedEntry.FindAllStringSubmatch(req.User(), -1) {
		if f[1] != f[4] || f[2] != m[1] || f[5] != m[1] {
			t.Fatalf("fence mismatch: %q", f[0])
		}
		labels = append(labels, f[1])
		texts = append(texts, f[3])
	}
	return labels, texts
}

// verdictFor writes the JSON verdict a model would give for scores by
// label, ranking best first (ties in label order).
func verdictFor(labels []string, scores []float64, rationale string) string {
	idx := make([]int, len(labels))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case scores[a] > scores[b]:
			return -1
		case scores[a] < scores[b]:
			return 1
		}
		return 0
	})
	v := map[string]any{"scores": map[string]float64{}, "rationale": rationale}
	var ranking []string
	for _, i := range idx {
		ranking = append(ranking, labels[i])
		v["scores"].(map[string]float64)[labels[i]] = scores[i]
	}
	v["ranking"] = ranking
	b, _ := json.Marshal(v)
	return string(b)
}

// scoringModel answers every judge request by scoring each shown entry
// with score(text): a model with a fixed opinion of each answer.
func scoringModel(t *testing.T, score func(text string) float64) func(llmtest.Request) llmtest.Reply {
	return func(req llmtest.Request) llmtest.Reply {
		labels, texts := shown(t, req)
		scores := make([]float64, len(texts))
		for i, s := range texts {
			scores[i] = score(s)
		}
		return llmtest.Reply{Content: verdictFor(labels, scores, labels[0]+" was read first; the ranking follows the scores.")}
	}
}

// firstShownModel always prefers whichever entry is listed first: the
// position bias pairwise judging must cancel.
func firstShownModel(t *testing.T) func(llmtest.Request) llmtest.Reply {
	return func(req llmtest.Request) llmtest.Reply {
		labels, _ := shown(t, req)
		scores := make([]float64, len(labels))
		for i := range scores {
			scores[i] = 0.1
		}
		scores[0] = 0.9
		return llmtest.Reply{Content: verdictFor(labels, scores, "The first entry is best.")}
	}
}

// byText scores the listed texts; anything else scores 0.
func byText(m map[string]float64) func(string) float64 {
	return func(s string) float64 { return m[strings.TrimSpace(s)] }
}

// newAI starts a fake model server and an AI judge over it.
func newAI(t *testing.T, h func(llmtest.Request) llmtest.Reply, edit ...func(*Config)) (*llmtest.Server, *Judge) {
	t.Helper()
	srv := llmtest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := llm.New(llm.Config{BaseURL: srv.BaseURL(), Model: "judge-model", APIKey: llmtest.APIKey})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Client: c, Backoff: time.Millisecond}
	for _, e := range edit {
		e(&cfg)
	}
	j, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv, j
}
