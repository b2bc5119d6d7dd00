package arena

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/agents"
)

// Typed write helpers: each builds one command and returns its typed result.
// They run on the leader (web forwards writes there).

// CreateOwner replicates a new owner whose key hash the caller computed.
func (n *Node) CreateOwner(ctx context.Context, o agents.Owner, keyHash string) (agents.Owner, error) {
	v, err := n.Apply(ctx, CmdOwnerCreate, ownerCreateCmd{ID: o.ID, Name: o.Name, Email: o.Email, KeyHash: keyHash})
	if err != nil {
		return agents.Owner{}, err
	}
	return as[agents.Owner](v)
}

// CreateAgent replicates a new agent.
func (n *Node) CreateAgent(ctx context.Context, a agents.Agent, keyHash string) (agents.Agent, error) {
	return n.CreateAgentWithSecret(ctx, a, keyHash, "")
}

// CreateAgentWithSecret replicates a new agent with a sealed endpoint key.
func (n *Node) CreateAgentWithSecret(ctx context.Context, a agents.Agent, keyHash, sealedKey string) (agents.Agent, error) {
	return n.CreateAgentWithSecrets(ctx, a, keyHash, sealedKey, "")
}

// CreateAgentWithSecrets replicates a new agent with its sealed endpoint
// key (openai agents) or sealed webhook secret (webhook agents).
func (n *Node) CreateAgentWithSecrets(ctx context.Context, a agents.Agent, keyHash, sealedKey, sealedWebhookSecret string) (agents.Agent, error) {
	cmd := agentCreateCmd{ID: a.ID, OwnerID: a.OwnerID, Name: a.Name,
		Description: a.Description, Kind: a.Kind, WebhookURL: a.WebhookURL, Endpoint: a.Endpoint, SealedKey: sealedKey, KeyHash: keyHash,
		SealedWebhookSecret: sealedWebhookSecret}
	if n.ClusterLevel() >= LevelAgentCap {
		cmd.MaxAgents = max(n.cfg.MaxAgentsPerOwner, 0)
	}
	v, err := n.Apply(ctx, CmdAgentCreate, cmd)
	if err != nil {
		return agents.Agent{}, err
	}
	return as[agents.Agent](v)
}

// UpdateAgent patches an agent on behalf of the owner actor.
func (n *Node) UpdateAgent(ctx context.Context, id, actor string, p agents.AgentPatch) (agents.Agent, error) {
	return n.UpdateAgentWithSecret(ctx, id, actor, p, nil)
}

// UpdateAgentWithSecret also replaces the sealed endpoint key when set.
func (n *Node) UpdateAgentWithSecret(ctx context.Context, id, actor string, p agents.AgentPatch, sealedKey *string) (agents.Agent, error) {
	return n.UpdateAgentWithSecrets(ctx, id, actor, p, sealedKey, nil)
}

// UpdateAgentWithSecrets also replaces the sealed endpoint key and the
// sealed webhook secret when set. With an empty patch and only a webhook
// secret it is a webhook secret rotation.
func (n *Node) UpdateAgentWithSecrets(ctx context.Context, id, actor string, p agents.AgentPatch, sealedKey, sealedWebhookSecret *string) (agents.Agent, error) {
	v, err := n.Apply(ctx, CmdAgentUpdate, agentUpdateCmd{ID: id, Actor: actor, Patch: p, SealedKey: sealedKey,
		SealedWebhookSecret: sealedWebhookSecret})
	if err != nil {
		return agents.Agent{}, err
	}
	return as[agents.Agent](v)
}

// DeleteAgent retires an agent on behalf of the owner actor.
func (n *Node) DeleteAgent(ctx context.Context, id, actor string) error {
	_, err := n.Apply(ctx, CmdAgentDelete, agentDeleteCmd{ID: id, Actor: actor})
	return err
}

// AddCounter adds delta to a named diagnostic counter and returns its value.
func (n *Node) AddCounter(ctx context.Context, name string, delta int64) (int64, error) {
	v, err := n.Apply(ctx, CmdCounterAdd, counterAddCmd{Name: name, Delta: delta})
	if err != nil {
		return 0, err
	}
	return as[int64](v)
}

// Counter reads a diagnostic counter from local state.
func (n *Node) Counter(name string) (int64, error) {
	var v int64
	err := n.fsm.View(func(tx *bolt.Tx) error {
		v = int64(getUint(tx.Bucket(bucketCounters), []byte(name)))
		return nil
	})
	return v, err
}

// Read-side helpers over local state.

// GetOwner reads an owner.
func (n *Node) GetOwner(id string) (o agents.Owner, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		o, err = agents.GetOwner(tx, id)
		return err
	})
	return o, err
}

// GetAgent reads a live agent.
func (n *Node) GetAgent(id string) (a agents.Agent, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		a, err = agents.GetAgent(tx, id)
		return err
	})
	return a, err
}

// ListAgents pages through live agents.
func (n *Node) ListAgents(ownerID, after string, limit int) (list []agents.Agent, next string, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		list, next, err = agents.ListAgents(tx, ownerID, after, limit)
		return err
	})
	return list, next, err
}

// LookupKey resolves a key hash.
func (n *Node) LookupKey(keyHash string) (p agents.Principal, ok bool, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		p, ok, err = n.keys.Lookup(tx, keyHash)
		return err
	})
	return p, ok, err
}

// ResolveKey resolves a bearer token's hash in one read: the operator
// token (a principal of kind operator) or a stored key.
func (n *Node) ResolveKey(keyHash string) (p agents.Principal, ok bool, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		if op := tx.Bucket(bucketCluster).Get(keyOperator); len(op) > 0 && agents.HashesEqual(keyHash, string(op)) {
			p, ok = agents.Principal{Kind: agents.PrincipalOperator}, true
			return nil
		}
		p, ok, err = n.keys.Lookup(tx, keyHash)
		return err
	})
	return p, ok, err
}

func as[T any](v any) (T, error) {
	t, ok := v.(T)
	if !ok {
		var zero T
		return zero, fmt.Errorf("unexpected command result %T", v)
	}
	return t, nil
}

// AgentSecret reads an agent's sealed endpoint key ("" when none).
func (n *Node) AgentSecret(id string) (sealed string) {
	_ = n.fsm.View(func(tx *bolt.Tx) error {
		sealed = agents.Secret(tx, id)
		return nil
	})
	return sealed
}

// WebhookSecret reads an agent's sealed webhook secret ("" when none).
func (n *Node) WebhookSecret(id string) (sealed string) {
	_ = n.fsm.View(func(tx *bolt.Tx) error {
		sealed = agents.WebhookSecret(tx, id)
		return nil
	})
	return sealed
}

// CreateTrainer replicates a trainer whose key hash the caller computed.
func (n *Node) CreateTrainer(ctx context.Context, t agents.Trainer, keyHash string) (agents.Trainer, error) {
	v, err := n.Apply(ctx, CmdTrainerCreate, trainerCreateCmd{ID: t.ID, Name: t.Name, KeyHash: keyHash})
	if err != nil {
		return agents.Trainer{}, err
	}
	return as[agents.Trainer](v)
}

// RotateKey replaces an owner's or agent's key; actor is the owner asking.
func (n *Node) RotateKey(ctx context.Context, kind, id, actor, keyHash string) error {
	_, err := n.Apply(ctx, CmdKeyRotate, keyRotateCmd{Kind: kind, ID: id, Actor: actor, KeyHash: keyHash})
	return err
}
