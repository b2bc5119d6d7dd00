package ranking

import (
	"slices"
	"testing"

	"github.com/agentarena/arena/apperr"
)

func TestApplyContestUpdatesTheLeaderboard(t *testing.T) {
	const at = int64(1_700_000_000_000_000_000)
	old := []Entry{
		{AgentID: "bob", Rating: 1200 * Point, Games: 3, Wins: 2, Losses: 1, Last: 1},
		{AgentID: "idle", Rating: 900 * Point, Games: 1, Losses: 1, Last: 1},
	}
	tests := []struct {
		name        string
		placements  []Placement
		wantEntries []Entry
		wantDeltas  []Rating
	}{{
		// A newcomer at 1000 upsets bob at 1200: +24.312 / −24.312 (see elo_test).
		name:       "a newcomer starts at 1000 and a two-player win is a win",
		placements: []Placement{{"bob", 1}, {"ann", 0}},
		wantEntries: []Entry{
			{AgentID: "bob", Rating: 1200*Point - 24312, Games: 4, Wins: 2, Losses: 2, Last: at},
			{AgentID: "idle", Rating: 900 * Point, Games: 1, Losses: 1, Last: 1},
			{AgentID: "ann", Rating: 1000*Point + 24312, Games: 1, Wins: 1, Last: at},
		},
		wantDeltas: []Rating{-24312, 24312},
	}, {
		name:       "a shared first place is a draw",
		placements: []Placement{{"ann", 0}, {"bob", 0}},
		wantEntries: []Entry{
			{AgentID: "bob", Rating: 1200*Point - 8312, Games: 4, Wins: 2, Draws: 1, Losses: 1, Last: at},
			{AgentID: "idle", Rating: 900 * Point, Games: 1, Losses: 1, Last: 1},
			{AgentID: "ann", Rating: 1000*Point + 8312, Games: 1, Draws: 1, Last: at},
		},
		wantDeltas: []Rating{8312, -8312},
	}, {
		// Four newcomers at 1000, ranks 0,1,1,3: +16, 0, 0, −16 (see elo_test).
		// Only the outright winner wins; second place counts as a loss.
		name:       "in a four-player contest only the outright winner wins",
		placements: []Placement{{"w", 0}, {"x", 1}, {"y", 1}, {"z", 3}},
		wantEntries: append(slices.Clone(old),
			Entry{AgentID: "w", Rating: 1016 * Point, Games: 1, Wins: 1, Last: at},
			Entry{AgentID: "x", Rating: 1000 * Point, Games: 1, Losses: 1, Last: at},
			Entry{AgentID: "y", Rating: 1000 * Point, Games: 1, Losses: 1, Last: at},
			Entry{AgentID: "z", Rating: 984 * Point, Games: 1, Losses: 1, Last: at},
		),
		wantDeltas: []Rating{16000, 0, 0, -16000},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := slices.Clone(old)
			got, changes, err := ApplyContest(old, tt.placements, 32, at)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(old, before) {
				t.Fatalf("input entries were modified: %v", old)
			}
			if !slices.Equal(got, tt.wantEntries) {
				t.Fatalf("entries =\n%v\nwant\n%v", got, tt.wantEntries)
			}
			for i, c := range changes {
				if c.AgentID != tt.placements[i].AgentID || c.Delta() != tt.wantDeltas[i] {
					t.Fatalf("change %d = %+v (delta %v), want %s %v", i, c, c.Delta(), tt.placements[i].AgentID, tt.wantDeltas[i])
				}
			}
		})
	}
}

func TestApplyContestRejectsBadInput(t *testing.T) {
	tests := []struct {
		name       string
		entries    []Entry
		placements []Placement
	}{
		{"an agent cannot be placed twice", nil, []Placement{{"a", 0}, {"a", 1}}},
		{"every placement names an agent", nil, []Placement{{"a", 0}, {"", 1}}},
		{"a contest needs two contestants", nil, []Placement{{"a", 0}}},
		{"a table cannot hold two rows for one agent", []Entry{{AgentID: "a"}, {AgentID: "a"}}, []Placement{{"a", 0}, {"b", 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := ApplyContest(tt.entries, tt.placements, 32, 0); !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("err = %v, want an invalid error", err)
			}
		})
	}
}

func TestSortedOrdersByRatingThenAgentID(t *testing.T) {
	in := []Entry{
		{AgentID: "c", Rating: 1000 * Point},
		{AgentID: "b", Rating: 1100 * Point},
		{AgentID: "a", Rating: 1000 * Point},
		{AgentID: "d", Rating: 1000*Point + 1},
	}
	var ids []string
	for _, e := range Sorted(in) {
		ids = append(ids, e.AgentID)
	}
	if want := []string{"b", "d", "a", "c"}; !slices.Equal(ids, want) {
		t.Fatalf("order = %v, want %v", ids, want)
	}
	if in[0].AgentID != "c" {
		t.Fatal("Sorted modified its input")
	}
}
