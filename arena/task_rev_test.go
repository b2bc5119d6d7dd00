package arena

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/agentarena/arena/games"
	"github.com/agentarena/arena/games/verifiable"
)

// TestThisReleasesLevelProposesItsNewestGenerators: raising games.Rev
// without a command level (and a line in taskRevAt) would leave the new
// generators unused, or worse, used before every member has them.
func TestThisReleasesLevelProposesItsNewestGenerators(t *testing.T) {
	if got := taskRevAt(CommandLevel); got != games.Rev {
		t.Fatalf("at this release's command level %d contests start at generator revision %d; games.Rev is %d", CommandLevel, got, games.Rev)
	}
	if got := taskRevAt(LevelTaskRev - 1); got != 0 {
		t.Fatalf("below level %d contests start at revision %d, want 0", LevelTaskRev, got)
	}
}

// TestContestCreateReplaysItsRevision: the task a contest.create entry
// starts with is fixed by the entry (task_rev), whatever this release's
// newest generators draw, so an old log replays to the old tasks.
func TestContestCreateReplaysItsRevision(t *testing.T) {
	d := newDriver(t)
	ar := DefaultArenas()[0]
	for _, a := range DefaultArenas() {
		if a.Game == verifiable.Name {
			ar = a
		}
	}
	ar.Name, ar.Options = "logic", json.RawMessage(`{"families":["logic"],"levels":[3]}`)
	ar.MaxConcurrentPerAgent = 2
	d.must(CmdArenaPut, arenaPutCmd{Arena: ar})
	ids := map[int]string{}
	for _, rev := range []int{0, 1} {
		id := "c" + string(rune('0'+rev))
		d.must(CmdContestCreate, contestCreateCmd{ID: id, Arena: "logic", Agents: []string{"ag_a", "ag_b"}, Seed: 9, KeepTerms: true, TaskRev: rev})
		st, err := d.f.states.load(d.f.games[verifiable.Name], d.contest(id))
		if err != nil {
			t.Fatal(err)
		}
		ids[rev] = st.(checkedState).Task().ID
	}
	if strings.HasSuffix(ids[0], "-r1") || ids[1] != ids[0]+"-r1" {
		t.Fatalf("task ids %q (task_rev 0) and %q (task_rev 1)", ids[0], ids[1])
	}
}
