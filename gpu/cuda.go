//go:build cuda

// The CUDA backend. It needs only the CUDA driver API (libcuda.so.1, which
// every NVIDIA driver ships): the kernels are CUDA C in kernels/kernels.cu,
// compiled to PTX for an old virtual architecture by kernels/gen.sh, and the
// committed PTX is embedded here and JIT-compiled by the driver at start-up.
// No cuBLAS, no CUDA runtime, so the binary is not tied to a toolkit version.
//
// gorgonia.org/cu exits the process in its init when no CUDA driver is
// present, which is why every file importing it carries the cuda build tag
// and the default build never links it (see docs/GPU.md).
//
// Data movement: the Backend interface works on host slices, so each call
// copies its inputs to the device, runs one kernel and copies the result
// back. That is correct and simple but costs two PCIe transfers per call;
// device buffers are cached and only grow, so there is no allocation per
// call once the largest shapes have been seen.

package gpu

import (
	_ "embed"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unsafe"

	"gorgonia.org/cu"
)

//go:embed kernels/kernels.ptx
var kernelsPTX string

// Launch geometry; the first two must agree with kernels.cu.
const (
	gemmTile    = 16    // TILE: gemm blocks are gemmTile×gemmTile threads
	rowThreads  = 256   // ROW_THREADS: block size of log_softmax_rows_f64
	elemThreads = 256   // block size of the element-wise kernels
	maxGrid     = 65535 // grid cap per dimension; the kernels grid-stride
)

// Device buffer slots: one per operand, so an operation never has to move
// a buffer it is still using.
const (
	slotA = iota
	slotB
	slotC
	numSlots
)

// CUDA is the Backend on an NVIDIA GPU. All CUDA work happens on one
// goroutine locked to its OS thread, the thread that holds the CUDA
// context; the methods hand it closures over a channel and wait, so a
// CUDA may be used from any goroutine (calls are serialised).
//
// The Backend methods have no error result: a CUDA failure (a launch
// error, a lost device, out of memory) panics with an error naming the
// operation, as a bad slice length would.
type CUDA struct {
	name string

	mu     sync.RWMutex // guards closed against sends on reqs
	closed bool
	reqs   chan func()
	done   chan struct{} // closed when the worker has released everything
	relErr error         // the worker's release error, read after done

	// Owned by the worker goroutine.
	ctx      cu.CUContext
	hasCtx   bool
	mod      cu.Module
	hasMod   bool
	fnGemm   cu.Function
	fnBias   cu.Function
	fnTanh   cu.Function
	fnTanhBw cu.Function
	fnLogSm  cu.Function
	bufs     [numSlots]devBuf
}

type devBuf struct {
	ptr cu.DevicePtr
	n   int // capacity in float64s
}

var _ Backend = (*CUDA)(nil)

// ErrNoPTX means the binary was built without the generated kernels.
var ErrNoPTX = errors.New("gpu: the embedded kernels/kernels.ptx is empty or has no kernels; regenerate it with gpu/kernels/gen.sh (make cuda-ptx) and rebuild")

// NewCUDA opens the CUDA device with the given ordinal (0 for the first),
// creates a context on a dedicated OS thread and loads the kernels.
func NewCUDA(device int) (*CUDA, error) {
	if !strings.Contains(kernelsPTX, ".entry") {
		return nil, ErrNoPTX
	}
	c := &CUDA{
		reqs: make(chan func()),
		done: make(chan struct{}),
	}
	ready := make(chan error, 1)
	go c.worker(device, ready)
	if err := <-ready; err != nil {
		<-c.done
		return nil, err
	}
	return c, nil
}

// worker owns the CUDA context for the backend's lifetime.
func (c *CUDA) worker(device int, ready chan<- error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer close(c.done)

	if err := c.open(device); err != nil {
		c.relErr = c.release()
		ready <- err
		return
	}
	ready <- nil
	for f := range c.reqs {
		f()
	}
	c.relErr = c.release()
}

