package gpt

import "math"

// GPT-2's "gelu_new": the tanh approximation of GELU.
var geluScale = float32(math.Sqrt(2 / math.Pi))

const geluCube = 0.044715

func tanh32(x float32) float32 { return float32(math.Tanh(float64(x))) }

func geluForward(out, inp []float32) {
	parallelFor(len(inp), 4096, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			x := inp[i]
			out[i] = 0.5 * x * (1 + tanh32(geluScale*(x+geluCube*x*x*x)))
		}
	})
}

// geluBackward sets dinp from the saved input (it does not accumulate: each GELU input has one consumer).
func geluBackward(dinp, inp, dout []float32) {
	parallelFor(len(inp), 4096, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			x := inp[i]
			u := geluScale * (x + geluCube*x*x*x)
			th := tanh32(u)
			sech2 := 1 - th*th
			local := 0.5*(1+th) + 0.5*x*sech2*geluScale*(1+3*geluCube*x*x)
			dinp[i] = local * dout[i]
		}
	})
}
