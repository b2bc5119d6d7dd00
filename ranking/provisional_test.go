package ranking

import (
	"slices"
	"testing"
)

func TestIsProvisionalUsesTheArenaThresholdOrTheDefault(t *testing.T) {
	tests := []struct {
		name             string
		games, threshold int
		want             bool
	}{
		{"one game is provisional under the default of ten", 1, 0, true},
		{"nine games are provisional under the default", 9, 0, true},
		{"ten games are established under the default", 10, 0, false},
		{"a threshold of three makes three games established", 3, 3, false},
		{"a threshold of three keeps two games provisional", 2, 3, true},
		{"a threshold of one makes nobody with a game provisional", 1, 1, false},
		{"a negative threshold means the default", 5, -1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsProvisional(tt.games, tt.threshold); got != tt.want {
				t.Errorf("IsProvisional(%d, %d) = %v, want %v", tt.games, tt.threshold, got, tt.want)
			}
		})
	}
}

func TestProvisionalIntervalRanksKeepRankOneForEstablishedAgents(t *testing.T) {
	// Hand-computed: E = number of established agents; an established
	// agent's rank is 1 + established agents clearly better (lower bound
	// above its upper bound); a provisional agent's is E + 1 +
	// provisional agents clearly better.
	tests := []struct {
		name         string
		lower, upper []float64
		provisional  []bool
		want         []int
	}{
		{
			name:  "a one-game agent whose wide interval overlaps the leader ranks after the established",
			lower: []float64{1100, 1000, 700}, upper: []float64{1200, 1080, 1500},
			provisional: []bool{false, false, true},
			want:        []int{1, 2, 3},
		},
		{
			name:  "tied established agents share rank 1 and provisional ones follow them",
			lower: []float64{1000, 990, 600, 500}, upper: []float64{1050, 1040, 1400, 1300},
			provisional: []bool{false, false, true, true},
			want:        []int{1, 1, 3, 3},
		},
		{
			name:  "provisional agents clearly apart rank apart among themselves",
			lower: []float64{1000, 1200, 700}, upper: []float64{1100, 1300, 800},
			provisional: []bool{false, true, true},
			want:        []int{1, 2, 3},
		},
		{
			name:  "with nobody established the provisional agents rank from 1",
			lower: []float64{800, 700}, upper: []float64{1300, 1200},
			provisional: []bool{true, true},
			want:        []int{1, 1},
		},
		{
			name:  "with nobody established a provisional agent clearly behind another ranks 2",
			lower: []float64{1200, 700}, upper: []float64{1300, 1100},
			provisional: []bool{true, true},
			want:        []int{1, 2},
		},
		{
			name:  "a clearly better provisional agent does not push an established one down",
			lower: []float64{1000, 1500}, upper: []float64{1100, 1600},
			provisional: []bool{false, true},
			want:        []int{1, 2},
		},
		{
			name:  "with nobody provisional the ranks are IntervalRanks",
			lower: []float64{1100, 1000, 900}, upper: []float64{1150, 1050, 950},
			provisional: []bool{false, false, false},
			want:        []int{1, 2, 3},
		},
		{"no agents give no ranks", nil, nil, nil, []int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ProvisionalIntervalRanks(tt.lower, tt.upper, tt.provisional)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			for i, r := range got {
				if tt.provisional[i] && r == 1 && slices.Contains(tt.provisional, false) {
					t.Errorf("provisional agent %d holds rank 1 beside an established agent", i)
				}
			}
		})
	}
}

func TestProvisionalPositionsMoveProvisionalAgentsAfterEstablishedOnes(t *testing.T) {
	tests := []struct {
		name        string
		provisional []bool
		wantOrder   []int
		wantRanks   []int
	}{
		{"established agents keep their order and positions", []bool{false, false}, []int{0, 1}, []int{1, 2}},
		{"a provisional leader moves below the established", []bool{true, false, false}, []int{1, 2, 0}, []int{1, 2, 3}},
		{"interleaved agents split established first", []bool{false, true, false, true}, []int{0, 2, 1, 3}, []int{1, 2, 3, 4}},
		{"with nobody established positions start at 1", []bool{true, true, true}, []int{0, 1, 2}, []int{1, 2, 3}},
		{"no agents give no rows", nil, nil, []int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			order, ranks := ProvisionalPositions(tt.provisional)
			if !slices.Equal(order, tt.wantOrder) || !slices.Equal(ranks, tt.wantRanks) {
				t.Errorf("got order %v ranks %v, want %v %v", order, ranks, tt.wantOrder, tt.wantRanks)
			}
		})
	}
}
