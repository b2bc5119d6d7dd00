package arena_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
)

// TestOwnerAgentCapIsReplicated: an owner could create agents without
// end, each kept in every node's state. The leader now puts its cap in
// agent.create (LevelAgentCap) and every node refuses the agent past it
// alike; deleting an agent makes room, and other owners are not touched.
// A cluster below the level proposes no cap (an older member would apply
// the agent anyway, and the states would part).
func TestOwnerAgentCapIsReplicated(t *testing.T) {
	const capN = 3
	lv := make(levels, 3)
	for i := range lv {
		lv[i].Store(arena.LevelAgentCap - 1)
	}
	c := arenatest.NewCluster(t, 3, lv.option(), arenatest.WithConfig(func(i int, cfg *arena.Config) {
		cfg.MaxAgentsPerOwner = capN
	}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n := c.Leader()
	for _, o := range []string{"ow_a", "ow_b"} {
		if _, err := n.CreateOwner(ctx, agents.Owner{ID: o, Name: o}, agents.HashKey("k"+o)); err != nil {
			t.Fatal(err)
		}
	}
	seq := 0
	create := func(owner string) (agents.Agent, error) {
		seq++
		id := fmt.Sprintf("ag_%s_%d", owner, seq)
		return c.Leader().CreateAgent(ctx, agents.Agent{ID: id, OwnerID: owner, Name: id, Kind: agents.KindWebsocket}, agents.HashKey("k"+id))
	}

	t.Run("below the level, no cap is proposed", func(t *testing.T) {
		for range capN + 1 {
			if _, err := create("ow_b"); err != nil {
				t.Fatalf("level %d: %v", c.Leader().ClusterLevel(), err)
			}
		}
	})

	for i := range lv {
		lv[i].Store(arena.CommandLevel)
	}
	c.Eventually(20*time.Second, func() error {
		all := map[string]int{}
		for _, node := range c.Nodes {
			all[node.ID()] = arena.CommandLevel
		}
		if _, err := c.Leader().RaiseClusterLevel(ctx, all); err != nil {
			return err
		}
		if l := c.Leader().ClusterLevel(); l < arena.LevelAgentCap {
			return fmt.Errorf("cluster level %d", l)
		}
		return nil
	})

	var made []agents.Agent
	t.Run("the cap refuses the agent past it on every node", func(t *testing.T) {
		for range capN {
			a, err := create("ow_a")
			if err != nil {
				t.Fatal(err)
			}
			made = append(made, a)
		}
		_, err := create("ow_a")
		var le *arena.LimitError
		if !apperr.Is(err, apperr.Conflict) || !errors.As(err, &le) || le.Limit != arena.LimitAgentsPerOwner {
			t.Fatalf("agent %d of a capped owner: %v, want conflict with limit %s", capN+1, err, arena.LimitAgentsPerOwner)
		}
		c.WaitConverged()
		for i, node := range c.Nodes {
			list, _, err := node.ListAgents("ow_a", "", 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != capN {
				t.Errorf("node %d lists %d agents of ow_a, want %d", i, len(list), capN)
			}
		}
	})
	t.Run("an owner already past the cap is refused, not cut back", func(t *testing.T) {
		if _, err := create("ow_b"); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("ow_b with %d agents: %v, want conflict", capN+1, err)
		}
	})
	t.Run("deleting an agent makes room", func(t *testing.T) {
		if err := c.Leader().DeleteAgent(ctx, made[0].ID, "ow_a"); err != nil {
			t.Fatal(err)
		}
		if _, err := create("ow_a"); err != nil {
			t.Fatalf("after a deletion: %v", err)
		}
	})
	c.WaitConverged()
}
