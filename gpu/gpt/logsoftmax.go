package gpt

import "math"

// targetLogProbs computes, per row of logits [n,V], log-sum-exp and the log-probability
// of the target (0 where the target is negative, i.e. not scored).
func targetLogProbs(logp, lse, logits []float32, targets []int32, n, V int) {
	parallelFor(n, 8, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row := logits[r*V : (r+1)*V]
			maxv := float32(math.Inf(-1))
			for _, x := range row {
				maxv = max(maxv, x)
			}
			// The sum runs in float64: with 50k-entry vocabularies float32 loses digits the loss needs.
			var sum float64
			for _, x := range row {
				sum += math.Exp(float64(x - maxv))
			}
			lse[r] = maxv + float32(math.Log(sum))
			if tg := targets[r]; tg >= 0 {
				logp[r] = row[tg] - lse[r]
			} else {
				logp[r] = 0
			}
		}
	})
}

// targetLogProbsBackward sets dlogits from the upstream gradient of each target log-probability:
// d logp/d logit_v = [v = target] − softmax_v.
func targetLogProbsBackward(dlogits, dlogp, logits, lse []float32, targets []int32, n, V int) {
	parallelFor(n, 8, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			d := dlogits[r*V : (r+1)*V]
			tg := targets[r]
			if tg < 0 || dlogp[r] == 0 {
				clear(d)
				continue
			}
			g := dlogp[r]
			row := logits[r*V : (r+1)*V]
			l := lse[r]
			for v, x := range row {
				d[v] = -g * float32(math.Exp(float64(x-l)))
			}
			d[tg] += g
		}
	})
}