// open runs on the worker: device, context, module, functions.
func (c *CUDA) open(device int) error {
	n, err := cu.NumDevices()
	if err != nil {
		return fmt.Errorf("gpu: cuda: counting devices: %w", err)
	}
	if device < 0 || device >= n {
		return fmt.Errorf("gpu: cuda: device %d requested, %d present", device, n)
	}
	dev, err := cu.GetDevice(device)
	if err != nil {
		return fmt.Errorf("gpu: cuda: device %d: %w", device, err)
	}
	name, err := dev.Name()
	if err != nil {
		return fmt.Errorf("gpu: cuda: device %d name: %w", device, err)
	}
	major, err1 := dev.Attribute(cu.ComputeCapabilityMajor)
	minor, err2 := dev.Attribute(cu.ComputeCapabilityMinor)
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("gpu: cuda: device %d capability: %w", device, err)
	}
	c.name = fmt.Sprintf("cuda:%d (%s, sm_%d%d)", device, name, major, minor)

	// cuCtxCreate makes the new context current on this (locked) thread.
	// Blocking sync: a thread waiting for the GPU sleeps instead of spinning.
	ctx, err := dev.MakeContext(cu.SchedBlockingSync)
	if err != nil {
		return fmt.Errorf("gpu: cuda: creating a context on %s: %w", name, err)
	}
	c.ctx, c.hasCtx = ctx, true

	mod, err := cu.LoadData(kernelsPTX)
	if err != nil {
		return fmt.Errorf("gpu: cuda: loading the PTX kernels on %s (the driver JIT-compiles PTX ISA 7.8, CUDA 11.8: a driver older than r520 rejects it; regenerate kernels.ptx with an older nvcc): %w", name, err)
	}
	c.mod, c.hasMod = mod, true

	for _, f := range []struct {
		fn   *cu.Function
		name string
	}{
		{&c.fnGemm, "gemm_f64"},
		{&c.fnBias, "add_bias_f64"},
		{&c.fnTanh, "tanh_f64"},
		{&c.fnTanhBw, "tanh_backward_f64"},
		{&c.fnLogSm, "log_softmax_rows_f64"},
	} {
		if *f.fn, err = mod.Function(f.name); err != nil {
			return fmt.Errorf("gpu: cuda: kernel %s: %w", f.name, err)
		}
	}
	return nil
}

// release runs on the worker: buffers, module, context, in that order.
func (c *CUDA) release() error {
	var errs []error
	for i := range c.bufs {
		if c.bufs[i].ptr != 0 {
			errs = append(errs, cu.MemFree(c.bufs[i].ptr))
			c.bufs[i] = devBuf{}
		}
	}
	if c.hasMod {
		errs = append(errs, c.mod.Unload())
		c.hasMod = false
	}
	if c.hasCtx {
		errs = append(errs, c.ctx.Destroy())
		c.hasCtx = false
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("gpu: cuda: releasing: %w", err)
	}
	return nil
}

// do runs f on the worker and waits for it; an error panics (see CUDA).
func (c *CUDA) do(op string, f func() error) {
	errc := make(chan error, 1)
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		panic("gpu: cuda: " + op + " on a closed backend")
	}
	c.reqs <- func() { errc <- f() }
	c.mu.RUnlock()
	if err := <-errc; err != nil {
		panic(fmt.Errorf("gpu: cuda: %s: %w", op, err))
	}
}

// buf returns the device buffer of a slot with room for n float64s,
// growing it (the old contents are not kept). Worker only.
func (c *CUDA) buf(slot, n int) (cu.DevicePtr, error) {
	b := &c.bufs[slot]
	if n <= b.n {
		return b.ptr, nil
	}
	if b.ptr != 0 {
		if err := cu.MemFree(b.ptr); err != nil {
			return 0, err
		}
		*b = devBuf{}
	}
	// Round up to 32 KiB so slowly growing shapes do not reallocate each time.
	size := (n + 4095) &^ 4095
	p, err := cu.MemAlloc(int64(size) * 8)
	if err != nil {
		return 0, fmt.Errorf("allocating %d bytes: %w", size*8, err)
	}
	*b = devBuf{ptr: p, n: size}
	return p, nil
}

// upload copies s into the slot's buffer and returns it. Worker only.
func (c *CUDA) upload(slot int, s []float64) (cu.DevicePtr, error) {
	p, err := c.buf(slot, len(s))
	if err != nil || len(s) == 0 {
		return p, err
	}
	return p, cu.MemcpyHtoD(p, unsafe.Pointer(&s[0]), int64(len(s))*8)
}

// download copies the start of a device buffer into s. It synchronises
// with the kernels launched before it, so their errors surface here.
func download(s []float64, p cu.DevicePtr) error {
	if len(s) == 0 {
		return cu.Synchronize()
	}
	return cu.MemcpyDtoH(unsafe.Pointer(&s[0]), p, int64(len(s))*8)
}

// launch starts fn with 64-bit arguments (cu copies 8 bytes from each).
func launch(fn cu.Function, gx, gy, bx, by int, args ...any) error {
	params := make([]unsafe.Pointer, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case int64:
			params[i] = unsafe.Pointer(&v)
		case float64:
			params[i] = unsafe.Pointer(&v)
		case cu.DevicePtr:
			params[i] = unsafe.Pointer(&v)
		default:
			panic(fmt.Sprintf("gpu: cuda: kernel argument %d of unsupported type %T", i, a))
		}
	}
	return fn.Launch(gx, gy, 1, bx, by, 1, 0, cu.NoStream, params)
}

