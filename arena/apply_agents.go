package arena

import (
	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/apperr"
)

type ownerCreateCmd struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Email   string `json:"email,omitempty"`
	KeyHash string `json:"key_hash"`
}

func applyOwnerCreate(ac *applyCtx, env Envelope) (any, error) {
	var c ownerCreateCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	o := agents.Owner{ID: c.ID, Name: c.Name, Email: c.Email, CreatedAt: ac.now}
	if err := agents.CreateOwner(ac.tx, o, c.KeyHash); err != nil {
		return nil, err
	}
	if err := grantStart(ac, o.ID); err != nil {
		return nil, err
	}
	ac.emit("owner.created", o)
	return o, nil
}

type agentCreateCmd struct {
	ID          string                `json:"id"`
	OwnerID     string                `json:"owner_id"`
	Name        string                `json:"name"`
	Description string                `json:"description,omitempty"`
	Kind        string                `json:"kind"`
	WebhookURL  string                `json:"webhook_url,omitempty"`
	Endpoint    *agents.ModelEndpoint `json:"endpoint,omitempty"`
	// SealedKey is the endpoint's API key, sealed by the leader.
	SealedKey string `json:"sealed_key,omitempty"`
	KeyHash   string `json:"key_hash"`
	// SealedWebhookSecret is a webhook agent's signing secret, generated
	// and sealed by the node that took the request (never in Apply: a
	// random value drawn there would differ on every node).
	SealedWebhookSecret string `json:"sealed_webhook_secret,omitempty"`
	// MaxAgents, when positive, refuses the agent if its owner already
	// has that many live agents (LevelAgentCap). The leader that proposes
	// the command puts its configured cap here, so every node applies the
	// same one.
	MaxAgents int `json:"max_agents,omitempty"`
}

func applyAgentCreate(ac *applyCtx, env Envelope) (any, error) {
	var c agentCreateCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	a := agents.Agent{ID: c.ID, OwnerID: c.OwnerID, Name: c.Name, Description: c.Description,
		Kind: c.Kind, WebhookURL: c.WebhookURL, Endpoint: c.Endpoint, CreatedAt: ac.now}
	if c.SealedKey != "" && c.Kind != agents.KindOpenAI {
		return nil, apperr.New(apperr.Invalid, "only %s agents carry an API key", agents.KindOpenAI)
	}
	if c.SealedWebhookSecret != "" && c.Kind != agents.KindWebhook {
		return nil, apperr.New(apperr.Invalid, "only %s agents carry a webhook secret", agents.KindWebhook)
	}
	if c.MaxAgents > 0 && agents.CountAgentsOf(ac.tx, c.OwnerID, c.MaxAgents) >= c.MaxAgents {
		return nil, apperr.Wrap(apperr.Conflict, &LimitError{Limit: LimitAgentsPerOwner},
			"owner %s already has %d agent(s), the most one owner may have here; delete one to make room, or ask the operator to raise --max-agents-per-owner", c.OwnerID, c.MaxAgents)
	}
	if err := agents.CreateAgent(ac.tx, a, c.KeyHash); err != nil {
		return nil, err
	}
	if err := agents.PutSecret(ac.tx, a.ID, c.SealedKey); err != nil {
		return nil, err
	}
	if err := agents.PutWebhookSecret(ac.tx, a.ID, c.SealedWebhookSecret); err != nil {
		return nil, err
	}
	a, err := agents.GetAgent(ac.tx, a.ID)
	if err != nil {
		return nil, err
	}
	ac.emit("agent.created", a)
	return a, nil
}

type agentUpdateCmd struct {
	ID    string            `json:"id"`
	Actor string            `json:"actor"`
	Patch agents.AgentPatch `json:"patch"`
	// SealedKey replaces the endpoint API key when set ("" removes it).
	SealedKey *string `json:"sealed_key,omitempty"`
	// SealedWebhookSecret replaces the webhook signing secret when set:
	// a rotation, or an agent that becomes a webhook agent.
	SealedWebhookSecret *string `json:"sealed_webhook_secret,omitempty"`
}

