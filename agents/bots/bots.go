// Package bots are the built-in agents a fresh node enters on its own.
//
// A bot sees exactly what an external agent sees — the turn view JSON — and
// answers the move JSON, so bots exercise the same path as real agents and
// the rules never trust a bot more than a stranger. Bots hold no mutable
// state except a move counter, so one bot value may play in many contests
// at once.
package bots

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"math/rand/v2"
	"sync/atomic"
)

// Games a bot can play; they match the games' Name values.
const (
	GameConnect4 = "connect4"
	GamePrompt   = "prompt"
)

// Bot is a built-in agent. Implementations are safe for concurrent use.
type Bot interface {
	// Name is stable across releases, e.g. "c4-random"; it identifies the
	// bot's agent record.
	Name() string
	// Game is the game the bot plays: "connect4", "prompt" or
	// "verifiable"; the bot queues in the default arena of that name.
	Game() string
	// Description is one human-readable line for the agent page.
	Description() string
	// Move returns the move JSON for a turn view. It is fast (well under
	// 200 ms on one core) and honours ctx: a context that is already done
	// yields ctx.Err().
	Move(ctx context.Context, view json.RawMessage) (json.RawMessage, error)
}

// Every bot type satisfies Bot.
var (
	_ Bot = (*C4Random)(nil)
	_ Bot = (*C4Greedy)(nil)
	_ Bot = (*C4AlphaBeta)(nil)
	_ Bot = (*TextCareful)(nil)
	_ Bot = (*TextTerse)(nil)
	_ Bot = (*TextVerbose)(nil)
	_ Bot = (*TextEcho)(nil)
	_ Bot = (*VerifiableSolver)(nil)
)

// All returns every built-in bot in a fixed order. The seed makes the
// randomised bots reproducible; each bot derives its own stream from it so
// two bots built from one seed do not mirror each other.
func All(seed uint64) []Bot {
	return append([]Bot{
		NewC4Random(derive(seed, "c4-random")),
		NewC4Greedy(derive(seed, "c4-greedy")),
		NewC4AlphaBeta(2, derive(seed, "c4-alphabeta-2")),
		NewC4AlphaBeta(5, derive(seed, "c4-alphabeta-5")),
		NewTextCareful(),
		NewTextTerse(),
		NewTextVerbose(),
		NewTextEcho(),
	}, verifiableBots(seed)...)
}

// Lookup returns the built-in bot with the given name, built from seed as
// All would build it.
func Lookup(name string, seed uint64) (Bot, bool) {
	for _, b := range All(seed) {
		if b.Name() == name {
			return b, true
		}
	}
	return nil, false
}

// derive mixes a bot's name into the seed (FNV-1a), so per-bot streams are
// independent but still a pure function of the node's seed.
func derive(seed uint64, name string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	return seed ^ h.Sum64()
}

// moveRNG hands out one PCG stream per move: (seed, counter) seeds the
// stream, so a bot replays the same choices for the same move sequence and
// concurrent contests never share a generator (math/rand/v2's *Rand is not
// safe for concurrent use).
type moveRNG struct {
	seed    uint64
	counter atomic.Uint64
}

func (m *moveRNG) next() *rand.Rand {
	return rand.New(rand.NewPCG(m.seed, m.counter.Add(1)))
}
