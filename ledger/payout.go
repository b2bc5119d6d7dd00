package ledger

import (
	"cmp"
	"math/bits"
	"slices"

	"github.com/agentarena/arena/apperr"
)

// MaxFeeBps is a fee of the whole pot.
const MaxFeeBps = 10_000

// Payouts splits a contest's pot by rank. It is pure integer arithmetic, so
// every node computes the same split; the rules, in order:
//
//  1. The house fee is floor(pot * feeBps / 10000).
//  2. The rest, the distributable amount D, is split by schedule: percent
//     per place, schedule[0] for first. ranks[seat] orders the seats (lower
//     is better, equal is a tie; only the order matters, so 0,0,2 and 0,0,1
//     mean the same). A group of k tied seats occupies k consecutive places
//     and pools their percentages; each of its seats is owed pooled/k percent.
//  3. Places past the end of the schedule get 0. Percent no seat is owed (a
//     schedule summing under 100, or places beyond the number of seats) goes
//     to the house with the fee, so the escrow always ends empty.
//  4. The seats together get floor(D * owed / 100), owed being the percent
//     all seats are owed. Each seat first gets the floor of its own share;
//     the units those floors leave (fewer than the number of paid seats) go
//     one each to the paid seats in order of rank, then seat index. The
//     house never gains from rounding between seats.
//
// The result satisfies sum(perSeat) + fee == pot exactly, and no share is
// negative. Invalid input (negative pot, fee outside 0..10000, a negative
// percent, a schedule over 100, no seats, a negative rank) is apperr.Invalid.
func Payouts(pot int64, feeBps int, schedule []int, ranks []int) (perSeat []int64, fee int64, err error) {
	switch {
	case pot < 0:
		return nil, 0, apperr.New(apperr.Invalid, "pot must not be negative, got %d", pot)
	case feeBps < 0 || feeBps > MaxFeeBps:
		return nil, 0, apperr.New(apperr.Invalid, "house fee must be 0-%d basis points, got %d", MaxFeeBps, feeBps)
	case len(ranks) == 0:
		return nil, 0, apperr.New(apperr.Invalid, "a payout needs at least one seat")
	}
	total := 0
	for _, p := range schedule {
		if p < 0 || p > 100 {
			return nil, 0, apperr.New(apperr.Invalid, "schedule percentages must be 0-100, got %d", p)
		}
		total += p
	}
	if total > 100 {
		return nil, 0, apperr.New(apperr.Invalid, "schedule sums to %d percent, more than 100", total)
	}
	if slices.Min(ranks) < 0 {
		return nil, 0, apperr.New(apperr.Invalid, "ranks must not be negative")
	}

	fee = int64(mulDiv(uint64(pot), uint64(feeBps), MaxFeeBps))
	d := uint64(pot - fee)

	// Seats in payout order: best rank first, seat index among equals.
	order := make([]int, len(ranks))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(ranks[a], ranks[b]) })

	// pooled[seat] is the percent its tie group pools; size the group size.
	pooled, size := make([]uint64, len(ranks)), make([]uint64, len(ranks))
	owed := uint64(0)
	for start := 0; start < len(order); {
		end := start
		for end < len(order) && ranks[order[end]] == ranks[order[start]] {
			end++
		}
		pct := uint64(0)
		for place := start; place < end && place < len(schedule); place++ {
			pct += uint64(schedule[place])
		}
		owed += pct
		for _, seat := range order[start:end] {
			pooled[seat], size[seat] = pct, uint64(end-start)
		}
		start = end
	}

	seats := mulDiv(d, owed, 100)
	perSeat = make([]int64, len(ranks))
	given := uint64(0)
	for seat := range ranks {
		share := mulDiv(d, pooled[seat], 100*size[seat])
		perSeat[seat] = int64(share)
		given += share
	}
	// The floors lose less than one unit per paid seat, so one pass over
	// the paid seats in rank order hands out every leftover unit.
	for _, seat := range order {
		if given == seats {
			break
		}
		if pooled[seat] > 0 {
			perSeat[seat]++
			given++
		}
	}
	fee += int64(d - seats)
	return perSeat, fee, nil
}

// mulDiv is floor(a*b/c) without overflow, for b <= c (so the result is at
// most a): the product is taken in 128 bits.
func mulDiv(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	q, _ := bits.Div64(hi, lo, c)
	return q
}

// LinearSchedule is a schedule for n places whose weights fall linearly by
// rank (n for first, 1 for last), in whole percent summing to 100. Percents
// are apportioned by the largest-remainder method: each place gets the floor
// of its exact share, and the points left over go to the places with the
// largest fractions, better place first among equal fractions. So n=3 is
// [50 33 17] (exact 50, 33.3, 16.7), and the schedule never increases
// with place. n <= 0 gives nil.
func LinearSchedule(n int) []int {
	if n <= 0 {
		return nil
	}
	w := uint64(n) * uint64(n+1) / 2
	out := make([]int, n)
	frac := make([]uint64, n)
	left := 100
	for i := range out {
		hi, lo := bits.Mul64(100, uint64(n-i))
		q, r := bits.Div64(hi, lo, w)
		out[i], frac[i] = int(q), r
		left -= int(q)
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(frac[b], frac[a]) })
	for _, i := range order[:left] {
		out[i]++
	}
	return out
}