func applyAgentUpdate(ac *applyCtx, env Envelope) (any, error) {
	var c agentUpdateCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	if c.SealedWebhookSecret != nil && c.SealedKey == nil && c.Patch.Empty() {
		// A webhook secret rotation alone: touch nothing else.
		a, err := agents.GetAgent(ac.tx, c.ID)
		if err != nil {
			return nil, err
		}
		if a.OwnerID != c.Actor {
			return nil, apperr.New(apperr.Forbidden, "agent %s belongs to another owner", c.ID)
		}
		if a.Kind != agents.KindWebhook || *c.SealedWebhookSecret == "" {
			return nil, apperr.New(apperr.Invalid, "only %s agents have a webhook secret; agent %s is %s", agents.KindWebhook, a.ID, a.Kind)
		}
		return a, agents.PutWebhookSecret(ac.tx, a.ID, *c.SealedWebhookSecret)
	}
	if c.SealedKey != nil && c.Patch.Empty() {
		// A key rotation alone is a valid change: touch nothing else.
		a, err := agents.GetAgent(ac.tx, c.ID)
		if err != nil {
			return nil, err
		}
		if a.OwnerID != c.Actor {
			return nil, apperr.New(apperr.Forbidden, "agent %s belongs to another owner", c.ID)
		}
		if a.Kind != agents.KindOpenAI {
			return nil, apperr.New(apperr.Invalid, "only %s agents carry an API key", agents.KindOpenAI)
		}
		return a, agents.PutSecret(ac.tx, a.ID, *c.SealedKey)
	}
	if c.SealedKey != nil && *c.SealedKey != "" {
		cur, err := agents.GetAgent(ac.tx, c.ID)
		if err != nil {
			return nil, err
		}
		kind := cur.Kind
		if c.Patch.Kind != nil {
			kind = *c.Patch.Kind
		}
		if kind != agents.KindOpenAI {
			return nil, apperr.New(apperr.Invalid, "only %s agents carry an API key", agents.KindOpenAI)
		}
	}
	a, err := agents.UpdateAgent(ac.tx, c.ID, c.Actor, c.Patch, ac.now)
	if err != nil {
		return nil, err
	}
	switch {
	case a.Kind != agents.KindOpenAI:
		// A key must not outlive the kind that uses it.
		if err := agents.PutSecret(ac.tx, a.ID, ""); err != nil {
			return nil, err
		}
	case c.SealedKey != nil:
		if err := agents.PutSecret(ac.tx, a.ID, *c.SealedKey); err != nil {
			return nil, err
		}
	}
	switch {
	case a.Kind != agents.KindWebhook:
		// Nor a webhook secret the kind that signs with it. (For an agent
		// that never had one this deletes nothing: old logs replay to the
		// same bytes.)
		if err := agents.PutWebhookSecret(ac.tx, a.ID, ""); err != nil {
			return nil, err
		}
	case c.SealedWebhookSecret != nil && *c.SealedWebhookSecret != "":
		if err := agents.PutWebhookSecret(ac.tx, a.ID, *c.SealedWebhookSecret); err != nil {
			return nil, err
		}
	}
	ac.emit("agent.updated", a)
	return a, nil
}

type agentDeleteCmd struct {
	ID    string `json:"id"`
	Actor string `json:"actor"`
}

func applyAgentDelete(ac *applyCtx, env Envelope) (any, error) {
	var c agentDeleteCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	if err := agents.DeleteAgent(ac.tx, c.ID, c.Actor, ac.now); err != nil {
		return nil, err
	}
	ac.emit("agent.deleted", c.ID)
	return nil, nil
}

type trainerCreateCmd struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	KeyHash string `json:"key_hash"`
}

func applyTrainerCreate(ac *applyCtx, env Envelope) (any, error) {
	var c trainerCreateCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	t := agents.Trainer{ID: c.ID, Name: c.Name, CreatedAt: ac.now}
	return t, agents.CreateTrainer(ac.tx, t, c.KeyHash)
}

type keyRotateCmd struct {
	Kind    string `json:"kind"`
	ID      string `json:"id"`
	Actor   string `json:"actor"`
	KeyHash string `json:"key_hash"`
}

// applyKeyRotate swaps a principal's key for a new one on behalf of the
// owner actor (an owner rotates its own key and its agents' keys).
func applyKeyRotate(ac *applyCtx, env Envelope) (any, error) {
	var c keyRotateCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	switch c.Kind {
	case agents.PrincipalOwner:
		if c.ID != c.Actor {
			return nil, apperr.New(apperr.Forbidden, "you may only rotate your own key")
		}
	case agents.PrincipalAgent:
		a, err := agents.GetAgent(ac.tx, c.ID)
		if err != nil {
			return nil, err
		}
		if a.OwnerID != c.Actor || a.Kind == agents.KindBuiltin {
			return nil, apperr.New(apperr.Forbidden, "agent %s belongs to another owner", c.ID)
		}
	}
	return nil, agents.RotateKey(ac.tx, c.Kind, c.ID, c.KeyHash)
}

// counterAddCmd is a diagnostic command: tests use it to prove exactly-once
// application across restarts, and the benchmark uses it as a minimal write.
type counterAddCmd struct {
	Name  string `json:"name"`
	Delta int64  `json:"delta"`
}

func applyCounterAdd(ac *applyCtx, env Envelope) (any, error) {
	var c counterAddCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	if c.Name == "" || len(c.Name) > 128 {
		return nil, apperr.New(apperr.Invalid, "counter name must be 1-128 bytes")
	}
	b := ac.tx.Bucket(bucketCounters)
	v := int64(getUint(b, []byte(c.Name))) + c.Delta
	return v, putUint(b, []byte(c.Name), uint64(v))
}
