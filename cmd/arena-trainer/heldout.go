package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

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
	families []string
	percent  int
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
	return heldOut{families: o.HeldOut, percent: o.HeldOutPercent}, nil
}

// holds reports whether a verifiable pair's task is held out: an
// evaluation task, a held-out family, or an instance among the lowest
// percent (the task id ends in the instance number, in hex, as the game
// draws it).
func (h heldOut) holds(taskID string, c *pairCheck) bool {
	if c == nil {
		return false
	}
	if c.Eval || slices.Contains(h.families, c.Family) {
		return true
	}
	if h.percent == 0 {
		return false
	}
	i := strings.LastIndexByte(taskID, '-')
	inst, err := strconv.ParseUint(taskID[i+1:], 16, 64)
	// A task id the trainer cannot read is left out rather than risked.
	return err != nil || int(inst%100) < h.percent
}

// pairCheck is the part of a verifiable pair's check the trainer reads.
type pairCheck struct {
	Family string
	Eval   bool
	Chosen struct{ Passed bool }
}
