package bots

import (
	"context"
	"encoding/json"
	"fmt"
)

// Search scores. A win is worth c4Win minus the number of stones on the
// board when it happens, so faster wins (and slower losses) score higher
// and the search never dawdles on a won position.
const (
	c4Win = 1_000_000
	c4Inf = 1 << 30
)

// C4AlphaBeta searches a fixed number of plies with negamax and alpha-beta
// pruning over the window-count evaluation. Depth sets the strength.
type C4AlphaBeta struct {
	depth int
	rng   moveRNG
}

// NewC4AlphaBeta returns a search bot of the given depth in plies
// (clamped to 1..8; 5 plies answers in a few milliseconds).
func NewC4AlphaBeta(depth int, seed uint64) *C4AlphaBeta {
	depth = max(1, min(depth, 8))
	return &C4AlphaBeta{depth: depth, rng: moveRNG{seed: seed}}
}

func (a *C4AlphaBeta) Name() string { return fmt.Sprintf("c4-alphabeta-%d", a.depth) }
func (*C4AlphaBeta) Game() string   { return GameConnect4 }
func (a *C4AlphaBeta) Description() string {
	return fmt.Sprintf("Connect 4: negamax with alpha-beta pruning, %d plies deep.", a.depth)
}

func (a *C4AlphaBeta) Move(ctx context.Context, view json.RawMessage) (json.RawMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, legal, err := parseC4View(view)
	if err != nil {
		return nil, err
	}
	return columnMove(a.choose(ctx, b, legal)), nil
}

// choose deepens iteratively from one ply to the bot's depth. Each
// completed depth yields a move, so a context that expires mid-search still
// gets the best move of the last finished depth rather than nothing; the
// previous best is searched first, which also sharpens pruning.
func (a *C4AlphaBeta) choose(ctx context.Context, b *c4Board, legal []int) int {
	rng := a.rng.next()
	s := &searcher{ctx: ctx}
	choice := legal[0]
	order := rootOrder(legal, -1)
	for d := 1; d <= a.depth; d++ {
		ties, ok := s.root(b, order, d)
		if !ok {
			break
		}
		// Equal best moves are told apart at random, so two search bots
		// do not replay the same game forever.
		choice = ties[rng.IntN(len(ties))]
		order = rootOrder(legal, ties[0])
	}
	return choice
}

// rootOrder sorts legal columns centre-first, with first (if >= 0) at the
// front.
func rootOrder(legal []int, first int) []int {
	allowed := [c4Cols]bool{}
	for _, c := range legal {
		allowed[c] = true
	}
	out := make([]int, 0, len(legal))
	if first >= 0 && allowed[first] {
		out = append(out, first)
	}
	for _, c := range c4Order {
		if allowed[c] && c != first {
			out = append(out, c)
		}
	}
	return out
}

// searcher carries one search's cancellation state. It checks the context
// every 1024 nodes: often enough to stop within a millisecond, rarely
// enough to cost nothing.
type searcher struct {
	ctx     context.Context
	nodes   int
	aborted bool
}

// root searches every root move to depth plies and returns all moves that
// share the best score. The window is opened one point below the best
// score so far, which makes equal scores exact (integer scores: anything
// that fails low is strictly worse). ok is false when the search was
// cancelled part way.
func (s *searcher) root(b *c4Board, order []int, depth int) (ties []int, ok bool) {
	best := -c4Inf
	for _, c := range order {
		var v int
		if b.winsWith(c) {
			v = c4Win - (b.moves + 1)
		} else {
			b.play(c)
			alpha := -c4Inf
			if best > -c4Inf {
				alpha = best - 1
			}
			v = -s.negamax(b, depth-1, -c4Inf, -alpha)
			b.undo(c)
		}
		if s.aborted {
			return nil, false
		}
		switch {
		case v > best:
			best, ties = v, []int{c}
		case v == best:
			ties = append(ties, c)
		}
	}
	return ties, true
}

// negamax returns the score of b for the side to move, searched depth
// plies further. Before expanding (and even at depth 0) it checks whether
// the side to move can win at once: that cheap look-ahead lets a shallow
// search see a double threat it has just made.
func (s *searcher) negamax(b *c4Board, depth, alpha, beta int) int {
	s.nodes++
	if s.nodes&1023 == 0 && s.ctx.Err() != nil {
		s.aborted = true
	}
	if s.aborted {
		return 0
	}
	if b.full() {
		return 0
	}
	forced, threats := -1, 0
	for _, c := range c4Order {
		if !b.canPlay(c) {
			continue
		}
		if b.winsWith(c) {
			return c4Win - (b.moves + 1)
		}
		if b.opponentWinsWith(c) {
			forced = c
			threats++
		}
	}
	// An opponent threat must be blocked: with two the game is lost, with
	// one the block is the only move worth searching, and it is searched
	// even at the horizon (not counting against depth) so the evaluation
	// never credits a threat that is about to be blocked.
	if threats > 1 {
		return -(c4Win - (b.moves + 2))
	}
	if threats == 1 {
		b.play(forced)
		v := -s.negamax(b, max(depth-1, 0), -beta, -alpha)
		b.undo(forced)
		return v
	}
	if depth == 0 {
		return b.evaluate()
	}
	best := -c4Inf
	for _, c := range c4Order {
		if !b.canPlay(c) {
			continue
		}
		b.play(c)
		v := -s.negamax(b, depth-1, -beta, -alpha)
		b.undo(c)
		if v > best {
			best = v
		}
		if v > alpha {
			alpha = v
		}
		if alpha >= beta {
			break
		}
	}
	return best
}
