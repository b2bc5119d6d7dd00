package ranking

import (
	"math"
	"slices"

	"github.com/agentarena/arena/apperr"
)

// Bradley–Terry model: agent i has a strength p_i > 0 and beats agent j
// with probability p_i/(p_i+p_j). On the Elo scale the rating is
// R_i = Scale·log_Base(p_i) + constant, so P(i beats j) is exactly
// ExpectedScore(R_i, R_j). Unlike online Elo, the fit weighs every battle
// equally whatever its time, which is what public LLM leaderboards publish.
//
// Ties count as half a win for each side. That keeps the model to one
// parameter per agent and gives a tie the same expected score as Elo does.
//
// The prior: with no other help an agent that never lost has an infinite
// maximum-likelihood rating (and one that never won, minus infinity). So
// every agent is credited with Prior virtual tied games against a virtual
// reference player of fixed strength 1, i.e. half a win and half a loss
// each. With the default of one such game the pull toward the field is
// worth a single battle: it keeps every rating finite and is negligible
// once an agent has played dozens of battles. Because the reference is
// fixed, the penalised log-likelihood is strictly concave and has exactly
// one maximum, which is what the fit finds.
//
// Anchoring: the model fixes only rating differences. The fitted ratings
// are shifted so that their arithmetic mean is Anchor (1000 by default) —
// equivalently the geometric mean of the strengths maps to Anchor. Mean
// anchoring is recommended: it treats every agent alike and keeps the
// average where new Elo agents start. BTOptions.AnchorAgent pins one
// named agent to Anchor instead (e.g. a fixed baseline bot), which keeps
// ratings comparable across data sets that share that agent.

// Defaults for BTOptions.
const (
	DefaultPrior   = 1.0
	DefaultAnchor  = 1000.0
	DefaultTol     = 1e-7
	DefaultMaxIter = 10000
)

// BTOptions configures a Bradley–Terry fit. Zero values select defaults.
type BTOptions struct {
	// Prior is the number of virtual tied games each agent plays against
	// the reference; 0 selects DefaultPrior. It must be positive.
	Prior float64
	// Anchor is the rating the anchor receives; 0 selects DefaultAnchor.
	Anchor float64
	// AnchorAgent, when set, is the agent rated exactly Anchor; when
	// empty the mean rating is Anchor.
	AnchorAgent string
	// Tol stops the fit once no rating moves by more than Tol rating
	// points in one iteration; 0 selects DefaultTol. The remaining error
	// is typically a few times Tol.
	Tol float64
	// MaxIter caps the iterations; 0 selects DefaultMaxIter.
	MaxIter int
}

// withDefaults fills zero fields and rejects values that make no sense.
func (o BTOptions) withDefaults() (BTOptions, error) {
	bad := func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }
	switch {
	case bad(o.Prior) || o.Prior < 0:
		return o, apperr.New(apperr.Invalid, "bradley-terry: prior must be a positive number, got %v", o.Prior)
	case bad(o.Anchor):
		return o, apperr.New(apperr.Invalid, "bradley-terry: anchor must be finite, got %v", o.Anchor)
	case bad(o.Tol) || o.Tol < 0:
		return o, apperr.New(apperr.Invalid, "bradley-terry: tolerance must be a positive number, got %v", o.Tol)
	case o.MaxIter < 0:
		return o, apperr.New(apperr.Invalid, "bradley-terry: max iterations must not be negative, got %d", o.MaxIter)
	}
	if o.Prior == 0 {
		o.Prior = DefaultPrior
	}
	if o.Anchor == 0 {
		o.Anchor = DefaultAnchor
	}
	if o.Tol == 0 {
		o.Tol = DefaultTol
	}
	if o.MaxIter == 0 {
		o.MaxIter = DefaultMaxIter
	}
	return o, nil
}

// BTResult is a fitted Bradley–Terry model. Slices are indexed alike,
// agents in the order of the input Counts (ascending name from battles).
type BTResult struct {
	Agents     []string
	Ratings    []float64 // Elo-scale ratings, anchored per BTOptions
	Battles    []int     // battles each agent played
	Iterations int       // iterations the fit used
	Converged  bool      // false when MaxIter stopped the fit first
	// Converged is false only for pathological data, such as a long chain
	// in which each agent beat the next every time: the ratings are then
	// finite but not yet at the maximum.
}

// FitBT fits Bradley–Terry ratings to battles; see Aggregate for what
// makes a battle invalid. No battles give an empty result, not an error.
func FitBT(battles []Battle, opt BTOptions) (BTResult, error) {
	b, err := aggregateBoard(battles)
	if err != nil {
		return BTResult{}, err
	}
	res, _, err := fitBoard(func() (board, error) { return b, nil }, opt)
	return res, err
}

