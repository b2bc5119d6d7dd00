package gpt

import "gonum.org/v1/gonum/blas"

// The model's building blocks, exported so that other backends (the
// device kernels of gpu/cudagpt) can be tested against exactly what the
// CPU model computes. Each is the unexported function of the same name;
// slices and layouts as documented there.

// OpEncoderForward is encoderForward.
func OpEncoderForward(out []float32, inputs []int32, wte, wpe []float32, B, T, C int) {
	encoderForward(out, inputs, wte, wpe, B, T, C)
}

// OpEncoderBackward is encoderBackward (accumulates).
func OpEncoderBackward(dwte, dwpe, dout []float32, inputs []int32, B, T, C int) {
	encoderBackward(dwte, dwpe, dout, inputs, B, T, C)
}

// OpLayerNormForward is layerNormForward.
func OpLayerNormForward(out, mean, rstd, inp, w, b []float32, n, c int) {
	layerNormForward(out, mean, rstd, inp, w, b, n, c)
}

// OpLayerNormBackward is layerNormBackward (accumulates).
func OpLayerNormBackward(dinp, dw, db, dout, inp, w, mean, rstd []float32, n, c int) {
	layerNormBackward(dinp, dw, db, dout, inp, w, mean, rstd, n, c)
}

// OpSgemm is the model's GEMM, gonum's Sgemm semantics, row-major.
func OpSgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	tA, tB := blas.NoTrans, blas.NoTrans
	if transA {
		tA = blas.Trans
	}
	if transB {
		tB = blas.Trans
	}
	sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// OpAttentionForward is attentionForward; att is [B,H,T,T].
func OpAttentionForward(y, att, qkv []float32, B, T, C, H int) {
	attentionForward(y, att, qkv, B, T, C, H)
}

// OpAttentionBackward is attentionBackward (accumulates into dqkv).
func OpAttentionBackward(dqkv, dy, qkv, att []float32, B, T, C, H int) {
	attentionBackward(dqkv, dy, qkv, att, B, T, C, H)
}

// OpAttendRow is attendRow: one query against n cached keys and values.
func OpAttendRow(y, att, q, kv []float32, n, stride, kOff, vOff int, scale float32) {
	attendRow(y, att, q, kv, n, stride, kOff, vOff, scale)
}

// OpGeluForward is geluForward.
func OpGeluForward(out, inp []float32) { geluForward(out, inp) }

// OpGeluBackward is geluBackward (sets dinp).
func OpGeluBackward(dinp, inp, dout []float32) { geluBackward(dinp, inp, dout) }

// OpTargetLogProbs is targetLogProbs.
func OpTargetLogProbs(logp, lse, logits []float32, targets []int32, n, V int) {
	targetLogProbs(logp, lse, logits, targets, n, V)
}

// OpTargetLogProbsBackward is targetLogProbsBackward (sets dlogits).
func OpTargetLogProbsBackward(dlogits, dlogp, logits, lse []float32, targets []int32, n, V int) {
	targetLogProbsBackward(dlogits, dlogp, logits, lse, targets, n, V)
}
