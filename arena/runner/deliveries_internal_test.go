package runner

import (
	"context"
	"strings"
	"testing"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/agents/secrets"
	"github.com/agentarena/arena/agents/webhook"
	"github.com/agentarena/arena/api"
)

// A leader that cannot open a webhook agent's secret (sealed under another
// secrets key) makes no call, and the seat forfeits by its deadlines; the
// owner's deliveries now say why instead of staying empty.
func TestDeliveriesSayWhenTheSecretCannotBeOpened(t *testing.T) {
	n := soloLeader(t)
	ctx := context.Background()
	must := mustOK(t)
	sealerFor := func() *secrets.Sealer {
		key, err := secrets.NewKey()
		must(err)
		s, err := secrets.New(key)
		must(err)
		return s
	}
	other := sealerFor()
	_, err := n.CreateOwner(ctx, agents.Owner{ID: "ow_a", Name: "a"}, agents.HashKey("ka"))
	must(err)
	sealed, err := other.Seal("whsec_x", webhook.SealAAD("ag_hook"))
	must(err)
	_, err = n.CreateAgentWithSecrets(ctx, agents.Agent{ID: "ag_hook", OwnerID: "ow_a", Name: "hook", Kind: agents.KindWebhook,
		WebhookURL: "http://127.0.0.1:9/turn"}, agents.HashKey("kh"), "", sealed)
	must(err)

	r := New(Config{Node: n, Sealer: sealerFor()})
	r.callWebhook(ctx, "c_1", 0, "ag_hook")
	got := r.Deliveries("ag_hook")
	if len(got) != 1 || got[0].Outcome != api.DeliveryFailed || got[0].Contest != "c_1" || got[0].Status != 0 ||
		!strings.Contains(got[0].Error, "cannot open the agent's webhook secret") {
		t.Fatalf("deliveries %+v; want one failed call naming the secret", got)
	}
}
