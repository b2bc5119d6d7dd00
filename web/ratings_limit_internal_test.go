package web

import (
	"fmt"
	"testing"

	"github.com/agentarena/arena/arena"
)

// A built-in bot's rating history grew by a point a contest for good
// (265 KB after half an hour), and the agent and owner pages downloaded
// all of it to show a current rating. ?limit= keeps each arena's latest
// points, and contests counts them all.
func TestRatingHistoryKeepsEachArenasLatestPoints(t *testing.T) {
	var list []arena.RatingPoint
	for i := range 5 {
		list = append(list, arena.RatingPoint{Arena: "connect4", Contest: fmt.Sprint("a", i)})
	}
	for i := range 2 {
		list = append(list, arena.RatingPoint{Arena: "prompt", Contest: fmt.Sprint("b", i)})
	}
	tests := []struct {
		limit int
		want  string
	}{
		{0, "[a0 a1 a2 a3 a4 b0 b1]"},
		{1, "[a4 b1]"},
		{2, "[a3 a4 b0 b1]"},
		{3, "[a2 a3 a4 b0 b1]"},
		{9, "[a0 a1 a2 a3 a4 b0 b1]"},
	}
	for _, tt := range tests {
		got, counts := latestPoints(list, tt.limit)
		var ids []string
		for _, p := range got {
			ids = append(ids, p.Contest)
		}
		if fmt.Sprint(ids) != tt.want || counts["connect4"] != 5 || counts["prompt"] != 2 {
			t.Errorf("limit %d: %v, counts %v; want %s and 5, 2", tt.limit, ids, counts, tt.want)
		}
	}
}
