package main

import (
	"context"
	"fmt"

	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/games/verifiable"
)

// heldOut says which of an arena's pairs come from tasks it holds out for
// evaluation. An arena plays no held-out task once it declares them, but
// its export keeps the pairs played before (the built-in bots play from
// the moment a node starts, before an operator narrows the arena), and a
// run that trained on them measured its "held-out" accuracy on tasks it
// had been taught.
type heldOut struct {
	opts *verifiable.Options // nil: the arena's game holds nothing out
}

// arenaHeldOut reads what the arena holds out now; a game other than
// verifiable holds nothing out.
func arenaHeldOut(ctx context.Context, c *client.Client, arena string) (heldOut, error) {
	ar, err := c.GetArena(ctx, arena)
	if err != nil {
		return heldOut{}, fmt.Errorf("read arena %s: %w", arena, err)
	}
	if ar.Game != verifiable.Name {
		return heldOut{}, nil
	}
	o, err := verifiable.ParseOptions(ar.Options)
	if err != nil {
		return heldOut{}, err
	}
	return heldOut{opts: &o}, nil
}

// holds reports whether a verifiable pair's task is held out now.
func (h heldOut) holds(taskID string, c *pairCheck) bool {
	return c != nil && h.opts != nil && h.opts.HoldsOut(taskID, c.Family, c.Eval)
}

// pairCheck is the part of a verifiable pair's check the trainer reads.
type pairCheck struct {
	Family string
	Eval   bool
	Chosen struct{ Passed bool }
}
