//go:build cuda

package cudagpt_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/agentarena/arena/gpu"
	"github.com/agentarena/arena/gpu/cudagpt"
	"github.com/agentarena/arena/gpu/gpt"
)

// tf32 rounds as cvt.rna.tf32.f32: to 10 mantissa bits, ties away from 0.
func tf32(x float32) float32 {
	u := math.Float32bits(x)
	if u&0x7f800000 != 0x7f800000 {
		u += 0x1000
	}
	return math.Float32frombits(u &^ 0x1fff)
}

// gemmRef is C = alpha·op(A)·op(B) + beta·C in float64, with the inputs
// first passed through round (identity, or tf32).
func gemmRef(tA, tB bool, M, N, K int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, round func(float32) float32) {
	for i := range M {
		for j := range N {
			var s float64
			for p := range K {
				ia, ib := i*lda+p, p*ldb+j
				if tA {
					ia = p*lda + i
				}
				if tB {
					ib = j*ldb + p
				}
				av, bv := a[ia], b[ib]
				s += float64(round(av)) * float64(round(bv))
			}
			r := float64(alpha) * s
			if beta != 0 {
				r += float64(beta) * float64(c[i*ldc+j])
			}
			c[i*ldc+j] = float32(r)
		}
	}
}

// stored is the shape A and B are stored in for op(A) M×K and op(B) K×N
// under the transpositions tr.
func stored(tr [2]bool, M, N, K int) (rA, cA, rB, cB int) {
	rA, cA, rB, cB = M, K, K, N
	if tr[0] {
		rA, cA = K, M
	}
	if tr[1] {
		rB, cB = N, K
	}
	return rA, cA, rB, cB
}

func TestGemm(t *testing.T) {
	e := newEnv(t)
	modes := []cudagpt.GemmMode{cudagpt.GemmFP32}
	if e.k.SetGemmMode(cudagpt.GemmTF32) == nil {
		modes = append(modes, cudagpt.GemmTF32)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	// Ragged shapes; the last two are big enough for gemm_tf32_big on the
	// emulator's 4 multiprocessors.
	shapes := [][3]int{{1, 1, 1}, {67, 45, 33}, {64, 64, 16}, {5, 130, 70}, {129, 3, 17}, {129, 130, 70}, {200, 257, 45}}
	for _, mode := range modes {
		for _, s := range shapes {
			for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
				for _, beta := range []float32{0, 0.5} {
					M, N, K := s[0], s[1], s[2]
					name := fmt.Sprintf("mode%d/%dx%dx%d/t%v%v/beta%v", mode, M, N, K, tr[0], tr[1], beta)
					t.Run(name, func(t *testing.T) {
						e.t = t
						if err := e.d.Do(func() error { return e.k.SetGemmMode(mode) }); err != nil {
							t.Fatal(err)
						}
						rA, cA, rB, cB := stored(tr, M, N, K)
						lda, ldb, ldc := cA+3, cB+1, N+2 // padded rows
						a := randF32(rng, rA*lda, 1)
						b := randF32(rng, rB*ldb, 1)
						c := randF32(rng, M*ldc, 1)
						want := append([]float32(nil), c...)
						round := func(x float32) float32 { return x }
						if mode == cudagpt.GemmTF32 {
							round = tf32
						}
						gemmRef(tr[0], tr[1], M, N, K, 1.5, a, lda, b, ldb, beta, want, ldc, round)
						if beta == 0 {
							for i := range c {
								c[i] = float32(math.NaN()) // must not be read
							}
						}
						pa, pb, pc := up(e, a), up(e, b), up(e, c)
						e.launch(func(k *cudagpt.Kernels) error {
							return k.Gemm(tr[0], tr[1], M, N, K, 1.5, pa, lda, pb, ldb, beta, pc, ldc)
						})
						got := down[float32](e, pc, M*ldc)
						for i := range M { // the padding is not C's
							for j := N; j < ldc; j++ {
								got[i*ldc+j], want[i*ldc+j] = 0, 0
							}
						}
						assertNear(t, "C", got, want, 2e-6*float64(K), 1e-5)
					})
				}
			}
		}
	}
	// The model's own gemm agrees with the FP32 kernel (same semantics).
	e.t = t
	if err := e.d.Do(func() error { return e.k.SetGemmMode(cudagpt.GemmFP32) }); err != nil {
		t.Fatal(err)
	}
	M, N, K := 33, 47, 29
	a, b := randF32(rng, M*K, 1), randF32(rng, N*K, 1)
	want := make([]float32, M*N)
	gpt.OpSgemm(false, true, M, N, K, 1, a, K, b, K, 0, want, N)
	pa, pb, pc := up(e, a), up(e, b), up(e, make([]float32, M*N))
	e.launch(func(k *cudagpt.Kernels) error { return k.Gemm(false, true, M, N, K, 1, pa, K, pb, K, 0, pc, N) })
	assertNear(t, "C vs gpt sgemm", down[float32](e, pc, M*N), want, 1e-5, 1e-5)
}

