//go:build cuda

// Tests of package cudagpt. They need a CUDA driver: a GPU (make
// test-cuda) or the emulated one (gpu/kernels/emu/run.sh, which runs them
// with compute capability 8.0 and again with 6.0).

package cudagpt_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"

	"github.com/agentarena/arena/gpu/cudagpt"
)

// env is an open device plus the buffers a test allocated.
type env struct {
	t *testing.T
	d *cudagpt.Device
	k *cudagpt.Kernels
}

func newEnv(t *testing.T) *env {
	t.Helper()
	d, err := cudagpt.Open(0)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &env{t: t, d: d, k: d.Kernels()}
}

func (e *env) do(f func() error) {
	e.t.Helper()
	if err := e.d.Do(f); err != nil {
		e.t.Fatal(err)
	}
}

// up copies a slice to a fresh device buffer (memory goes with the
// context at Close).
func up[T any](e *env, x []T) cudagpt.Ptr {
	e.t.Helper()
	var p cudagpt.Ptr
	n := int64(len(x)) * int64(unsafe.Sizeof(*new(T)))
	e.do(func() error {
		var err error
		if p, err = e.d.Alloc(max(n, 8)); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		return e.d.CopyIn(p, unsafe.Pointer(&x[0]), n)
	})
	return p
}

// down copies n elements back, after synchronising.
func down[T any](e *env, p cudagpt.Ptr, n int) []T {
	e.t.Helper()
	x := make([]T, n)
	e.do(func() error {
		if err := e.d.Sync(); err != nil || n == 0 {
			return err
		}
		return e.d.CopyOut(unsafe.Pointer(&x[0]), p, int64(n)*int64(unsafe.Sizeof(x[0])))
	})
	return x
}

// launch runs kernel launches inside Do.
func (e *env) launch(f func(k *cudagpt.Kernels) error) {
	e.t.Helper()
	e.do(func() error { return f(e.k) })
}

func randF32(rng *rand.Rand, n int, scale float32) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = (2*rng.Float32() - 1) * scale
	}
	return x
}

// assertNear checks got against want: |got−want| ≤ atol + rtol·|want|
// element by element, reporting the worst.
func assertNear[T float32 | float64](t *testing.T, what string, got, want []T, atol, rtol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	worst, at := 0.0, -1
	for i := range got {
		g, w := float64(got[i]), float64(want[i])
		d := math.Abs(g - w)
		if math.IsNaN(g) != math.IsNaN(w) || d > atol+rtol*math.Abs(w) {
			if math.IsNaN(d) || d > worst {
				worst, at = d, i
			}
		}
	}
	if at >= 0 {
		t.Errorf("%s: element %d is %v, want %v (|diff| %.3g, atol %.3g, rtol %.3g)",
			what, at, got[at], want[at], worst, atol, rtol)
	}
}

func TestDeviceOpenMemoryCopies(t *testing.T) {
	e := newEnv(t)
	major, minor := e.d.CC()
	t.Logf("device %q, compute capability %d.%d, tf32 gemm %v", e.d.Name(), major, minor, e.k.TF32())
	if e.d.Name() == "" || major < 6 {
		t.Fatalf("name %q, cc %d.%d", e.d.Name(), major, minor)
	}
	free, total, err := e.d.MemInfo()
	if err != nil || free <= 0 || free > total {
		t.Fatalf("MemInfo: %d free of %d, %v", free, total, err)
	}

	x := []float32{1, 2, 3, 4, 5}
	p := up(e, x)
	if got := down[float32](e, p, 5); !equal(got, x) {
		t.Fatalf("round trip %v, want %v", got, x)
	}
	q := up(e, make([]float32, 5))
	e.do(func() error { return e.d.CopyDD(q+4, p, 8) })
	if got := down[float32](e, q, 5); !equal(got, []float32{0, 1, 2, 0, 0}) {
		t.Fatalf("CopyDD gave %v", got)
	}
	e.do(func() error { return e.d.Zero(p, 12) })
	if got := down[float32](e, p, 5); !equal(got, []float32{0, 0, 0, 4, 5}) {
		t.Fatalf("Zero gave %v", got)
	}
	e.do(func() error { e.d.Free(q); return nil })
}

func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDeviceKernelFault gives a kernel a pointer that is no device
// memory: the emulator refuses the launch, a GPU faults at the next
// synchronisation; either way the error names the kernel, and the
// context is lost for good (the fault is sticky): a new Open in the same
// process fails and says why.
func TestDeviceKernelFault(t *testing.T) {
	if !cudagpt.RunIsolated(t) {
		return
	}
	d, err := cudagpt.Open(0)
	if err != nil {
		t.Fatal(err)
	}
	err = d.Do(func() error {
		p, err := d.Alloc(16)
		if err != nil {
			return err
		}
		if err := d.Kernels().GeluFwd(p, cudagpt.Ptr(8), 4); err != nil {
			return err
		}
		return d.Sync()
	})
	if err == nil || !strings.Contains(err.Error(), "gelu_fwd") {
		t.Errorf("a bad launch: %v, want an error naming gelu_fwd", err)
	}
	t.Logf("the fault: %v", err)
	t.Logf("closing the lost context: %v", d.Close())
	again, err := cudagpt.Open(0)
	if err == nil {
		again.Close()
		t.Skip("this driver gave a working context after a kernel fault")
	}
	if !strings.Contains(err.Error(), "new process") {
		t.Errorf("Open after a kernel fault: %v, want it to say a new process is needed", err)
	}
	t.Logf("Open after the fault: %v", err)
}

func TestDeviceErrors(t *testing.T) {
	if _, err := cudagpt.Open(7); err == nil || !strings.Contains(err.Error(), "no CUDA device 7") {
		t.Errorf("Open(7): %v, want an error naming device 7", err)
	}
	e := newEnv(t)
	free, _, err := e.d.MemInfo()
	if err != nil {
		t.Fatal(err)
	}
	err = e.d.Do(func() error {
		_, err := e.d.Alloc(free + 1<<30)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "bytes") || !strings.Contains(err.Error(), "free") {
		t.Errorf("allocating more than is free: %v, want an error with the bytes asked and free", err)
	}
	p := up(e, make([]float32, 4))
	for _, tc := range []struct {
		name string
		f    func(k *cudagpt.Kernels) error
		want string
	}{
		{"negative", func(k *cudagpt.Kernels) error { return k.GeluFwd(p, p, -1) }, "negative"},
		{"heads", func(k *cudagpt.Kernels) error { return k.AttentionFwd(p, p, p, 1, 4, 10, 3) }, "multiple of NH"},
		{"head size", func(k *cudagpt.Kernels) error { return k.AttentionFwd(p, p, p, 1, 4, 256, 1) }, "head size"},
		{"lda", func(k *cudagpt.Kernels) error { return k.Gemm(false, false, 4, 4, 4, 1, p, 3, p, 4, 0, p, 4) }, "lda"},
		{"adamw step", func(k *cudagpt.Kernels) error { return k.AdamW(p, p, p, p, p, 4, cudagpt.AdamWParams{}) }, "step"},
		{"dpo beta", func(k *cudagpt.Kernels) error {
			return k.DPOLoss(p, p, p, p, p, p, 1, cudagpt.DPOParams{})
		}, "beta"},
	} {
		err := e.d.Do(func() error { return tc.f(e.k) })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	major, _ := e.d.CC()
	err = e.d.Do(func() error { return e.k.SetGemmMode(cudagpt.GemmTF32) })
	if (err == nil) != (major >= 8) {
		t.Errorf("SetGemmMode(TF32) on cc %d: %v", major, err)
	}
}
