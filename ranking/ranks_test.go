package ranking

import (
	"slices"
	"testing"
)

func TestIntervalRanksShareRanksAmongStatisticalTies(t *testing.T) {
	tests := []struct {
		name         string
		lower, upper []float64
		want         []int
	}{
		{"disjoint intervals rank in order", []float64{1100, 1000, 900}, []float64{1150, 1050, 950}, []int{1, 2, 3}},
		{"overlapping intervals share a rank", []float64{1000, 990, 980}, []float64{1050, 1040, 1030}, []int{1, 1, 1}},
		{"a shared rank skips the next", []float64{1000, 1000, 800}, []float64{1100, 1100, 900}, []int{1, 1, 3}},
		{"touching bounds are not clearly better", []float64{1000, 900}, []float64{1100, 1000}, []int{1, 1}},
		{"a middle agent overlapping both neighbours ties with each", []float64{1050, 930, 850}, []float64{1150, 1060, 940}, []int{1, 1, 2}},
		{"a narrow agent can outrank a wider higher one", []float64{900, 1010}, []float64{1200, 1020}, []int{1, 1}},
		{"no agents give no ranks", nil, nil, []int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IntervalRanks(tt.lower, tt.upper); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLeaderboardOrdersByRankThenRatingThenName(t *testing.T) {
	r := BootstrapResult{
		BTResult: BTResult{
			Agents:  []string{"c", "a", "b", "d"},
			Ratings: []float64{1000, 1200, 1000, 800},
			Battles: []int{30, 10, 20, 40},
		},
		Lower: []float64{950, 1150, 950, 750},
		Upper: []float64{1050, 1250, 1050, 850},
	}
	want := []BTRow{
		{Agent: "a", Rating: 1200, Lower: 1150, Upper: 1250, Rank: 1, Battles: 10},
		{Agent: "b", Rating: 1000, Lower: 950, Upper: 1050, Rank: 2, Battles: 20},
		{Agent: "c", Rating: 1000, Lower: 950, Upper: 1050, Rank: 2, Battles: 30},
		{Agent: "d", Rating: 800, Lower: 750, Upper: 850, Rank: 4, Battles: 40},
	}
	if got := r.Leaderboard(); !slices.Equal(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestDemoteLast(t *testing.T) {
	tests := []struct {
		name          string
		places, seats []int
		want          []int
	}{
		{"nothing demoted", []int{0, 1, 2}, nil, []int{0, 1, 2}},
		{"winner demoted", []int{0, 1, 2}, []int{0}, []int{2, 0, 1}},
		{"demoted seats tie with each other", []int{0, 1, 2, 3}, []int{0, 1}, []int{2, 2, 0, 1}},
		{"ties above stay ties", []int{0, 0, 2}, []int{2}, []int{0, 0, 2}},
		{"out of range ignored", []int{1, 0}, []int{-1, 5}, []int{1, 0}},
		{"all demoted", []int{0, 1}, []int{0, 1}, []int{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DemoteLast(tt.places, tt.seats); !slices.Equal(got, tt.want) {
				t.Errorf("DemoteLast(%v, %v) = %v, want %v", tt.places, tt.seats, got, tt.want)
			}
		})
	}
}
