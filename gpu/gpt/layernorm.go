package gpt

import "math"

const lnEps = 1e-5

// layerNormRow normalises one row and saves mean and 1/std for the backward pass.
func layerNormRow(out, inp, w, b []float32) (mean, rstd float32) {
	c := len(inp)
	var m float32
	for _, x := range inp {
		m += x
	}
	m /= float32(c)
	var v float32
	for _, x := range inp {
		d := x - m
		v += d * d
	}
	v /= float32(c)
	s := float32(1 / math.Sqrt(float64(v+lnEps)))
	out = out[:c]
	for i, x := range inp {
		out[i] = (x-m)*s*w[i] + b[i]
	}
	return m, s
}

// layerNormForward normalises n rows of width c.
func layerNormForward(out, mean, rstd, inp, w, b []float32, n, c int) {
	parallelFor(n, 16, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			mean[r], rstd[r] = layerNormRow(out[r*c:(r+1)*c], inp[r*c:(r+1)*c], w, b)
		}
	})
}

// layerNormBackward accumulates into dinp, dw and db.
func layerNormBackward(dinp, dw, db, dout, inp, w, mean, rstd []float32, n, c int) {
	// Rows are independent for dinp, so they run in parallel; the weight
	// gradients are a reduction over rows and are summed afterwards in row order
	// to stay deterministic.
	parallelFor(n, 16, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			x := inp[r*c : (r+1)*c]
			g := dout[r*c : (r+1)*c]
			di := dinp[r*c : (r+1)*c]
			m, s := mean[r], rstd[r]
			var dnormMean, dnormNormMean float32
			for i := range c {
				norm := (x[i] - m) * s
				dn := w[i] * g[i]
				dnormMean += dn
				dnormNormMean += dn * norm
			}
			dnormMean /= float32(c)
			dnormNormMean /= float32(c)
			for i := range c {
				norm := (x[i] - m) * s
				dn := w[i] * g[i]
				di[i] += (dn - dnormMean - norm*dnormNormMean) * s
			}
		}
	})
	parallelFor(c, 16, func(lo, hi int) {
		for r := range n {
			x := inp[r*c : (r+1)*c]
			g := dout[r*c : (r+1)*c]
			m, s := mean[r], rstd[r]
			for i := lo; i < hi; i++ {
				dw[i] += (x[i] - m) * s * g[i]
				db[i] += g[i]
			}
		}
	})
}
