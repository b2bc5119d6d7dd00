package bots

import (
	"context"
	"encoding/json"
	"strconv"
)

// columnMove encodes a connect4 move: the column as a bare JSON number.
func columnMove(c int) json.RawMessage { return json.RawMessage(strconv.Itoa(c)) }

// C4Random plays a uniformly random legal column: the floor every other
// strength is measured against.
type C4Random struct{ rng moveRNG }

// NewC4Random returns the random connect4 bot.
func NewC4Random(seed uint64) *C4Random { return &C4Random{rng: moveRNG{seed: seed}} }

func (*C4Random) Name() string        { return "c4-random" }
func (*C4Random) Game() string        { return GameConnect4 }
func (*C4Random) Description() string { return "Connect 4: plays a uniformly random legal column." }

func (r *C4Random) Move(ctx context.Context, view json.RawMessage) (json.RawMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	_, legal, err := parseC4View(view)
	if err != nil {
		return nil, err
	}
	return columnMove(legal[r.rng.next().IntN(len(legal))]), nil
}

// C4Greedy looks one move ahead: it wins when it can, blocks the
// opponent's immediate win, avoids handing the opponent a win on top of its
// own stone, and otherwise plays as close to the centre as it may.
type C4Greedy struct{ rng moveRNG }

// NewC4Greedy returns the greedy connect4 bot.
func NewC4Greedy(seed uint64) *C4Greedy { return &C4Greedy{rng: moveRNG{seed: seed}} }

func (*C4Greedy) Name() string { return "c4-greedy" }
func (*C4Greedy) Game() string { return GameConnect4 }
func (*C4Greedy) Description() string {
	return "Connect 4: takes a winning move, blocks an immediate threat, else prefers the centre."
}

func (g *C4Greedy) Move(ctx context.Context, view json.RawMessage) (json.RawMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, legal, err := parseC4View(view)
	if err != nil {
		return nil, err
	}
	return columnMove(greedyChoice(b, legal, g.rng.next().IntN)), nil
}

// greedyChoice is the greedy policy; intn breaks ties between columns
// equally far from the centre.
func greedyChoice(b *c4Board, legal []int, intn func(int) int) int {
	for _, c := range legal {
		if b.winsWith(c) {
			return c
		}
	}
	for _, c := range legal {
		if b.opponentWinsWith(c) {
			return c
		}
	}
	// A column is unsafe when our stone would let the opponent win by
	// playing directly on top of it. Prefer safe columns; if none is safe
	// the game is lost anyway and any column will do.
	var safe []int
	for _, c := range legal {
		b.play(c)
		lost := b.canPlay(c) && b.winsWith(c)
		b.undo(c)
		if !lost {
			safe = append(safe, c)
		}
	}
	if len(safe) == 0 {
		safe = legal
	}
	best, bestDist := []int(nil), c4Cols
	for _, c := range safe {
		d := abs(c - 3)
		switch {
		case d < bestDist:
			best, bestDist = []int{c}, d
		case d == bestDist:
			best = append(best, c)
		}
	}
	return best[intn(len(best))]
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
