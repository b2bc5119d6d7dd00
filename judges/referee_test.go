package judges

import "testing"

func TestRefereeVerdict(t *testing.T) {
	tests := []struct {
		name   string
		ranks  []int
		scores []float64
	}{
		{"a win scores 1 and 0", []int{0, 1}, []float64{1, 0}},
		{"a draw scores 1 for both", []int{0, 0}, []float64{1, 1}},
		{"three places fall linearly", []int{2, 0, 1}, []float64{0, 1, 0.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := RefereeVerdict(tt.ranks, "four in a row")
			if v.Judge != RefereeName || v.Rationale == "" {
				t.Fatalf("verdict %+v", v)
			}
			for i := range tt.scores {
				if v.Scores[i] != tt.scores[i] || v.Ranks[i] != tt.ranks[i] {
					t.Fatalf("verdict %+v, want scores %v", v, tt.scores)
				}
			}
		})
	}
}
