package arena

import (
	"github.com/agentarena/arena/apperr"
)

type arenaPutCmd struct {
	Arena Arena `json:"arena"`
	// OnlyIfMissing makes the command a no-op for an existing arena (used
	// to seed defaults without overwriting an operator's changes).
	OnlyIfMissing bool `json:"only_if_missing,omitempty"`
}

func (f *FSM) applyArenaPut(ac *applyCtx, env Envelope) (any, error) {
	var c arenaPutCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	a := c.Arena
	if err := validateArena(&a, f.games); err != nil {
		return nil, err
	}
	b := ac.tx.Bucket(bucketArenas)
	var old Arena
	exists, err := getJSON(b, []byte(a.Name), &old)
	if err != nil {
		return nil, err
	}
	if exists && c.OnlyIfMissing {
		return old, nil
	}
	if exists {
		if old.Game != a.Game {
			return nil, apperr.New(apperr.Conflict, "arena %s plays %s; its game cannot change", a.Name, old.Game)
		}
		a.CreatedAt = old.CreatedAt
	} else {
		a.CreatedAt = ac.now
	}
	a.UpdatedAt = ac.now
	if err := putJSON(b, []byte(a.Name), a); err != nil {
		return nil, err
	}
	ac.emit(EventArenaUpdated, a)
	return a, nil
}
