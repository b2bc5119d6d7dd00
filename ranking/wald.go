package ranking

import "math"

// waldZ is the normal quantile of a two-sided 95% Wald interval.
const waldZ = 1.96

// waldSE returns every agent's standard error in rating points from the
// curvature of the penalised log-likelihood at the fitted strengths p,
// anchored like the ratings: anchor is the anchor agent's index, or −1
// for mean anchoring. It returns nil when the curvature matrix is not
// numerically positive definite or an error is not finite, which the
// prior rules out short of strengths beyond any real data.
//
// In θ_i = ln p_i the penalised log-likelihood the fit maximises is (see
// the top of bradleyterry.go; W_i counts ties as half, n_ij counts them
// as battles, c is the prior)
//
//	ℓ(θ) = Σ_i (W_i + c/2)·θ_i − Σ_{i<j} n_ij·ln(e^θ_i + e^θ_j) − c·Σ_i ln(e^θ_i + 1),
//
// so its negative Hessian H, the observed information, is
//
//	H_ii = c·s_i(1−s_i) + Σ_j n_ij·q_ij(1−q_ij),   H_ij = −n_ij·q_ij(1−q_ij),
//
// with s_i = p_i/(p_i+1) and q_ij = p_i/(p_i+p_j). A tie enters ℓ as
// ½ln q_ij + ½ln(1−q_ij), whose curvature is that of a win or a loss, so
// ties need no term of their own. H is a weighted graph Laplacian plus
// the prior's positive diagonal, hence symmetric, strictly diagonally
// dominant and positive definite. Cov(θ̂) ≈ Σ = H⁻¹.
//
// A rating is k·θ_i plus a common shift, k = Scale/ln(Base). With mean
// anchoring r_i = k·(θ_i − θ̄) + Anchor, so Var(r_i) = k²·vᵀΣv with
// v = e_i − (1/n)·1; with anchor agent a, v = e_i − e_a (zero for a, whose
// rating is fixed). With the Cholesky factor H = LLᵀ, vᵀΣv = |L⁻¹v|², and
// L⁻¹v = L⁻¹e_i − L⁻¹u (u = (1/n)·1 or e_a). L⁻¹u is solved once; L⁻¹e_i
// is zero above row i, so agent i's solve starts at row i. Factorisation
// and all solves each take about n³/6 multiply-adds.
//
// Like the fit, everything here must give the same bits on every
// platform: each product is rounded explicitly (float64(…)) so that no
// compiler fuses it into a multiply-add, sums run in a fixed order, and
// math.Sqrt is correctly rounded.
func waldSE(t *tally, p []float64, prior float64, anchor int) []float64 {
	n := t.n
	h := make([]float64, n*n) // H, then its Cholesky factor L (lower triangle)
	for i, pi := range p {
		h[i*n+i] = float64(prior * float64(float64(pi/(pi+1))*float64(1/(pi+1))))
	}
	for i := range n {
		for j := i + 1; j < n; j++ {
			g := t.games[i*n+j]
			if g == 0 {
				continue
			}
			d := p[i] + p[j]
			w := float64(g * float64(float64(p[i]/d)*float64(p[j]/d)))
			h[i*n+j], h[j*n+i] = -w, -w
			h[i*n+i] += w
			h[j*n+j] += w
		}
	}
	// Cholesky–Crout, row by row over the lower triangle.
	for j := range n {
		d := h[j*n+j]
		for k := range j {
			d -= float64(h[j*n+k] * h[j*n+k])
		}
		if !(d > 0) || math.IsInf(d, 0) {
			return nil
		}
		d = math.Sqrt(d)
		h[j*n+j] = d
		for i := j + 1; i < n; i++ {
			x := h[i*n+j]
			for k := range j {
				x -= float64(h[i*n+k] * h[j*n+k])
			}
			h[i*n+j] = x / d
		}
	}
	// solve overwrites y, zero before row from, with L⁻¹y.
	solve := func(y []float64, from int) {
		for i := from; i < n; i++ {
			x := y[i]
			for k := from; k < i; k++ {
				x -= float64(h[i*n+k] * y[k])
			}
			y[i] = x / h[i*n+i]
		}
	}
	base := make([]float64, n) // L⁻¹u
	if anchor >= 0 {
		base[anchor] = 1
		solve(base, anchor)
	} else {
		for i := range base {
			base[i] = 1 / float64(n)
		}
		solve(base, 0)
	}
	const k = Scale / math.Ln10
	se := make([]float64, n)
	z := make([]float64, n)
	for i := range n {
		clear(z)
		z[i] = 1
		solve(z, i)
		var v float64
		for j := range n {
			d := z[j] - base[j]
			v += float64(d * d)
		}
		se[i] = float64(k * math.Sqrt(v))
		if math.IsNaN(se[i]) || math.IsInf(se[i], 0) {
			return nil
		}
	}
	return se
}