// TestGemmVariantsAgree runs every TF32 variant on the same products,
// with leading dimensions that allow the 16-byte loads and with ones that
// do not, every transposition, beta 0 and not: each matches the float64
// reference, and all of them give the same bits (gemm.cuh accumulates in
// one order), so the tuner's choice changes speed only. The tuner itself
// then picks one and gives those bits too.
func TestGemmVariantsAgree(t *testing.T) {
	e := newEnv(t)
	if e.k.SetGemmMode(cudagpt.GemmTF32) != nil {
		t.Skip("no TF32 gemm below compute capability 8.0")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, s := range []struct {
		M, N, K int
		ldPad   int // added to each leading dimension
		aligned bool
	}{
		{130, 257, 70, 0, false}, {129, 132, 36, 0, true}, {72, 260, 40, 4, true}, {67, 45, 33, 3, false},
	} {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			for _, beta := range []float32{0, 0.5} {
				M, N, K := s.M, s.N, s.K
				t.Run(fmt.Sprintf("%dx%dx%d/pad%d/t%v%v/beta%v", M, N, K, s.ldPad, tr[0], tr[1], beta), func(t *testing.T) {
					e.t = t
					rA, cA, rB, cB := stored(tr, M, N, K)
					lda, ldb, ldc := cA+s.ldPad, cB+s.ldPad, N+1
					a, b, c := randF32(rng, rA*lda, 1), randF32(rng, rB*ldb, 1), randF32(rng, M*ldc, 1)
					want := append([]float32(nil), c...)
					gemmRef(tr[0], tr[1], M, N, K, 1.5, a, lda, b, ldb, beta, want, ldc, tf32)
					pa, pb := up(e, a), up(e, b)
					var first []float32
					run := func(variant string) []float32 {
						pc := up(e, c)
						e.launch(func(k *cudagpt.Kernels) error {
							if err := k.SetGemmVariant(variant); err != nil {
								return err
							}
							defer k.SetGemmVariant("")
							return k.Gemm(tr[0], tr[1], M, N, K, 1.5, pa, lda, pb, ldb, beta, pc, ldc)
						})
						return down[float32](e, pc, M*ldc)
					}
					for _, v := range append(cudagpt.GemmVariants(), "") {
						if v == "" { // the tuner's own choice
							cudagpt.SetGemmTuning(e.k, true)
						}
						got := run(v)
						cudagpt.SetGemmTuning(e.k, false)
						for i := range M {
							for j := N; j < ldc; j++ {
								got[i*ldc+j], want[i*ldc+j] = 0, 0
							}
						}
						assertNear(t, "C "+v, got, want, 2e-6*float64(K), 1e-5)
						if first == nil {
							first = got
						} else if !slices.Equal(got, first) {
							t.Fatalf("variant %q: not the same bits as %s", v, cudagpt.GemmVariants()[0])
						}
					}
					if len(e.k.GemmChoices()) == 0 {
						t.Fatal("the tuner recorded no choice")
					}
				})
			}
		}
	}
}

