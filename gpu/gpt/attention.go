package gpt

import "math"

// attendRow is causal attention for one query against n keys/values. Key j of
// this head lives at kv[j*stride+kOff:][:hs] (and its value at vOff), which lets
// the same code read the packed qkv activations and the sampling KV cache.
// att receives the softmax weights (length n), y the weighted sum of values.
func attendRow(y, att, q, kv []float32, n, stride, kOff, vOff int, scale float32) {
	hs := len(q)
	maxv := float32(math.Inf(-1))
	for j := range n {
		k := kv[j*stride+kOff:][:hs]
		var s float32
		for i, qi := range q {
			s += qi * k[i]
		}
		s *= scale
		att[j] = s
		maxv = max(maxv, s)
	}
	var sum float32
	for j := range n {
		e := float32(math.Exp(float64(att[j] - maxv)))
		att[j] = e
		sum += e
	}
	inv := 1 / sum
	y = y[:hs]
	clear(y)
	for j := range n {
		a := att[j] * inv
		att[j] = a
		v := kv[j*stride+vOff:][:hs]
		for i := range y {
			y[i] += a * v[i]
		}
	}
}

// attentionForward runs causal multi-head attention over qkv [B,T,3C] into y [B,T,C],
// saving the softmax weights in att [B,H,T,T] (only t2 ≤ t is written).
func attentionForward(y, att, qkv []float32, B, T, C, H int) {
	hs := C / H
	scale := float32(1 / math.Sqrt(float64(hs)))
	parallelFor(B*H, 1, func(lo, hi int) {
		for bh := lo; bh < hi; bh++ {
			b, h := bh/H, bh%H
			base := qkv[b*T*3*C:]
			for t := range T {
				q := base[t*3*C+h*hs:][:hs]
				a := att[(bh*T+t)*T:][:T]
				attendRow(y[(b*T+t)*C+h*hs:], a, q, base, t+1, 3*C, C+h*hs, 2*C+h*hs, scale)
			}
		}
	})
}

// attentionBackward accumulates into dqkv [B,T,3C] given dy [B,T,C]. Each (b,h)
// touches only its own slices of dqkv, so heads run in parallel without locks.
func attentionBackward(dqkv, dy, qkv, att []float32, B, T, C, H int) {
	hs := C / H
	scale := float32(1 / math.Sqrt(float64(hs)))
	parallelFor(B*H, 1, func(lo, hi int) {
		datt := make([]float32, T)
		for bh := lo; bh < hi; bh++ {
			b, h := bh/H, bh%H
			base := qkv[b*T*3*C:]
			dbase := dqkv[b*T*3*C:]
			for t := range T {
				a := att[(bh*T+t)*T:][:t+1]
				g := dy[(b*T+t)*C+h*hs:][:hs]
				// through y = Σ a·v
				for j := range t + 1 {
					v := base[j*3*C+2*C+h*hs:][:hs]
					dv := dbase[j*3*C+2*C+h*hs:][:hs]
					var s float32
					for i, gi := range g {
						s += gi * v[i]
						dv[i] += a[j] * gi
					}
					datt[j] = s
				}
				// through the softmax
				var dot float32
				for j := range t + 1 {
					dot += a[j] * datt[j]
				}
				q := base[t*3*C+h*hs:][:hs]
				dq := dbase[t*3*C+h*hs:][:hs]
				for j := range t + 1 {
					dpre := a[j] * (datt[j] - dot) * scale
					k := base[j*3*C+C+h*hs:][:hs]
					dk := dbase[j*3*C+C+h*hs:][:hs]
					for i := range hs {
						dq[i] += dpre * k[i]
						dk[i] += dpre * q[i]
					}
				}
			}
		}
	})
}
