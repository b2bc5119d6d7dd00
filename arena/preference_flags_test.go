package arena_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/agentarena/arena/agents/bots"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/arena/runner"
	"github.com/agentarena/arena/judges"
)

// silentBot never answers, so it forfeits every prompt contest.
type silentBot struct{}

func (silentBot) Name() string        { return "txt-silent" }
func (silentBot) Game() string        { return "prompt" }
func (silentBot) Description() string { return "test bot that never answers" }
func (silentBot) Move(ctx context.Context, _ json.RawMessage) (json.RawMessage, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestPreferenceFlagsAreSplitBySide plays three-seat prompt contests
// between the careful bot, the echo bot (a non-answer) and a bot that
// forfeits, and reads their pairs back: each flag lands on the side it
// belongs to, a forfeit included, and ExcludeChosenFlagged keeps exactly
// the pairs whose chosen answer is clean.
func TestPreferenceFlagsAreSplitBySide(t *testing.T) {
	c := arenatest.NewCluster(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ar := arena.DefaultArenas()[1]
	ar.Seats, ar.MoveDeadlineMS, ar.Rewards = 3, 1500, []int{60, 30, 10}
	if _, err := c.Nodes[0].PutArena(ctx, ar); err != nil {
		t.Fatal(err)
	}
	careful, _ := bots.Lookup("txt-careful", 1)
	echo, _ := bots.Lookup("txt-echo", 1)
	r := runner.New(runner.Config{Node: c.Nodes[0], Bots: []runner.Bot{careful, echo, silentBot{}},
		Tick: 20 * time.Millisecond, SeedDefaults: true, Judges: map[string]runner.Judge{"rubric": judges.NewRubricJudge()}})
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	defer func() { cancel(); <-done }()

	var all []arena.PreferencePair
	c.Eventually(60*time.Second, func() error {
		list, _, err := c.Nodes[0].Preferences(arena.PreferenceFilter{Arena: "prompt", MinMargin: -1})
		if err != nil || len(list) < 3 { // one contest's worth
			return fmt.Errorf("%d of 3 pairs (%v)", len(list), err)
		}
		all = list
		return nil
	})
	kept, _, err := c.Nodes[0].Preferences(arena.PreferenceFilter{Arena: "prompt", MinMargin: -1, ExcludeChosenFlagged: true})
	if err != nil {
		t.Fatal(err)
	}
	keptAt := map[uint64]bool{}
	for _, p := range kept {
		if p.Cursor <= all[len(all)-1].Cursor { // later ones came after the first read
			keptAt[p.Cursor] = true
		}
	}
	silent, echoID := arena.BotAgentID("txt-silent"), arena.BotAgentID("txt-echo")
	sawForfeit := false
	for _, p := range all {
		side := func(agent string, flags []string) {
			t.Helper()
			switch agent {
			case silent:
				if !slices.Contains(flags, "forfeited") {
					t.Errorf("pair %d: the silent bot's side %v lacks forfeited", p.Cursor, flags)
				}
				sawForfeit = true
			case echoID:
				if !slices.Contains(flags, judges.FlagNonAnswer) {
					t.Errorf("pair %d: the echo bot's side %v lacks %s", p.Cursor, flags, judges.FlagNonAnswer)
				}
			}
		}
		side(p.ChosenAgent, p.ChosenFlags)
		side(p.RejectedAgent, p.RejectedFlags)
		if n := len(p.ChosenFlags) + len(p.RejectedFlags); n != len(p.Flags) {
			t.Errorf("pair %d: sides %v + %v do not add up to %v", p.Cursor, p.ChosenFlags, p.RejectedFlags, p.Flags)
		}
		if want := len(p.ChosenFlags) == 0; keptAt[p.Cursor] != want {
			t.Errorf("pair %d (chosen %s %v): kept %v, want %v", p.Cursor, p.ChosenAgent, p.ChosenFlags, keptAt[p.Cursor], want)
		}
	}
	if !sawForfeit {
		t.Fatal("no pair with the forfeiting bot: the test proves nothing")
	}
	if len(keptAt) == 0 {
		t.Fatal("ExcludeChosenFlagged kept nothing")
	}
}