func TestEncoder(t *testing.T) {
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(3, 4))
	// Tokens repeat within and across sequences; more positions than one
	// of encoder_bwd_wte's token chunks, a vocabulary above its classes.
	B, T, C, V := 3, 350, 7, 40
	inp := make([]int32, B*T)
	for i := range inp {
		inp[i] = int32(rng.IntN(V))
	}
	wte, wpe := randF32(rng, V*C, 1), randF32(rng, T*C, 1)
	want := make([]float32, B*T*C)
	gpt.OpEncoderForward(want, inp, wte, wpe, B, T, C)
	pin, pwte, pwpe, pout := up(e, inp), up(e, wte), up(e, wpe), up(e, make([]float32, B*T*C))
	e.launch(func(k *cudagpt.Kernels) error { return k.EncoderFwd(pout, pin, pwte, pwpe, B, T, C) })
	assertNear(t, "out", down[float32](e, pout, B*T*C), want, 0, 0)

	dout := randF32(rng, B*T*C, 1)
	dwte, dwpe := randF32(rng, V*C, 1), randF32(rng, T*C, 1) // accumulated into
	pdout, pdwte, pdwpe := up(e, dout), up(e, dwte), up(e, dwpe)
	gpt.OpEncoderBackward(dwte, dwpe, dout, inp, B, T, C)
	e.launch(func(k *cudagpt.Kernels) error { return k.EncoderBwd(pdwte, pdwpe, pdout, pin, B, T, C) })
	assertNear(t, "dwte", down[float32](e, pdwte, V*C), dwte, 1e-6, 1e-6)
	assertNear(t, "dwpe", down[float32](e, pdwpe, T*C), dwpe, 1e-6, 1e-6)
}

func TestLayerNorm(t *testing.T) {
	// 600 rows: the weight gradients are summed in row chunks.
	for _, s := range [][2]int{{1, 7}, {13, 70}, {9, 33}, {600, 5}} {
		N, C := s[0], s[1]
		t.Run(fmt.Sprintf("%dx%d", N, C), func(t *testing.T) {
			e := newEnv(t)
			rng := rand.New(rand.NewPCG(uint64(N), uint64(C)))
			inp, w, b := randF32(rng, N*C, 2), randF32(rng, C, 1), randF32(rng, C, 1)
			out, mean, rstd := make([]float32, N*C), make([]float32, N), make([]float32, N)
			gpt.OpLayerNormForward(out, mean, rstd, inp, w, b, N, C)
			pin, pw, pb := up(e, inp), up(e, w), up(e, b)
			pout, pm, pr := up(e, make([]float32, N*C)), up(e, make([]float32, N)), up(e, make([]float32, N))
			e.launch(func(k *cudagpt.Kernels) error { return k.LayerNormFwd(pout, pm, pr, pin, pw, pb, N, C) })
			assertNear(t, "out", down[float32](e, pout, N*C), out, 1e-5, 1e-4)
			assertNear(t, "mean", down[float32](e, pm, N), mean, 1e-6, 1e-5)
			assertNear(t, "rstd", down[float32](e, pr, N), rstd, 1e-6, 1e-4)

			dout := randF32(rng, N*C, 1)
			dinp, dw, db := randF32(rng, N*C, 1), randF32(rng, C, 1), randF32(rng, C, 1)
			pdout, pdinp, pdw, pdb := up(e, dout), up(e, dinp), up(e, dw), up(e, db)
			gpt.OpLayerNormBackward(dinp, dw, db, dout, inp, w, mean, rstd, N, C)
			e.launch(func(k *cudagpt.Kernels) error {
				return k.LayerNormBwd(pdinp, pdw, pdb, pdout, pin, pw, pm, pr, N, C)
			})
			assertNear(t, "dinp", down[float32](e, pdinp, N*C), dinp, 1e-5, 1e-4)
			assertNear(t, "dw", down[float32](e, pdw, C), dw, 1e-5, 1e-4)
			assertNear(t, "db", down[float32](e, pdb, C), db, 1e-5, 1e-5)
		})
	}
}

func TestBiasAndGelu(t *testing.T) {
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, s := range [][2]int{{1, 5}, {37, 77}, {700, 40}} { // 700 rows: in chunks
		N, OC := s[0], s[1]
		out, bias := randF32(rng, N*OC, 1), randF32(rng, OC, 1)
		pout, pbias := up(e, out), up(e, bias)
		for r := range N {
			for j := range OC {
				out[r*OC+j] += bias[j]
			}
		}
		e.launch(func(k *cudagpt.Kernels) error { return k.AddBias(pout, pbias, N, OC) })
		assertNear(t, "AddBias", down[float32](e, pout, N*OC), out, 0, 0)

		dout, dbias := randF32(rng, N*OC, 1), randF32(rng, OC, 1)
		pdout, pdbias := up(e, dout), up(e, dbias)
		want := make([]float64, OC)
		for j := range OC {
			want[j] = float64(dbias[j])
			for r := range N {
				want[j] += float64(dout[r*OC+j])
			}
		}
		e.launch(func(k *cudagpt.Kernels) error { return k.BiasGrad(pdbias, pdout, N, OC) })
		got := down[float32](e, pdbias, OC)
		assertNear(t, "BiasGrad", f64(got), want, 1e-5, 1e-5)
	}
	n := 1031
	inp, dout := randF32(rng, n, 4), randF32(rng, n, 1)
	out, dinp := make([]float32, n), make([]float32, n)
	gpt.OpGeluForward(out, inp)
	gpt.OpGeluBackward(dinp, inp, dout)
	pin, pdout, pout, pdinp := up(e, inp), up(e, dout), up(e, make([]float32, n)), up(e, make([]float32, n))
	e.launch(func(k *cudagpt.Kernels) error {
		if err := k.GeluFwd(pout, pin, n); err != nil {
			return err
		}
		return k.GeluBwd(pdinp, pin, pdout, n)
	})
	assertNear(t, "gelu", down[float32](e, pout, n), out, 1e-6, 1e-5)
	assertNear(t, "gelu'", down[float32](e, pdinp, n), dinp, 1e-6, 1e-5)
}

