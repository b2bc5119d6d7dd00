package runner

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/agents/secrets"
	"github.com/agentarena/arena/agents/webhook"
	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/internal/egress"
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

// A webhook that answers every call of a streamed prompt turn with one
// more part and never a final one is called maxMovesPerTurn times, then
// left to its deadline; its owner's deliveries say so instead of ending
// on a played part and a forfeit nothing explains.
func TestDeliveriesSayWhenAnAnswerTakesTooManyParts(t *testing.T) {
	n := soloLeader(t)
	ctx := context.Background()
	must := mustOK(t)
	var calls atomic.Int64
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"move":{"text":"x","final":false}}`))
	}))
	defer hook.Close()
	_, err := n.CreateOwner(ctx, agents.Owner{ID: "ow_a", Name: "a"}, agents.HashKey("ka"))
	must(err)
	_, err = n.CreateAgentWithSecrets(ctx, agents.Agent{ID: "ag_hook", OwnerID: "ow_a", Name: "hook", Kind: agents.KindWebhook,
		WebhookURL: hook.URL}, agents.HashKey("kh"), "", "")
	must(err)
	_, err = n.CreateAgent(ctx, agents.Agent{ID: "ag_ws", OwnerID: "ow_a", Name: "ws", Kind: agents.KindWebsocket}, agents.HashKey("kw"))
	must(err)
	c, err := n.CreateContest(ctx, "c_parts", "prompt", []string{"ag_hook", "ag_ws"}, 3)
	must(err)

	r := New(Config{Node: n, HTTPClient: hook.Client(), AgentEgress: egress.Any})
	r.callWebhook(ctx, c.ID, 0, "ag_hook")
	if got := calls.Load(); got != maxMovesPerTurn {
		t.Errorf("the webhook was called %d times, want %d", got, maxMovesPerTurn)
	}
	got := r.Deliveries("ag_hook")
	if len(got) == 0 || got[0].Outcome != api.DeliveryFailed || !strings.Contains(got[0].Error, "none final") {
		t.Fatalf("newest delivery %+v; want a failed entry saying no part was final", got[:min(1, len(got))])
	}
	if len(got) < 2 || got[1].Outcome != api.DeliveryPlayed {
		t.Errorf("the entry before it is %+v, want the last played part", got[1:min(2, len(got))])
	}
}

// The calls kept for an agent go when the agent is deleted (its list
// answers 404 from then on), at the leader's next sweep after a minute.
func TestDeliveriesOfDeletedAgentsAreDropped(t *testing.T) {
	n := soloLeader(t)
	ctx := context.Background()
	must := mustOK(t)
	_, err := n.CreateOwner(ctx, agents.Owner{ID: "ow_a", Name: "a"}, agents.HashKey("ka"))
	must(err)
	for _, id := range []string{"ag_kept", "ag_gone"} {
		_, err = n.CreateAgentWithSecrets(ctx, agents.Agent{ID: id, OwnerID: "ow_a", Name: id, Kind: agents.KindWebhook,
			WebhookURL: "http://127.0.0.1:9/turn"}, agents.HashKey("k"+id), "", "")
		must(err)
	}
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	r := New(Config{Node: n, Now: func() time.Time { return now }})
	for _, id := range []string{"ag_kept", "ag_gone"} {
		r.deliveries.add(id, api.Delivery{At: now, Outcome: api.DeliveryPlayed})
	}
	r.pruneDeliveries(now)
	must(n.DeleteAgent(ctx, "ag_gone", "ow_a"))
	r.pruneDeliveries(now.Add(30 * time.Second)) // within the minute: not yet
	if len(r.Deliveries("ag_gone")) != 1 {
		t.Fatal("pruned again within a minute")
	}
	r.pruneDeliveries(now.Add(61 * time.Second))
	if got := r.Deliveries("ag_gone"); len(got) != 0 {
		t.Errorf("a deleted agent's calls are still kept: %+v", got)
	}
	if got := r.Deliveries("ag_kept"); len(got) != 1 {
		t.Errorf("a live agent's calls were dropped: %+v", got)
	}
}
