package judges

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Three hand-made judges over entries a, b, c (see the comments for the
// hand computation):
//
//	j1 scores a .9  b .1  c 0   → places 0 1 2
//	j2 scores a .2  b .8  c .2  → places 1 0 1
//	j3 scores a .6  b .6  c .3  → places 0 0 2
var (
	abc   = []Entry{{Seat: 0, Text: "a"}, {Seat: 1, Text: "b"}, {Seat: 2, Text: "c"}}
	three = []Judge{
		tableJudge{"j1", map[string]float64{"a": 0.9, "b": 0.1, "c": 0}},
		tableJudge{"j2", map[string]float64{"a": 0.2, "b": 0.8, "c": 0.2}},
		tableJudge{"j3", map[string]float64{"a": 0.6, "b": 0.6, "c": 0.3}},
	}
)

func TestPanelAggregatesByBordaCount(t *testing.T) {
	p, err := NewPanel(PanelConfig{Judges: three})
	if err != nil {
		t.Fatal(err)
	}
	v, err := p.Rank(context.Background(), task3, abc)
	if err != nil {
		t.Fatal(err)
	}
	// Borda points (1 per entry placed below, ½ per tie):
	//   a: j1 2 + j2 ½ + j3 1½ = 4    → 4 / (3 judges × 2) = 0.666667
	//   b: j1 1 + j2 2 + j3 1½ = 4½   → 0.75
	//   c: j1 0 + j2 ½ + j3 0  = ½    → 0.083333
	if !slices.Equal(v.Scores, []float64{0.666667, 0.75, 0.083333}) || !slices.Equal(v.Ranks, []int{1, 0, 2}) {
		t.Fatalf("scores %v ranks %v", v.Scores, v.Ranks)
	}
	// tau-b: j1/j2 0, j1/j3 2/√6, j2/j3 ½; mean 0.438832.
	if v.Agreement == nil || *v.Agreement != 0.438832 || len(v.Flags) != 0 {
		t.Fatalf("agreement %v flags %+v", v.Agreement, v.Flags)
	}
	if v.Judge != "panel:borda(j1,j2,j3)" || len(v.Members) != 3 || !strings.HasPrefix(v.Rationale, "borda of 3 judges, agreement (mean Kendall tau-b) 0.439\n[j1] j1 scored by table") {
		t.Fatalf("verdict %+v", v)
	}
	// Members come back indexed like the entries.
	if !slices.Equal(v.Members[1].Ranks, []int{1, 0, 1}) || !slices.Equal(v.Members[2].Scores, []float64{0.6, 0.6, 0.3}) {
		t.Fatalf("members %+v", v.Members)
	}
}

func TestPanelAggregatesByMeanScore(t *testing.T) {
	p, _ := NewPanel(PanelConfig{Judges: three, Aggregation: AggregateMeanScore})
	v, err := p.Rank(context.Background(), task3, abc)
	if err != nil {
		t.Fatal(err)
	}
	// a (.9+.2+.6)/3, b (.1+.8+.6)/3, c (0+.2+.3)/3: a now leads, since
	// j1's margin for a is wide and Borda only sees places.
	if !slices.Equal(v.Scores, []float64{0.566667, 0.5, 0.166667}) || !slices.Equal(v.Ranks, []int{0, 1, 2}) {
		t.Fatalf("scores %v ranks %v", v.Scores, v.Ranks)
	}
}

func TestPanelFlagsLowAgreement(t *testing.T) {
	p, _ := NewPanel(PanelConfig{Judges: []Judge{three[0], tableJudge{"rev", map[string]float64{"a": 0, "b": 0.5, "c": 1}}}})
	v, err := p.Rank(context.Background(), task3, abc)
	if err != nil {
		t.Fatal(err)
	}
	if v.Agreement == nil || *v.Agreement != -1 {
		t.Fatalf("agreement %v", v.Agreement)
	}
	if len(v.Flags) != 1 || v.Flags[0] != (Flag{Entry: -1, Kind: FlagLowAgreement, Detail: "agreement -1 below 0.3"}) {
		t.Fatalf("flags %+v", v.Flags)
	}
}

func TestPanelNeedsMinJudges(t *testing.T) {
	boom := errors.New("model server down")
	judges := []Judge{three[0], failJudge{boom}, three[2]}
	p, _ := NewPanel(PanelConfig{Judges: judges})
	if _, err := p.Rank(context.Background(), task3, abc); !errors.Is(err, boom) || !strings.Contains(err.Error(), "2 of 3 judges answered, want 3") {
		t.Fatalf("err = %v", err)
	}
	p, _ = NewPanel(PanelConfig{Judges: judges, MinJudges: 2})
	v, err := p.Rank(context.Background(), task3, abc)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Members) != 2 || !strings.Contains(v.Rationale, "[failed] fail: model server down") {
		t.Fatalf("verdict %+v", v)
	}
}

// recordingJudge scores by table and records the order it was shown.
type recordingJudge struct {
	tableJudge
	mu     sync.Mutex
	orders []string
}

func (r *recordingJudge) Rank(ctx context.Context, task Task, entries []Entry) (Verdict, error) {
	var texts []string
	for _, e := range entries {
		texts = append(texts, e.Text)
	}
	r.mu.Lock()
	r.orders = append(r.orders, strings.Join(texts, ""))
	r.mu.Unlock()
	v, err := r.tableJudge.Rank(ctx, task, entries)
	// Flag whatever entry reads "d", by its shown position.
	if i := slices.Index(texts, "d"); i >= 0 {
		v.Flags = []Flag{{Entry: i, Kind: "custom", Detail: "saw d"}}
	}
	return v, err
}

func TestPanelShowsEachJudgeItsOwnOrderAndMapsBack(t *testing.T) {
	rec := &recordingJudge{tableJudge: tableJudge{"rec", map[string]float64{"a": 0.1, "b": 0.2, "c": 0.3, "d": 0.4}}}
	p, _ := NewPanel(PanelConfig{Judges: []Judge{rec}, Aggregation: AggregateMeanScore})
	entries := []Entry{{Text: "a"}, {Text: "b"}, {Text: "c"}, {Text: "d"}}
	for i := 0; i < 20; i++ {
		v, err := p.Rank(context.Background(), task3, entries)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(v.Scores, []float64{0.1, 0.2, 0.3, 0.4}) || !slices.Equal(v.Ranks, []int{3, 2, 1, 0}) {
			t.Fatalf("scores %v ranks %v", v.Scores, v.Ranks)
		}
		m := v.Members[0]
		var seen string
		for _, idx := range m.Order {
			seen += entries[idx].Text
		}
		if seen != rec.orders[i] {
			t.Fatalf("member order %v says %q, judge saw %q", m.Order, seen, rec.orders[i])
		}
		if len(v.Flags) != 1 || v.Flags[0].Entry != 3 || v.Flags[0].Kind != "custom" || v.Agreement != nil {
			t.Fatalf("flags %+v agreement %v", v.Flags, v.Agreement)
		}
	}
	distinct := map[string]bool{}
	for _, o := range rec.orders {
		distinct[o] = true
	}
	if len(distinct) < 2 {
		t.Fatalf("20 calls, %d order(s): the panel must shuffle per call", len(distinct))
	}
}

func TestNewPanelRejectsABadConfig(t *testing.T) {
	for _, cfg := range []PanelConfig{{}, {Judges: []Judge{nil}}, {Judges: three, Aggregation: "median"}} {
		if _, err := NewPanel(cfg); err == nil {
			t.Errorf("NewPanel(%+v) succeeded", cfg)
		}
	}
}