func f64(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

// lseRef is log Σ_{j≤t} exp(scale·q_t·k_j) per (b, h, t), in float64.
func lseRef(qkv []float32, B, T, C, NH int) []float64 {
	hs := C / NH
	scale := 1 / math.Sqrt(float64(hs))
	out := make([]float64, B*NH*T)
	for b := range B {
		for h := range NH {
			for t := range T {
				s := make([]float64, t+1)
				m := math.Inf(-1)
				for j := range t + 1 {
					var dot float64
					for d := range hs {
						dot += float64(qkv[(b*T+t)*3*C+h*hs+d]) * float64(qkv[(b*T+j)*3*C+C+h*hs+d])
					}
					s[j] = dot * scale
					m = max(m, s[j])
				}
				var sum float64
				for _, x := range s {
					sum += math.Exp(x - m)
				}
				out[(b*NH+h)*T+t] = m + math.Log(sum)
			}
		}
	}
	return out
}

func TestAttention(t *testing.T) {
	// T not a multiple of the 64-query or 32-key tiles; T = 1; one head;
	// head size 64 (the specialised kernels).
	for _, s := range [][4]int{{1, 1, 8, 2}, {2, 70, 24, 3}, {1, 97, 16, 1}, {1, 70, 128, 2}, {2, 130, 128, 2}} {
		B, T, C, NH := s[0], s[1], s[2], s[3]
		t.Run(fmt.Sprintf("B%dT%dC%dH%d", B, T, C, NH), func(t *testing.T) {
			e := newEnv(t)
			rng := rand.New(rand.NewPCG(uint64(T), uint64(C)))
			qkv := randF32(rng, B*T*3*C, 1.5)
			y, att := make([]float32, B*T*C), make([]float32, B*NH*T*T)
			gpt.OpAttentionForward(y, att, qkv, B, T, C, NH)
			pqkv, py, plse := up(e, qkv), up(e, make([]float32, B*T*C)), up(e, make([]float32, B*NH*T))
			lse := lseRef(qkv, B, T, C, NH)
			e.launch(func(k *cudagpt.Kernels) error {
				if err := k.SetGemmMode(cudagpt.GemmFP32); err != nil {
					return err
				}
				return k.AttentionFwd(py, plse, pqkv, B, T, C, NH)
			})
			assertNear(t, "y", down[float32](e, py, B*T*C), y, 1e-5, 1e-4)
			assertNear(t, "lse", f64(down[float32](e, plse, B*NH*T)), lse, 1e-5, 1e-5)
			// TF32 (head size 64: the tensor-core forward), within TF32's
			// rounding of Q, K, V and the probabilities.
			if e.d.Do(func() error { return e.k.SetGemmMode(cudagpt.GemmTF32) }) == nil {
				ty, tlse := up(e, make([]float32, B*T*C)), up(e, make([]float32, B*NH*T))
				e.launch(func(k *cudagpt.Kernels) error { return k.AttentionFwd(ty, tlse, pqkv, B, T, C, NH) })
				assertNear(t, "TF32 y", down[float32](e, ty, B*T*C), y, 3e-3, 1e-2)
				assertNear(t, "TF32 lse", f64(down[float32](e, tlse, B*NH*T)), lse, 3e-3, 1e-2)
			}

			dy := randF32(rng, B*T*C, 1)
			dqkv0 := randF32(rng, B*T*3*C, 1) // accumulated into
			dqkv := append([]float32(nil), dqkv0...)
			pdy := up(e, dy)
			gpt.OpAttentionBackward(dqkv, dy, qkv, att, B, T, C, NH)
			// FP32; then TF32, where head size 64 takes the tensor-core
			// dK/dV kernel: within TF32's rounding of its operands.
			for _, mode := range []cudagpt.GemmMode{cudagpt.GemmFP32, cudagpt.GemmTF32} {
				if err := e.d.Do(func() error { return e.k.SetGemmMode(mode) }); err != nil {
					continue // no TF32 below compute capability 8.0
				}
				pdqkv := up(e, dqkv0)
				e.launch(func(k *cudagpt.Kernels) error { return k.AttentionBwd(pdqkv, pdy, pqkv, py, plse, B, T, C, NH) })
				got := down[float32](e, pdqkv, B*T*3*C)
				if mode == cudagpt.GemmFP32 {
					assertNear(t, "dqkv", got, dqkv, 1e-4, 1e-3)
					continue
				}
				var worst, top float64
				for i := range got {
					worst = max(worst, math.Abs(float64(got[i]-dqkv[i])))
					top = max(top, math.Abs(float64(dqkv[i]-dqkv0[i])))
				}
				t.Logf("TF32: largest difference %.2g, largest gradient %.2g", worst, top)
				if worst > 5e-3*top {
					t.Errorf("TF32 dqkv: largest difference %.3g, over 5e-3 of the largest gradient %.3g", worst, top)
				}
			}
			_ = e.d.Do(func() error { return e.k.SetGemmMode(cudagpt.GemmAuto) })
		})
	}
}

func TestAttentionDecode(t *testing.T) {
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(7, 8))
	NH, HS, maxT := 3, 8, 150
	C := NH * HS
	kc, vc, q := randF32(rng, maxT*C, 1), randF32(rng, maxT*C, 1), randF32(rng, C, 1)
	pk, pv, pq, py := up(e, kc), up(e, vc), up(e, q), up(e, make([]float32, C))
	kv := append(append([]float32(nil), kc...), vc...)
	for _, tt := range []int{1, 37, 150} {
		want, att := make([]float32, C), make([]float32, tt)
		for h := range NH {
			gpt.OpAttendRow(want[h*HS:], att, q[h*HS:(h+1)*HS], kv, tt, C, h*HS, maxT*C+h*HS, float32(1/math.Sqrt(float64(HS))))
		}
		e.launch(func(k *cudagpt.Kernels) error { return k.AttentionDecode(py, pk, pv, pq, tt, NH, HS, maxT) })
		assertNear(t, fmt.Sprintf("y at t=%d", tt), down[float32](e, py, C), want, 1e-5, 1e-4)
	}
}

