package arena

import (
	"sort"
	"time"

	"github.com/agentarena/arena/games"
	"github.com/agentarena/arena/games/connect4"
	"github.com/agentarena/arena/games/prompt"
	"github.com/agentarena/arena/games/verifiable"
)

// GameRegistry maps a game name to its rules. Every node of a cluster must
// run the same registry: it is part of the state machine's code.
type GameRegistry map[string]games.Game

// DefaultGames is connect4, the prompt game with the built-in prompt set
// and the verifiable-task game.
func DefaultGames() GameRegistry {
	reg := GameRegistry{}
	for _, g := range []games.Game{connect4.New(), prompt.New(prompt.DefaultSet()), verifiable.New()} {
		reg[g.Name()] = g
	}
	return reg
}

// Names lists the games in order.
func (r GameRegistry) Names() []string {
	out := make([]string, 0, len(r))
	for n := range r {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func gamesSetup(a *Arena, seed uint64, rev int) games.Setup {
	return games.Setup{Seats: a.Seats, Seed: seed, Options: a.Options, Rev: rev}
}

func msDuration(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }
