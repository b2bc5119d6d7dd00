package ledger

import (
	"slices"
	"testing"

	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/internal/fuzzseed"
)

func TestPayouts(t *testing.T) {
	tests := []struct {
		name     string
		pot      int64
		feeBps   int
		schedule []int
		ranks    []int
		want     []int64
		fee      int64
	}{
		{"three players with 50/30/20 get 150/90/60 of 300", 300, 0, []int{50, 30, 20}, []int{0, 1, 2}, []int64{150, 90, 60}, 0},
		{"ranks are read per seat, not in seat order", 300, 0, []int{50, 30, 20}, []int{2, 0, 1}, []int64{60, 150, 90}, 0},
		{"a tie for second pools 30 and 20 and splits them", 300, 0, []int{50, 30, 20}, []int{0, 1, 1}, []int64{150, 75, 75}, 0},
		{"dense and competition ranks mean the same tie", 300, 0, []int{50, 30, 20}, []int{0, 2, 2}, []int64{150, 75, 75}, 0},
		{"an odd remainder unit goes to the winner", 101, 0, []int{50, 30, 20}, []int{0, 1, 2}, []int64{51, 30, 20}, 0},
		{"remainder units go to the best ranked seats in seat order", 103, 0, []int{34, 33, 33}, []int{2, 0, 1}, []int64{33, 36, 34}, 0},
		{"the house fee comes off the top in basis points", 1000, 250, []int{50, 30, 20}, []int{0, 1, 2}, []int64{488, 292, 195}, 25},
		{"the fee is floored", 999, 100, []int{100}, []int{0, 1}, []int64{990, 0}, 9},
		{"winner takes all", 200, 0, []int{100}, []int{1, 0}, []int64{0, 200}, 0},
		{"a two-way tie for first shares winner takes all", 200, 0, []int{100}, []int{0, 0, 2}, []int64{100, 100, 0}, 0},
		{"a tied odd pot gives the spare unit to the lower seat", 201, 0, []int{100}, []int{0, 0}, []int64{101, 100}, 0},
		{"a three-way tie splits 100 percent three ways", 100, 0, []int{50, 30, 20}, []int{0, 0, 0}, []int64{34, 33, 33}, 0},
		{"places beyond the schedule get nothing", 400, 0, []int{70, 30}, []int{0, 1, 2, 3}, []int64{280, 120, 0, 0}, 0},
		{"a tie across the end of the schedule pools only what is there", 400, 0, []int{70, 30}, []int{0, 1, 1, 1}, []int64{280, 40, 40, 40}, 0},
		{"a schedule under 100 leaves the rest to the house", 1000, 0, []int{50, 30}, []int{0, 1, 2}, []int64{500, 300, 0}, 200},
		{"percent for places no seat holds goes to the house", 100, 0, []int{50, 30, 20}, []int{0, 1}, []int64{50, 30}, 20},
		{"the unit split between seats and the unowed part goes to the house", 101, 0, []int{50, 30}, []int{0, 1}, []int64{50, 30}, 21},
		{"an empty pot pays nothing", 0, 500, []int{50, 30, 20}, []int{0, 1, 2}, []int64{0, 0, 0}, 0},
		{"an empty schedule is all house", 77, 0, nil, []int{0, 1}, []int64{0, 0}, 77},
		{"a full fee takes everything", 500, 10000, []int{100}, []int{0, 1}, []int64{0, 0}, 500},
		{"a huge pot does not overflow", 1<<62 + 1, 1, []int{50, 50}, []int{0, 1}, []int64{2305612424912772584, 2305612424912772583}, 461168601842738},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, fee, err := Payouts(tc.pot, tc.feeBps, tc.schedule, tc.ranks)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) || fee != tc.fee {
				t.Errorf("got %v fee %d, want %v fee %d", got, fee, tc.want, tc.fee)
			}
			sum := fee
			for _, s := range got {
				sum += s
			}
			if sum != tc.pot {
				t.Errorf("shares and fee sum to %d, pot is %d", sum, tc.pot)
			}
		})
	}
}

