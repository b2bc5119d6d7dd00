//go:build cuda

// Checks of the CUDA backend against the CPU one, on a machine with an
// NVIDIA driver (make test-cuda). A cuda-tagged test binary cannot start
// without one: gorgonia.org/cu exits in its init, before any test runs.
// gpu/kernels/emu runs these same tests on a machine without a GPU through
// an emulated driver.

package gpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

// relTol is the agreement asked of the two backends in float64.
const relTol = 1e-6

func newTestCUDA(t testing.TB) *CUDA {
	t.Helper()
	be, err := NewCUDA(0)
	if err != nil {
		t.Fatalf("NewCUDA: %v", err)
	}
	t.Cleanup(func() {
		if err := be.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return be
}

func randVec(rng *rand.Rand, n int, scale float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = (2*rng.Float64() - 1) * scale
	}
	return v
}

func nanVec(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = math.NaN()
	}
	return v
}

// assertClose checks got against want element by element within relTol
// relative. An entry much smaller than the vector's largest (a sum that
// cancelled) is compared at a floor of 1e-6 of that largest, since its
// relative error says nothing about the backend. NaNs must match NaNs.
func assertClose(t testing.TB, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	var scale float64
	for _, w := range want {
		if !math.IsNaN(w) && !math.IsInf(w, 0) {
			scale = max(scale, math.Abs(w))
		}
	}
	floor := 1e-6 * scale
	bad := 0
	for i := range want {
		g, w := got[i], want[i]
		if math.IsNaN(w) || math.IsInf(w, 0) {
			if !(math.IsNaN(w) && math.IsNaN(g)) && g != w {
				bad++
				if bad <= 5 {
					t.Errorf("%s[%d] = %v, want %v", what, i, g, w)
				}
			}
			continue
		}
		if d := math.Abs(g - w); !(d <= relTol*max(math.Abs(w), floor)) {
			bad++
			if bad <= 5 {
				t.Errorf("%s[%d] = %.17g, want %.17g (rel %.3g)", what, i, g, w, d/max(math.Abs(w), floor))
			}
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d of %d values differ", what, bad, len(want))
	}
}

func TestCUDAGemmMatchesCPU(t *testing.T) {
	gpu, cpu := newTestCUDA(t), NewCPU()
	t.Logf("backend %s", gpu.Name())
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := [][3]int{
		{1, 1, 1}, {3, 5, 7}, {16, 16, 16}, {17, 33, 15}, {32, 1, 48},
		{1, 40, 9}, {64, 257, 100}, {130, 70, 300}, {5, 3, 0},
	}
	scalars := [][2]float64{{1, 0}, {0.5, 1}, {-1.5, 0.25}, {0, 2}}
	for _, s := range shapes {
		m, n, k := s[0], s[1], s[2]
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				for _, ab := range scalars {
					alpha, beta := ab[0], ab[1]
					name := fmt.Sprintf("%dx%dx%d/tA=%v/tB=%v/a=%v/b=%v", m, n, k, tA, tB, alpha, beta)
					a, b := randVec(rng, m*k, 1), randVec(rng, k*n, 1)
					c0 := randVec(rng, m*n, 1)
					if beta == 0 {
						// BLAS semantics: C is not read, so NaNs must vanish.
						c0 = nanVec(m * n)
					}
					want, got := append([]float64(nil), c0...), append([]float64(nil), c0...)
					if k == 0 && beta == 0 {
						// The CPU backend scales C by beta even for k = 0,
						// keeping NaN·0 = NaN; the product is empty anyway.
						for i := range want {
							want[i], got[i] = 0, 0
						}
					}
					cpu.Gemm(tA, tB, m, n, k, alpha, a, b, beta, want)
					gpu.Gemm(tA, tB, m, n, k, alpha, a, b, beta, got)
					assertClose(t, name, got, want)
				}
			}
		}
	}
}

// TestCUDAGemmGridStride covers products with more row tiles than a grid
// dimension holds (65535), which the kernel walks with a grid stride.
func TestCUDAGemmGridStride(t *testing.T) {
	if testing.Short() {
		t.Skip("large shapes")
	}
	gpu, cpu := newTestCUDA(t), NewCPU()
	rng := rand.New(rand.NewPCG(3, 4))
	m, n, k := gemmTile*maxGrid+37, 2, 3
	for _, tA := range []bool{false, true} {
		a, b := randVec(rng, m*k, 1), randVec(rng, k*n, 1)
		want, got := make([]float64, m*n), make([]float64, m*n)
		cpu.Gemm(tA, false, m, n, k, 1, a, b, 0, want)
		gpu.Gemm(tA, false, m, n, k, 1, a, b, 0, got)
		assertClose(t, fmt.Sprintf("tA=%v", tA), got, want)
	}
}

