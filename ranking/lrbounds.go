package ranking

import "math"

// lrDrop is how far an agent's log-likelihood may fall from its maximum
// inside a 95% likelihood-ratio interval: χ²₁(0.95)/2 = 3.8415/2 nats,
// here in log₁₀ units because the fit works in log₁₀ strengths.
const lrDrop = 3.841458820694124 / 2 / math.Ln10

// likelihoodBounds returns, for every agent, the 95% conditional
// likelihood-ratio interval of its rating: the ratings at which its own
// penalised log-likelihood, every other strength held at the fit, has
// fallen lrDrop below the maximum. The bootstrap's interval is widened to
// cover it (BootstrapCounts), because resampling cannot show uncertainty
// that the record does not vary: one game, or 3–0, resamples to itself.
//
// Why this interval and not a Wald one (rating ± 1.96·SE from the
// curvature): an agent that has never lost has almost no curvature, so a
// Wald interval is wide on both sides; and with mean anchoring its huge
// variance leaks into every other agent's. The likelihood-ratio interval
// is asymmetric instead: a clean record bounds the rating from below
// firmly and from above only through the prior. Holding the opponents
// fixed keeps each agent's interval about its own record (the bootstrap
// still carries the opponents' uncertainty); it makes this interval a
// floor on the width, not a replacement.
//
// With x = 10^t agent i's strength, its penalised log-likelihood is, in
// log₁₀ units and up to a constant (S_i its score with ties as half, n_ij
// the battles against j, c the prior's virtual ties against strength 1),
//
//	L(t) = (S_i + c/2)·t − Σ_j n_ij·log₁₀(x + p_j) − c·log₁₀(x + 1),
//
// concave, maximal at the fitted t̂ = log₁₀ p_i, and falling without bound
// on both sides (the prior sees to that), so each bound is found by
// stepping out from t̂ and bisecting. A rating moves by Scale·Δt·(1 − 1/n)
// under mean anchoring (the mean moves with the agent) and Scale·Δt when
// anchored to another agent; the anchor agent's interval is its rating.
// Like the fit, it uses only the package's log10 and pow10 and rounds
// every product, so every platform computes the same bits.
func likelihoodBounds(t *tally, p, ratings []float64, prior float64, anchor int) (lo, hi []float64) {
	n := t.n
	lo, hi = make([]float64, n), make([]float64, n)
	for i := range n {
		lo[i], hi[i] = ratings[i], ratings[i]
		if i == anchor {
			continue
		}
		nbr, games := t.row(i)
		loglik := func(tt float64) float64 {
			x := pow10(tt)
			v := float64((t.score[i]+prior/2)*tt) - float64(prior*log10(x+1))
			for s, g := range games {
				if g != 0 {
					v -= float64(g * log10(x+p[nbr[s]]))
				}
			}
			return v
		}
		top := log10(p[i])
		peak := loglik(top)
		scale := Scale
		if anchor < 0 {
			scale = float64(Scale * (1 - 1/float64(n)))
		}
		for k, dir := range [2]float64{-1, 1} {
			// Step out in doublings until the likelihood has fallen far
			// enough; 2^9 = 512 decades (over 200,000 rating points) is
			// beyond any real record, so stop there rather than loop.
			in, out := 0.0, 0.5
			for peak-loglik(top+dir*out) < lrDrop && out < 512 {
				in, out = out, 2*out
			}
			for range 60 {
				mid := (in + out) / 2
				if peak-loglik(top+dir*mid) < lrDrop {
					in = mid
				} else {
					out = mid
				}
			}
			r := ratings[i] + float64(dir*float64(scale*in))
			if math.IsNaN(r) || math.IsInf(r, 0) {
				r = ratings[i]
			}
			if k == 0 {
				lo[i] = r
			} else {
				hi[i] = r
			}
		}
	}
	return lo, hi
}