func TestPayoutsRefusesBadInput(t *testing.T) {
	tests := []struct {
		name     string
		pot      int64
		feeBps   int
		schedule []int
		ranks    []int
	}{
		{"a negative pot", -1, 0, []int{100}, []int{0}},
		{"a negative fee", 10, -1, []int{100}, []int{0}},
		{"a fee over the whole pot", 10, 10001, []int{100}, []int{0}},
		{"no seats", 10, 0, []int{100}, nil},
		{"a negative percent", 10, 0, []int{110, -10}, []int{0, 1}},
		{"a schedule over 100", 10, 0, []int{60, 50}, []int{0, 1}},
		{"a negative rank", 10, 0, []int{100}, []int{0, -1}},
	}
	for _, tc := range tests {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			_, _, err := Payouts(tc.pot, tc.feeBps, tc.schedule, tc.ranks)
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("got %v, want an invalid error", err)
			}
		})
	}
}

func TestLinearSchedule(t *testing.T) {
	tests := []struct {
		n    int
		want []int
	}{
		{0, nil},
		{1, []int{100}},
		{2, []int{67, 33}},
		{3, []int{50, 33, 17}},
		{4, []int{40, 30, 20, 10}},
		{6, []int{29, 24, 19, 14, 9, 5}},
	}
	for _, tc := range tests {
		got := LinearSchedule(tc.n)
		if !slices.Equal(got, tc.want) {
			t.Errorf("LinearSchedule(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
	t.Run("every size sums to 100 and never increases with place", func(t *testing.T) {
		for n := 1; n <= 300; n++ {
			s := LinearSchedule(n)
			sum := 0
			for i, p := range s {
				sum += p
				if i > 0 && p > s[i-1] {
					t.Fatalf("n=%d: place %d gets %d, more than place %d", n, i, p, i-1)
				}
			}
			if sum != 100 {
				t.Fatalf("n=%d sums to %d", n, sum)
			}
		}
	})
}

// FuzzPayouts feeds arbitrary pots, fees, schedules and rankings: whatever
// Payouts accepts must add up to the pot exactly, pay no negative share,
// and treat tied seats alike to within the one spare unit.
func FuzzPayouts(f *testing.F) {
	fuzzseed.Add(f, int64(300), 0, []byte{50, 30, 20}, []byte{0, 1, 1})
	fuzzseed.Add(f, int64(101), 250, []byte{100}, []byte{0, 0, 3})
	fuzzseed.Add(f, int64(1<<62), 10000, []byte{}, []byte{5})
	f.Fuzz(func(t *testing.T, pot int64, feeBps int, sched, rk []byte) {
		schedule := make([]int, 0, min(len(sched), 16))
		for _, b := range sched[:min(len(sched), 16)] {
			schedule = append(schedule, int(b)%101)
		}
		ranks := make([]int, 0, min(len(rk), 16))
		for _, b := range rk[:min(len(rk), 16)] {
			ranks = append(ranks, int(b)%8)
		}
		shares, fee, err := Payouts(pot, feeBps, schedule, ranks)
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if len(shares) != len(ranks) {
			t.Fatalf("%d shares for %d seats", len(shares), len(ranks))
		}
		sum := fee
		for i, s := range shares {
			if s < 0 {
				t.Fatalf("seat %d gets %d", i, s)
			}
			sum += s
			for j := range i {
				if ranks[i] == ranks[j] && (s-shares[j] > 1 || shares[j]-s > 1) {
					t.Fatalf("tied seats %d and %d get %d and %d", j, i, shares[j], s)
				}
			}
		}
		if fee < 0 || sum != pot {
			t.Fatalf("fee %d, shares %v sum to %d, pot %d", fee, shares, sum, pot)
		}
	})
}