// FitBTCounts fits Bradley–Terry ratings to pre-aggregated counts.
// An agent with no battles is rated at the reference, near Anchor.
func FitBTCounts(c Counts, opt BTOptions) (BTResult, error) {
	res, _, err := fitBoard(c.board, opt)
	return res, err
}

// fitBoard fits the board that load returns, once opt is found valid, and
// also returns the fitted strengths, so the bootstrap can start every
// refit from them.
func fitBoard(load func() (board, error), opt BTOptions) (BTResult, []float64, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return BTResult{}, nil, err
	}
	b, err := load()
	if err != nil {
		return BTResult{}, nil, err
	}
	anchor := -1
	for i, name := range b.agents {
		if name == opt.AnchorAgent {
			anchor = i
		}
	}
	if opt.AnchorAgent != "" && anchor < 0 {
		return BTResult{}, nil, apperr.New(apperr.Invalid, "bradley-terry: anchor agent %q is not among the agents", opt.AnchorAgent)
	}
	n := len(b.agents)
	t := newTally(n, newPairs(n, b.cs))
	t.fill(b.cs, b.m)
	p := make([]float64, n)
	for i := range p {
		p[i] = 1
	}
	iters, ok := fitMM(t, p, opt)
	return BTResult{
		Agents:     slices.Clone(b.agents),
		Ratings:    toRatings(p, anchor, opt.Anchor, make([]float64, n)),
		Battles:    t.played,
		Iterations: iters,
		Converged:  ok,
	}, p, nil
}

// fitMM maximises the penalised likelihood in place, starting from the
// strengths in p, and reports the iterations used and whether it
// converged.
//
// Each iteration is one cyclic (Gauss–Seidel) sweep of Hunter's (2004)
// minorization–maximization update
//
//	p_i ← (W_i + c/2) / (Σ_j n_ij/(p_i+p_j) + c/(p_i+1)),
//
// where W_i is i's score and c the prior, followed by the best common
// rescaling of all strengths. Both steps never lower the objective, so the
// fit converges to the unique maximum. The rescaling matters for speed:
// the data only fix strength ratios, and the weak prior alone would pull
// the common level into place at a rate of about c/n_i per sweep.
//
// There are no products that could be fused, only sums and quotients, so
// every platform computes the same bits.
func fitMM(t *tally, p []float64, opt BTOptions) (int, bool) {
	n, c := t.n, opt.Prior
	half := c / 2
	// A rating moves by Scale/ln(Base) points per unit of ln p.
	relTol := opt.Tol / (Scale / math.Ln10)
	prev := make([]float64, n)
	for it := 1; it <= opt.MaxIter; it++ {
		copy(prev, p)
		for i := range n {
			pi := p[i]
			d := c / (pi + 1)
			nbr, games := t.row(i)
			for s, g := range games {
				if g != 0 {
					d += g / (pi + p[nbr[s]])
				}
			}
			p[i] = (t.score[i] + half) / d
		}
		rescale(p)
		moved := 0.0
		for i := range n {
			moved = max(moved, math.Abs(p[i]/prev[i]-1))
		}
		if moved <= relTol {
			return it, true
		}
	}
	return opt.MaxIter, false
}

// rescale multiplies every strength by the s > 0 that maximises the prior
// term alone (the data term does not change under a common factor):
// Σ_i σ_i = n/2 with σ_i = s·p_i/(s·p_i+1). It takes Newton steps in
// log₁₀ s, each capped at one decade so a poor start cannot overshoot.
func rescale(p []float64) {
	target := float64(len(p)) / 2
	s := 1.0
	for range 100 {
		var h, dh float64
		for _, pi := range p {
			x := float64(s * pi)
			sig := x / (x + 1)
			h += sig
			dh += float64(sig * (1 - sig))
		}
		if dh == 0 {
			break
		}
		step := max(-1, min(1, (target-h)/float64(dh*math.Ln10)))
		s = float64(s * pow10(step))
		if math.Abs(step) < 1e-15 {
			break
		}
	}
	for i := range p {
		p[i] = float64(s * p[i])
	}
}

// toRatings converts strengths to anchored ratings, writing into out.
// anchor is the index of the anchor agent, or −1 for mean anchoring.
func toRatings(p []float64, anchor int, at float64, out []float64) []float64 {
	if len(p) == 0 {
		return out
	}
	var sum float64
	for i, pi := range p {
		out[i] = float64(Scale * log10(pi))
		sum += out[i]
	}
	shift := at - sum/float64(len(p))
	if anchor >= 0 {
		shift = at - out[anchor]
	}
	for i := range out {
		out[i] += shift
	}
	return out
}