func TestTargetLogProbs(t *testing.T) {
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(9, 10))
	for _, s := range [][2]int{{1, 1}, {9, 300}, {4, 1000}} {
		N, V := s[0], s[1]
		logits := randF32(rng, N*V, 8)
		targets := make([]int32, N)
		dlogp := randF32(rng, N, 1)
		for i := range targets {
			targets[i] = int32(rng.IntN(V))
			if i%3 == 2 {
				targets[i] = -1
			}
			if i%4 == 1 {
				dlogp[i] = 0
			}
		}
		logp, lse := make([]float32, N), make([]float32, N)
		gpt.OpTargetLogProbs(logp, lse, logits, targets, N, V)
		pl, pt := up(e, logits), up(e, targets)
		plogp, plse := up(e, make([]float32, N)), up(e, make([]float32, N))
		e.launch(func(k *cudagpt.Kernels) error { return k.TargetLogProbs(plogp, plse, pl, pt, N, V) })
		assertNear(t, "logp", down[float32](e, plogp, N), logp, 1e-5, 1e-5)
		assertNear(t, "lse", down[float32](e, plse, N), lse, 1e-5, 1e-5)

		dlogits := make([]float32, N*V)
		gpt.OpTargetLogProbsBackward(dlogits, dlogp, logits, lse, targets, N, V)
		pdlogp, pd := up(e, dlogp), up(e, randF32(rng, N*V, 1))
		e.launch(func(k *cudagpt.Kernels) error { return k.TargetLogProbsBwd(pd, pdlogp, pl, plse, pt, N, V) })
		assertNear(t, "dlogits", down[float32](e, pd, N*V), dlogits, 1e-6, 1e-5)
	}
}

