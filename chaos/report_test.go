package chaos

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReportSummarizesGapsAndWritesJSON(t *testing.T) {
	r := &Report{Faults: map[string]int{"pause": 3, "sigterm": 2}, Linearizable: "Ok",
		FaultLog: []FaultRecord{
			{Kind: "pause", WriteGapS: 5, ClusterGapS: 1},
			{Kind: "pause", WriteGapS: 1, ClusterGapS: 3},
			{Kind: "pause", WriteGapS: 2, ClusterGapS: 2},
			{Kind: "sigterm", WriteGapS: 1, ClusterGapS: 1},
			{Kind: "sigterm", WriteGapS: 3, ClusterGapS: 2},
		},
		Terms: []TermRecord{{Node: "n1", Role: "leader", Cause: "sigterm", TookS: 12, DeadlineS: 10, Hung: true}},
	}
	r.summarize()
	tests := []struct {
		kind          string
		worker, clust GapStats
	}{
		{"pause", GapStats{3, 2, 5}, GapStats{3, 2, 3}},
		{"sigterm", GapStats{2, 2, 3}, GapStats{2, 1.5, 2}},
	}
	for _, tc := range tests {
		if got := r.Unavailable[tc.kind]; got != tc.worker {
			t.Errorf("%s workers: got %+v, want %+v", tc.kind, got, tc.worker)
		}
		if got := r.ClusterUnavailable[tc.kind]; got != tc.clust {
			t.Errorf("%s cluster: got %+v, want %+v", tc.kind, got, tc.clust)
		}
	}
	if s := r.String(); !strings.Contains(s, "HUNG") || !strings.Contains(s, "Ok") {
		t.Errorf("the text report hides the hang or the verdict:\n%s", s)
	}
	path := filepath.Join(t.TempDir(), "report.json")
	if err := r.WriteJSON(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Linearizable != "Ok" || len(back.Terms) != 1 || !back.Terms[0].Hung || back.Unavailable["pause"] != r.Unavailable["pause"] {
		t.Fatalf("JSON round trip lost fields: %s", b)
	}
}