func TestCUDAElementwiseMatchesCPU(t *testing.T) {
	gpu, cpu := newTestCUDA(t), NewCPU()
	rng := rand.New(rand.NewPCG(5, 6))

	for _, s := range [][2]int{{1, 1}, {37, 300}, {1000, 3}} {
		m, n := s[0], s[1]
		x, bias := randVec(rng, m*n, 3), randVec(rng, n, 1)
		want, got := append([]float64(nil), x...), append([]float64(nil), x...)
		cpu.AddBias(m, n, want, bias)
		gpu.AddBias(m, n, got, bias)
		assertClose(t, fmt.Sprintf("AddBias %dx%d", m, n), got, want)
	}

	x := randVec(rng, 10007, 20)
	x[0], x[1], x[2], x[3] = 0, 1e-300, -40, 40
	want, got := append([]float64(nil), x...), append([]float64(nil), x...)
	cpu.Tanh(want)
	gpu.Tanh(got)
	assertClose(t, "Tanh", got, want)

	y := want // tanh outputs, in (−1, 1)
	dy := randVec(rng, len(y), 5)
	wantD, gotD := append([]float64(nil), dy...), append([]float64(nil), dy...)
	cpu.TanhBackward(y, wantD)
	gpu.TanhBackward(y, gotD)
	assertClose(t, "TanhBackward", gotD, wantD)

	for _, s := range []struct {
		m, n          int
		scale, offset float64
	}{
		{1, 1, 1, 0}, {50, 257, 10, 0}, {7, 3000, 1, 0},
		{20, 256, 100, 1000}, // exp would overflow without the max shift
		{20, 100, 100, -1e4},
		{maxGrid + 1000, 2, 5, 0}, // more rows than one grid holds
	} {
		x := randVec(rng, s.m*s.n, s.scale)
		for i := range x {
			x[i] += s.offset
		}
		want, got := append([]float64(nil), x...), append([]float64(nil), x...)
		cpu.LogSoftmax(s.m, s.n, want)
		gpu.LogSoftmax(s.m, s.n, got)
		assertClose(t, fmt.Sprintf("LogSoftmax %dx%d+%v", s.m, s.n, s.offset), got, want)
	}

	// Non-finite inputs behave as on the CPU: a NaN poisons its row.
	x = []float64{1, 2, 3, math.NaN(), 0, 1, math.Inf(-1), 2}
	want, got = append([]float64(nil), x...), append([]float64(nil), x...)
	cpu.LogSoftmax(2, 4, want)
	gpu.LogSoftmax(2, 4, got)
	assertClose(t, "LogSoftmax non-finite", got, want)
}

// TestCUDAConcurrentCallers uses one backend from several goroutines,
// which the worker serialises.
func TestCUDAConcurrentCallers(t *testing.T) {
	gpu, cpu := newTestCUDA(t), NewCPU()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 9))
			for i := range 20 {
				m, n, k := 1+rng.IntN(40), 1+rng.IntN(40), 1+rng.IntN(40)
				a, b := randVec(rng, m*k, 1), randVec(rng, k*n, 1)
				want, got := make([]float64, m*n), make([]float64, m*n)
				cpu.Gemm(false, true, m, n, k, 1, a, b[:n*k], 0, want)
				gpu.Gemm(false, true, m, n, k, 1, a, b[:n*k], 0, got)
				assertClose(t, fmt.Sprintf("goroutine %d call %d", g, i), got, want)
			}
		}()
	}
	wg.Wait()
}

func TestCUDACloseTwiceAndUseAfterClose(t *testing.T) {
	be, err := NewCUDA(0)
	if err != nil {
		t.Fatal(err)
	}
	if err := be.Close(); err != nil {
		t.Fatal(err)
	}
	if err := be.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Tanh after Close did not panic")
		}
	}()
	be.Tanh([]float64{1})
}

func TestCUDABadDevice(t *testing.T) {
	if be, err := NewCUDA(1 << 20); err == nil {
		be.Close()
		t.Fatal("NewCUDA(1<<20) succeeded")
	}
}

// BenchmarkCUDAGemm reports GFLOP/s of Gemm on both backends, for a square
// product and the transformer's layer shapes at the cpu preset (8
// sequences of 256 tokens, width 256). The CUDA figure includes the
// host↔device copies of every call.
func BenchmarkCUDAGemm(b *testing.B) {
	backends := map[string]Backend{"cpu": NewCPU(), "cuda": newTestCUDA(b)}
	const rows, width, vocab = 2048, 256, 257
	for _, s := range []struct {
		name   string
		tA, tB bool
		m, n   int
		k      int
	}{
		{"square512", false, false, 512, 512, 512},
		{"fwd_x·Wqkv", false, false, rows, 3 * width, width},
		{"fwd_x·Wteᵀ", false, true, rows, vocab, width},
		{"bwd_xᵀ·dY", true, false, width, 4 * width, rows},
		{"bwd_dY·Wᵀ", false, true, rows, width, 4 * width},
	} {
		rng := rand.New(rand.NewPCG(1, 1))
		a, bb := randVec(rng, s.m*s.k, 1), randVec(rng, s.k*s.n, 1)
		c := make([]float64, s.m*s.n)
		for _, name := range []string{"cpu", "cuda"} {
			be := backends[name]
			b.Run(s.name+"/"+name, func(b *testing.B) {
				for b.Loop() {
					be.Gemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, bb, 0, c)
				}
				flops := 2 * float64(s.m) * float64(s.n) * float64(s.k) * float64(b.N)
				b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