func TestSequenceLosses(t *testing.T) {
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(11, 12))
	B, T := 4, 7
	logp := randF32(rng, B*T, 3)
	targets := make([]int32, B*T)
	for i := range targets {
		targets[i] = int32(rng.IntN(5)) - 1 // about one in five unscored
	}
	for tt := range T {
		targets[2*T+tt] = -1 // a sequence with nothing scored
	}
	sums := make([]float64, B)
	var total float64
	n := 0
	for i, tg := range targets {
		if tg >= 0 {
			sums[i/T] += float64(logp[i])
			total -= float64(logp[i])
			n++
		}
	}
	pl, pt := up(e, logp), up(e, targets)
	psums, ploss, pd := up(e, make([]float64, B)), up(e, make([]float32, 1)), up(e, make([]float32, B*T))
	e.launch(func(k *cudagpt.Kernels) error {
		if err := k.SeqSums(psums, pl, pt, B, T); err != nil {
			return err
		}
		return k.SFTLoss(ploss, pd, pl, pt, B*T)
	})
	assertNear(t, "SeqSums", down[float64](e, psums, B), sums, 1e-9, 1e-12)
	assertNear(t, "SFT loss", down[float32](e, ploss, 1), []float32{float32(total / float64(n))}, 1e-6, 1e-6)
	dl := make([]float32, B*T)
	for i, tg := range targets {
		if tg >= 0 {
			dl[i] = -1 / float32(n)
		}
	}
	assertNear(t, "SFT dlogp", down[float32](e, pd, B*T), dl, 1e-9, 1e-6)

	// Nothing scored: loss 0 and no gradient, as Model.Loss and LossGrad.
	none := up(e, []int32{-1, -1, -1})
	e.launch(func(k *cudagpt.Kernels) error { return k.SFTLoss(ploss, pd, pl, none, 3) })
	assertNear(t, "SFT loss of nothing", down[float32](e, ploss, 1), []float32{0}, 0, 0)

	dseq := []float64{0.5, -2, 0, 3}
	pdseq := up(e, dseq)
	e.launch(func(k *cudagpt.Kernels) error { return k.ScatterSeqGrad(pd, pdseq, pt, B, T) })
	want := make([]float32, B*T)
	for i, tg := range targets {
		if tg >= 0 {
			want[i] = float32(dseq[i/T])
		}
	}
	assertNear(t, "ScatterSeqGrad", down[float32](e, pd, B*T), want, 0, 0)
}

func TestDPOLoss(t *testing.T) {
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(13, 14))
	pairs := 300 // more than one pass of the block
	vec := func() []float64 {
		v := make([]float64, pairs)
		for i := range v {
			v[i] = -50 * rng.Float64()
		}
		return v
	}
	pc, pr, rc, rr := vec(), vec(), vec(), vec()
	dpc, dpr, drc, drr := up(e, pc), up(e, pr), up(e, rc), up(e, rr)
	metrics, dseq := up(e, make([]float64, cudagpt.DPOMetrics)), up(e, make([]float64, 2*pairs))
	for _, tc := range []struct {
		cfg  gpu.DPOConfig
		kind cudagpt.DPOLossKind
	}{
		{gpu.DPOConfig{Beta: 0.1}, cudagpt.DPOSigmoid},
		{gpu.DPOConfig{Beta: 0.3, LabelSmoothing: 0.2}, cudagpt.DPOSigmoid},
		{gpu.DPOConfig{Beta: 0.1, Loss: gpu.LossIPO}, cudagpt.DPOIPO},
		{gpu.DPOConfig{Beta: 0.05, Loss: gpu.LossHinge}, cudagpt.DPOHinge},
	} {
		want, err := gpu.DPOLoss(tc.cfg, pc, pr, rc, rr)
		if err != nil {
			t.Fatal(err)
		}
		p := cudagpt.DPOParams{Beta: tc.cfg.Beta, LabelSmoothing: tc.cfg.LabelSmoothing, Loss: tc.kind}
		e.launch(func(k *cudagpt.Kernels) error { return k.DPOLoss(metrics, dseq, dpc, dpr, drc, drr, pairs, p) })
		st := want.Stats
		wantM := []float64{want.Loss, st.RewardsChosen, st.RewardsRejected, st.RewardsAccuracies,
			st.RewardsMargins, st.LogpsChosen, st.LogpsRejected, 0}
		what := fmt.Sprintf("%+v", tc.cfg)
		assertNear(t, what+" metrics", down[float64](e, metrics, cudagpt.DPOMetrics), wantM, 1e-9, 1e-9)
		assertNear(t, what+" dseq", down[float64](e, dseq, 2*pairs), append(want.DChosen, want.DRejected...), 1e-12, 1e-9)
	}
}

