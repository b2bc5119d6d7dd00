package arena_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
)

// In an answer game every seat writes at once, so one seat's answer must
// not restart another's clock (which gave the slow seat more time and a
// second turn frame), nor its own chunks restart its own. Arenas stored
// before the rule (no one_deadline_per_answer) keep the old clock, which
// restarted every waiting seat's deadline at each verifiable move, as old
// logs recorded it.
func TestAnswerGamesKeepOneDeadlinePerSeat(t *testing.T) {
	c := arenatest.NewCluster(t, 1)
	leader := c.Leader()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	seedPlayers(t, leader, "ow_d", 10_000, "ag_d1", "ag_d2")
	legacy := arena.DefaultArenas()[2]
	legacy.Name, legacy.OneDeadlinePerAnswer = "legacy-verifiable", false
	_, err := leader.PutArena(ctx, legacy)
	must(err)
	chunk := json.RawMessage(`{"text":"4","final":false}`)
	final := json.RawMessage(`{"text":"2","final":true}`)
	// The leader's clock stamps each command; wait until it has moved on,
	// so that a restarted deadline differs from the one it replaced.
	tick := func() { time.Sleep(5 * time.Millisecond) }

	tests := []struct {
		name, arena, id string
		// restarted: whether the waiting seat's deadline moves when the
		// other seat answers.
		restarted bool
	}{
		{"default verifiable arena", "verifiable", "ct_dl_new", false},
		{"arena stored before the rule", "legacy-verifiable", "ct_dl_old", true},
		{"prompt arena", "prompt", "ct_dl_prompt", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			con, err := leader.CreateContest(ctx, tt.id, tt.arena, []string{"ag_d1", "ag_d2"}, 11)
			must(err)
			start := con.Deadlines
			if start[0] == 0 || start[1] == 0 {
				t.Fatalf("deadlines %v at the start, want both seats asked", start)
			}
			tick()
			must(leader.Move(ctx, con.ID, "ag_d1", nil, chunk))
			tick()
			must(leader.Move(ctx, con.ID, "ag_d1", nil, final))
			con, err = leader.Contest(con.ID)
			must(err)
			if con.Deadlines[0] != 0 {
				t.Fatalf("seat 0's deadline %d after its final answer, want 0", con.Deadlines[0])
			}
			if moved := con.Deadlines[1] != start[1]; moved != tt.restarted {
				t.Fatalf("waiting seat's deadline %d → %d: restarted %v, want %v", start[1], con.Deadlines[1], moved, tt.restarted)
			}
			must(leader.Move(ctx, con.ID, "ag_d2", nil, final))
		})
	}
}
