package gpt

import (
	"math"

	"gonum.org/v1/gonum/blas"
)

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
// saving the softmax weights in att [B,H,T,T] (zero above the diagonal). Each
// (b,h) is three small GEMMs with strided operands, so the fast GEMM does the
// O(T²·hs) work; computing the masked upper triangle costs less than scalar loops.
func attentionForward(y, att, qkv []float32, B, T, C, H int) {
	hs := C / H
	scale := float32(1 / math.Sqrt(float64(hs)))
	parallelFor(B*H, 1, func(lo, hi int) {
		for bh := lo; bh < hi; bh++ {
			b, h := bh/H, bh%H
			q := qkv[b*T*3*C+h*hs:]
			k, v := q[C:], q[2*C:]
			a := att[bh*T*T : (bh+1)*T*T]
			sgemm(blas.NoTrans, blas.Trans, T, T, hs, scale, q, 3*C, k, 3*C, 0, a, T)
			for t := range T {
				softmaxCausal(a[t*T:(t+1)*T], t+1)
			}
			sgemm(blas.NoTrans, blas.NoTrans, T, hs, T, 1, a, T, v, 3*C, 0, y[b*T*C+h*hs:], C)
		}
	})
}

// softmaxCausal replaces row[:n] with its softmax and zeroes the masked rest.
func softmaxCausal(row []float32, n int) {
	maxv := float32(math.Inf(-1))
	for _, s := range row[:n] {
		maxv = max(maxv, s)
	}
	var sum float32
	for j, s := range row[:n] {
		e := float32(math.Exp(float64(s - maxv)))
		row[j] = e
		sum += e
	}
	inv := 1 / sum
	for j := range row[:n] {
		row[j] *= inv
	}
	clear(row[n:])
}

// attentionBackward accumulates into dqkv [B,T,3C] given dy [B,T,C]. Each (b,h)
// touches only its own slices of dqkv, so heads run in parallel without locks.
func attentionBackward(dqkv, dy, qkv, att []float32, B, T, C, H int) {
	hs := C / H
	scale := float32(1 / math.Sqrt(float64(hs)))
	parallelFor(B*H, 1, func(lo, hi int) {
		ds := make([]float32, T*T)
		for bh := lo; bh < hi; bh++ {
			b, h := bh/H, bh%H
			q := qkv[b*T*3*C+h*hs:]
			k, v := q[C:], q[2*C:]
			dq := dqkv[b*T*3*C+h*hs:]
			dk, dv := dq[C:], dq[2*C:]
			g := dy[b*T*C+h*hs:]
			a := att[bh*T*T : (bh+1)*T*T]
			// through y = a·v
			sgemm(blas.NoTrans, blas.Trans, T, T, hs, 1, g, C, v, 3*C, 0, ds, T)
			sgemm(blas.Trans, blas.NoTrans, T, hs, T, 1, a, T, g, C, 1, dv, 3*C)
			// through the softmax; masked entries have a = 0 and so get no gradient
			for t := range T {
				ar, dr := a[t*T:t*T+t+1], ds[t*T:(t+1)*T]
				var dot float32
				for j, x := range ar {
					dot += x * dr[j]
				}
				for j, x := range ar {
					dr[j] = x * (dr[j] - dot)
				}
				clear(dr[t+1:])
			}
			// through scores = scale·q·kᵀ
			sgemm(blas.NoTrans, blas.NoTrans, T, hs, T, scale, ds, T, k, 3*C, 1, dq, 3*C)
			sgemm(blas.Trans, blas.NoTrans, T, hs, T, scale, ds, T, q, 3*C, 1, dk, 3*C)
		}
	})
}