func TestSumSquaresAdamW(t *testing.T) {
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(15, 16))
	n := 70001 // more than the 256·256 threads of one pass
	grads := randF32(rng, n, 0.1)
	var ss float64
	for _, g := range grads {
		ss += float64(g) * float64(g)
	}
	pg, pss := up(e, grads), up(e, make([]float64, 1))
	e.launch(func(k *cudagpt.Kernels) error { return k.SumSquares(pss, pg, n) })
	assertNear(t, "SumSquares", down[float64](e, pss, 1), []float64{ss}, 0, 1e-12)

	for _, maxNorm := range []float64{0, 1e9, 0.5 * math.Sqrt(ss)} {
		t.Run(fmt.Sprintf("clip%.3g", maxNorm), func(t *testing.T) {
			e.t = t
			params := randF32(rng, n, 1)
			decay := make([]uint8, n)
			cpu := &gpu.AdamW{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1,
				Decay: make([]bool, n), M: make([]float32, n), V: make([]float32, n)}
			for i := range decay {
				if i%3 != 0 {
					decay[i], cpu.Decay[i] = 1, true
				}
			}
			pp, pm, pv := up(e, params), up(e, make([]float32, n)), up(e, make([]float32, n))
			pdec := up(e, decay)
			want := append([]float32(nil), params...)
			for step := 1; step <= 2; step++ {
				g := append([]float32(nil), grads...)
				gpu.ClipGradNorm(g, maxNorm)
				cpu.Update(want, g, 3e-3)
				a := cudagpt.AdamWParams{LR: 3e-3, Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1,
					Step: step, MaxNorm: maxNorm, NormSq: pss}
				e.launch(func(k *cudagpt.Kernels) error { return k.AdamW(pp, pg, pm, pv, pdec, n, a) })
			}
			assertNear(t, "params", down[float32](e, pp, n), want, 1e-6, 1e-5)
			assertNear(t, "m", down[float32](e, pm, n), cpu.M, 1e-7, 1e-5)
			assertNear(t, "v", down[float32](e, pv, n), cpu.V, 1e-9, 1e-5)
		})
	}
}

// TestReductionsRepeat runs every kernel that sums across threads or
// blocks twice on the same inputs: no float atomics, so the bits repeat.
func TestReductionsRepeat(t *testing.T) {
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(17, 18))
	N, C := 600, 33
	x, dout := randF32(rng, N*C, 1), randF32(rng, N*C, 1)
	w, mean, rstd := randF32(rng, C, 1), randF32(rng, N, 1), randF32(rng, N, 1)
	inp := make([]int32, N)
	for i := range inp {
		inp[i] = int32(rng.IntN(50))
	}
	px, pdout, pw, pm, pr, pin := up(e, x), up(e, dout), up(e, w), up(e, mean), up(e, rstd), up(e, inp)
	run := func() []float32 {
		dinp, dw, db := up(e, make([]float32, N*C)), up(e, make([]float32, C)), up(e, make([]float32, C))
		dbias, dwte, dwpe := up(e, make([]float32, C)), up(e, make([]float32, 50*C)), up(e, make([]float32, C))
		ss := up(e, make([]float64, 1))
		e.launch(func(k *cudagpt.Kernels) error {
			return errors.Join(
				k.LayerNormBwd(dinp, dw, db, pdout, px, pw, pm, pr, N, C),
				k.BiasGrad(dbias, pdout, N, C),
				k.EncoderBwd(dwte, dwpe, pdout, pin, N, 1, C),
				k.SumSquares(ss, px, N*C))
		})
		var all []float32
		for _, p := range []struct {
			p cudagpt.Ptr
			n int
		}{{dinp, N * C}, {dw, C}, {db, C}, {dbias, C}, {dwte, 50 * C}, {dwpe, C}, {ss, 2}} {
			all = append(all, down[float32](e, p.p, p.n)...)
		}
		return all
	}
	a, b := run(), run()
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("value %d differs between two runs: %v, %v", i, a[i], b[i])
		}
	}
}
