package web_test

import (
	"context"
	"testing"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/web"
)

// TestKeyChangesAreLimitedPerOwner: rotating a key (the owner's or an
// agent's) and deleting an agent make every node scan every stored key as
// it applies the write (4 ms each with 4,000 keys, 100 ms with 100,000),
// and an owner could make 50 a second, enough to keep every node's apply
// loop busy. They now share an allowance per owner.
func TestKeyChangesAreLimitedPerOwner(t *testing.T) {
	ln := limCluster(t, limOptions{web: func(c *web.Config) {
		c.Limits.KeyChangesPerHourPerOwner, c.Limits.KeyChangeBurstPerOwner = 0.01, 3
	}})
	ids := newIdentities(t, ln.node, 0)
	second, err := ln.node.CreateAgent(context.Background(), agents.Agent{ID: "ag_kc2", OwnerID: ids.ownerA.ID, Name: "kc2",
		Kind: agents.KindWebsocket}, agents.HashKey("ara_kc2"))
	if err != nil {
		t.Fatal(err)
	}
	keyA := ids.keys[ownerA]
	t.Run("an owner's rotations and deletions share its allowance", func(t *testing.T) {
		var rotated struct {
			ID     string `json:"id"`
			APIKey string `json:"api_key"`
		}
		limDo(t, "POST", ln.url+"/v1/owners/me/key", keyA, "", nil).want(t, 200).decode(t, &rotated)
		keyA = rotated.APIKey
		limDo(t, "POST", ln.url+"/v1/agents/"+ids.agent.ID+"/key", keyA, "", nil).want(t, 200)
		limDo(t, "DELETE", ln.url+"/v1/agents/"+ids.agent.ID, keyA, "", nil).want(t, 204)
		want429(t, limDo(t, "POST", ln.url+"/v1/agents/"+second.ID+"/key", keyA, "", nil), "too many key rotations and agent deletions by this owner")
		want429(t, limDo(t, "DELETE", ln.url+"/v1/agents/"+second.ID, keyA, "", nil), "too many key rotations")
	})
	t.Run("another owner is not affected", func(t *testing.T) {
		limDo(t, "POST", ln.url+"/v1/owners/me/key", ids.keys[ownerB], "", nil).want(t, 200)
	})
	t.Run("refusals are counted", func(t *testing.T) {
		if n := ln.limitHits(t, "key_changes_per_owner"); n != 2 {
			t.Errorf("key_changes_per_owner hits %v, want 2", n)
		}
	})
}
