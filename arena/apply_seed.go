package arena

import (
	"github.com/agentarena/arena/agents"
)

// HouseOwnerID owns the built-in bots.
const HouseOwnerID = "ow_house"

// houseKeyHash can never equal a real key's hash (those are 64 hex
// characters), so nobody can act as the house owner through the API.
const houseKeyHash = "no-key:" + HouseOwnerID

// BotSpec describes a built-in bot to register.
type BotSpec struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Arena       string `json:"arena"`
}

// BotAgentID is the deterministic agent id of a built-in bot.
func BotAgentID(name string) string { return "ag_bot_" + name }

type systemSeedCmd struct {
	Arenas []Arena   `json:"arenas"`
	Bots   []BotSpec `json:"bots"`
}

// applySystemSeed creates what a fresh cluster needs and leaves everything
// that exists alone, so every new leader may propose it again safely.
func (f *FSM) applySystemSeed(ac *applyCtx, env Envelope) (any, error) {
	var c systemSeedCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	// Validate everything first: a failed command must write nothing.
	for i := range c.Arenas {
		if err := validateArena(&c.Arenas[i], f.games); err != nil {
			return nil, err
		}
	}
	for _, b := range c.Bots {
		a := agents.Agent{Name: b.Name, Description: b.Description, Kind: agents.KindBuiltin}
		if err := a.Validate(); err != nil {
			return nil, err
		}
	}
	created := 0
	if _, ok, err := ledgerSettings(ac.tx); err != nil {
		return nil, err
	} else if !ok {
		if err := putJSON(ac.tx.Bucket(bucketCluster), keyLedgerSettings, DefaultLedgerSettings); err != nil {
			return nil, err
		}
	}
	ab, cb := ac.tx.Bucket(bucketArenas), ac.tx.Bucket(bucketCluster)
	for _, a := range c.Arenas {
		if ab.Get([]byte(a.Name)) != nil {
			continue
		}
		if cb.Get(arenaDeletedKey(a.Name)) != nil {
			continue // an operator deleted it: it stays deleted
		}
		a.CreatedAt, a.UpdatedAt = ac.now, ac.now
		if err := putJSON(ab, []byte(a.Name), a); err != nil {
			return nil, err
		}
		ac.emit(EventArenaUpdated, a)
		created++
	}
	if len(c.Bots) == 0 {
		return created, nil
	}
	if _, err := agents.GetOwner(ac.tx, HouseOwnerID); err != nil {
		o := agents.Owner{ID: HouseOwnerID, Name: "Arena house bots", CreatedAt: ac.now}
		if err := agents.CreateOwner(ac.tx, o, houseKeyHash); err != nil {
			return nil, err
		}
		if err := grantStart(ac, o.ID); err != nil {
			return nil, err
		}
	}
	for _, b := range c.Bots {
		id := BotAgentID(b.Name)
		if _, err := agents.GetAgent(ac.tx, id); err == nil {
			continue
		}
		a := agents.Agent{ID: id, OwnerID: HouseOwnerID, Name: b.Name, Description: b.Description,
			Kind: agents.KindBuiltin, CreatedAt: ac.now}
		if err := agents.CreateAgent(ac.tx, a, "no-key:"+id); err != nil {
			return nil, err
		}
		created++
	}
	return created, nil
}