func gridFor(units, per int) int {
	return max(1, min((units+per-1)/per, maxGrid))
}

func flag(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func need(op, what string, s []float64, n int) {
	if len(s) < n {
		panic(fmt.Sprintf("gpu: cuda: %s: %s has %d elements, needs %d", op, what, len(s), n))
	}
}

// Name reports the device, e.g. "cuda:0 (NVIDIA H200, sm_90)".
func (c *CUDA) Name() string { return c.name }

// Gemm computes C = alpha·op(A)·op(B) + beta·C (see Backend). With beta
// zero, C is written without being read, as in BLAS.
func (c *CUDA) Gemm(transA, transB bool, m, n, k int, alpha float64, a, b []float64, beta float64, cm []float64) {
	if m == 0 || n == 0 {
		return
	}
	need("Gemm", "a", a, m*k)
	need("Gemm", "b", b, k*n)
	need("Gemm", "c", cm, m*n)
	a, b, cm = a[:m*k], b[:k*n], cm[:m*n]
	c.do("Gemm", func() error {
		dA, err := c.upload(slotA, a)
		if err != nil {
			return err
		}
		dB, err := c.upload(slotB, b)
		if err != nil {
			return err
		}
		var dC cu.DevicePtr
		if beta != 0 {
			dC, err = c.upload(slotC, cm)
		} else {
			dC, err = c.buf(slotC, len(cm))
		}
		if err != nil {
			return err
		}
		err = launch(c.fnGemm, gridFor(n, gemmTile), gridFor(m, gemmTile), gemmTile, gemmTile,
			flag(transA), flag(transB), int64(m), int64(n), int64(k),
			alpha, dA, dB, beta, dC)
		if err != nil {
			return err
		}
		return download(cm, dC)
	})
}

// AddBias adds bias (length n) to every row of the m×n matrix x.
func (c *CUDA) AddBias(m, n int, x, bias []float64) {
	if m == 0 || n == 0 {
		return
	}
	need("AddBias", "x", x, m*n)
	need("AddBias", "bias", bias, n)
	x, bias = x[:m*n], bias[:n]
	c.do("AddBias", func() error {
		dX, err := c.upload(slotA, x)
		if err != nil {
			return err
		}
		dBias, err := c.upload(slotB, bias)
		if err != nil {
			return err
		}
		if err := launch(c.fnBias, gridFor(m*n, elemThreads), 1, elemThreads, 1,
			int64(m), int64(n), dX, dBias); err != nil {
			return err
		}
		return download(x, dX)
	})
}

// Tanh applies tanh element-wise in place.
func (c *CUDA) Tanh(x []float64) {
	if len(x) == 0 {
		return
	}
	c.do("Tanh", func() error {
		dX, err := c.upload(slotA, x)
		if err != nil {
			return err
		}
		if err := launch(c.fnTanh, gridFor(len(x), elemThreads), 1, elemThreads, 1,
			int64(len(x)), dX); err != nil {
			return err
		}
		return download(x, dX)
	})
}

// TanhBackward computes dy = dy·(1−y²) in place, y the forward output.
func (c *CUDA) TanhBackward(y, dy []float64) {
	if len(dy) == 0 {
		return
	}
	need("TanhBackward", "y", y, len(dy))
	y = y[:len(dy)]
	c.do("TanhBackward", func() error {
		dY, err := c.upload(slotA, y)
		if err != nil {
			return err
		}
		dDy, err := c.upload(slotB, dy)
		if err != nil {
			return err
		}
		if err := launch(c.fnTanhBw, gridFor(len(dy), elemThreads), 1, elemThreads, 1,
			int64(len(dy)), dY, dDy); err != nil {
			return err
		}
		return download(dy, dDy)
	})
}

// LogSoftmax replaces each row of the m×n matrix x by its log-softmax,
// one block per row, subtracting the row maximum first.
func (c *CUDA) LogSoftmax(m, n int, x []float64) {
	if m == 0 || n == 0 {
		return
	}
	need("LogSoftmax", "x", x, m*n)
	x = x[:m*n]
	c.do("LogSoftmax", func() error {
		dX, err := c.upload(slotA, x)
		if err != nil {
			return err
		}
		if err := launch(c.fnLogSm, min(m, maxGrid), 1, rowThreads, 1,
			int64(m), int64(n), dX); err != nil {
			return err
		}
		return download(x, dX)
	})
}

// Close releases the device buffers, the module and the context, and ends
// the worker. Calls after Close panic; a second Close returns nil.
func (c *CUDA) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		<-c.done
		return nil
	}
	c.closed = true
	close(c.reqs)
	c.mu.Unlock()
	<-c.done
	return c.relErr
}
