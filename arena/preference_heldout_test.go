package arena_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/games/verifiable"
)

// TestExcludeHeldOutLeavesOutPairsTheArenaNowHoldsOut plays verifiable
// contests before the arena holds anything out, then holds out a family
// and a share of instances: ExcludeHeldOut keeps exactly the pairs whose
// task the arena's evaluation twin would not draw.
func TestExcludeHeldOutLeavesOutPairsTheArenaNowHoldsOut(t *testing.T) {
	c := arenatest.NewCluster(t, 1)
	n := c.Nodes[0]
	ctx := context.Background()
	ar := arena.DefaultArenas()[2]
	if ar.Game != verifiable.Name {
		t.Fatalf("default arena 2 is %s, want the verifiable game", ar.Game)
	}
	ar.Stake, ar.Rewards = 0, nil // free: no owner funds needed
	if _, err := n.PutArena(ctx, ar); err != nil {
		t.Fatal(err)
	}
	if _, err := n.CreateOwner(ctx, agents.Owner{ID: "ow_h", Name: "h"}, agents.HashKey("kh")); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"ag_h1", "ag_h2"} {
		if _, err := n.CreateAgent(ctx, agents.Agent{ID: id, OwnerID: "ow_h", Name: id, Kind: agents.KindWebsocket}, agents.HashKey(id)); err != nil {
			t.Fatal(err)
		}
	}
	played, err := verifiable.ParseOptions(ar.Options)
	if err != nil {
		t.Fatal(err)
	}
	const options = `{"held_out":["strings"],"held_out_percent":30}`
	eval, err := verifiable.ParseOptions(json.RawMessage(options))
	if err != nil {
		t.Fatal(err)
	}
	eval.Eval = true
	want := map[string]bool{} // contest -> its pair stays
	for seed := uint64(1); seed <= 30; seed++ {
		task, err := verifiable.Generate(seed, played)
		if err != nil {
			t.Fatal(err)
		}
		e, err := verifiable.Generate(seed, eval)
		id := fmt.Sprintf("c_h%d", seed)
		want[id] = err != nil || e.ID != task.ID
		if _, err := n.CreateContest(ctx, id, ar.Name, []string{"ag_h1", "ag_h2"}, seed); err != nil {
			t.Fatal(err)
		}
		answer, _ := json.Marshal(map[string]any{"text": "ANSWER: " + task.Want.Render(), "final": true})
		if err := n.Move(ctx, id, "ag_h1", nil, answer); err != nil {
			t.Fatal(err)
		}
		if err := n.Move(ctx, id, "ag_h2", nil, json.RawMessage(`{"text":"no idea","final":true}`)); err != nil {
			t.Fatal(err)
		}
	}
	read := func(f arena.PreferenceFilter) map[string]bool {
		t.Helper()
		f.Arena, f.MinMargin = ar.Name, -1
		list, _, err := n.Preferences(f)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, p := range list {
			got[p.Contest] = true
		}
		return got
	}
	if got := read(arena.PreferenceFilter{ExcludeHeldOut: true}); len(got) != len(want) {
		t.Fatalf("before the arena holds anything out, ExcludeHeldOut keeps %d of %d contests' pairs", len(got), len(want))
	}
	ar.Options = json.RawMessage(options)
	if _, err := n.PutArena(ctx, ar); err != nil {
		t.Fatal(err)
	}
	if got := read(arena.PreferenceFilter{}); len(got) != len(want) {
		t.Fatalf("without the filter the export has %d of %d contests' pairs", len(got), len(want))
	}
	got := read(arena.PreferenceFilter{ExcludeHeldOut: true})
	kept := 0
	for id, stays := range want {
		if got[id] != stays {
			t.Errorf("contest %s: pair kept %v, want %v", id, got[id], stays)
		}
		if stays {
			kept++
		}
	}
	if kept == 0 || kept == len(want) {
		t.Fatalf("%d of %d tasks stay: the test needs both kinds", kept, len(want))
	}
}
