//go:build cuda

// Package cudagpt runs the GPT-2 transformer on an NVIDIA GPU with
// everything resident on the device. This file is the device: one CUDA
// context owned by one goroutine locked to its OS thread, memory, copies
// and the loaded kernels (kernels.go).
//
// Only the CUDA driver API is used (libcuda.so.1, shipped with every
// NVIDIA driver); the kernels are gpu/kernels/gpt.cu compiled to PTX and
// JIT-compiled by the driver when the device is opened. gorgonia.org/cu
// calls cuInit in its package init and exits the process when that fails,
// so a binary with this package cannot start without a driver at all: the
// "no driver" error is the loader's or cu's, printed before main runs.
package cudagpt

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"unsafe"

	"gorgonia.org/cu"
)

// Ptr is a device address.
type Ptr uint64

// Device owns one CUDA context on one goroutine locked to its OS thread.
// Every method but Name, CC, Do and Close must be called inside Do.
type Device struct {
	ordinal      int
	name         string
	major, minor int
	sms          int // multiprocessors, for launch heuristics

	mu     sync.RWMutex // guards closed against sends on reqs
	closed bool
	reqs   chan func()
	done   chan struct{}
	relErr error

	// Owned by the worker goroutine.
	ctx      cu.CUContext
	hasCtx   bool
	mod      cu.Module
	hasMod   bool
	kernels  *Kernels
	last     string // the last kernel launched, for asynchronous errors
	syncEach bool   // ARENA_CUDA_SYNC=1: synchronise after every launch
	freeErr  error
}

// Open opens device ordinal (0 for the first), creates its context on a
// dedicated OS thread and JIT-compiles the kernels for it.
func Open(ordinal int) (*Device, error) {
	d := &Device{
		ordinal:  ordinal,
		reqs:     make(chan func()),
		done:     make(chan struct{}),
		syncEach: os.Getenv("ARENA_CUDA_SYNC") == "1",
	}
	ready := make(chan error, 1)
	go d.worker(ready)
	if err := <-ready; err != nil {
		<-d.done
		return nil, err
	}
	return d, nil
}

func (d *Device) worker(ready chan<- error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer close(d.done)
	if err := d.open(); err != nil {
		d.relErr = d.release()
		ready <- err
		return
	}
	ready <- nil
	for f := range d.reqs {
		f()
	}
	d.relErr = d.release()
}

func (d *Device) open() error {
	n, err := cu.NumDevices()
	if err != nil {
		return fmt.Errorf("cudagpt: no usable CUDA driver (counting devices): %w", err)
	}
	if n == 0 {
		return errors.New("cudagpt: the CUDA driver reports no GPU")
	}
	if d.ordinal < 0 || d.ordinal >= n {
		return fmt.Errorf("cudagpt: no CUDA device %d (%d present, numbered from 0)", d.ordinal, n)
	}
	dev, err := cu.GetDevice(d.ordinal)
	if err != nil {
		return fmt.Errorf("cudagpt: device %d: %w", d.ordinal, err)
	}
	if d.name, err = dev.Name(); err != nil {
		return fmt.Errorf("cudagpt: device %d name: %w", d.ordinal, err)
	}
	major, err1 := dev.Attribute(cu.ComputeCapabilityMajor)
	minor, err2 := dev.Attribute(cu.ComputeCapabilityMinor)
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("cudagpt: device %d compute capability: %w", d.ordinal, err)
	}
	d.major, d.minor = major, minor
	if d.sms, err = dev.Attribute(cu.MultiprocessorCount); err != nil || d.sms < 1 {
		d.sms = 1
	}
	if major < 6 {
		return fmt.Errorf("cudagpt: %s has compute capability %d.%d; the kernels need 6.0 (Pascal) or newer", d.name, major, minor)
	}
	ctx, err := dev.MakeContext(cu.SchedBlockingSync)
	if err != nil {
		if errors.Is(err, cu.IllegalAddress) || errors.Is(err, cu.LaunchFailed) {
			// A kernel fault is sticky for the whole process on a GPU.
			return fmt.Errorf("cudagpt: creating a context on %s: %w (a kernel of this process faulted earlier, which leaves the GPU unusable to it; a new process gets a working context)", d.name, err)
		}
		return fmt.Errorf("cudagpt: creating a context on %s: %w", d.name, err)
	}
	d.ctx, d.hasCtx = ctx, true
	ptx, tf32 := ptxFor(major, minor)
	if !ptxOK(ptx) {
		return errors.New("cudagpt: the embedded PTX has no kernels; regenerate it with make cuda-ptx and rebuild")
	}
	mod, err := cu.LoadData(ptx)
	if err != nil {
		return fmt.Errorf("cudagpt: JIT-compiling the kernels for %s (sm_%d%d; the PTX is ISA 7.8 from CUDA 11.8, which needs a driver from r520 on): %w", d.name, major, minor, err)
	}
	d.mod, d.hasMod = mod, true
	if d.kernels, err = newKernels(d, mod, tf32); err != nil {
		return err
	}
	return nil
}

func (d *Device) release() error {
	var errs []error
	if d.kernels != nil {
		errs = append(errs, d.kernels.release())
	}
	if d.hasMod {
		errs = append(errs, d.mod.Unload())
		d.hasMod = false
	}
	if d.hasCtx {
		errs = append(errs, d.ctx.Destroy())
		d.hasCtx = false
	}
	errs = append(errs, d.freeErr)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("cudagpt: releasing %s: %w", d.name, err)
	}
	return nil
}

// Name is the GPU's name, e.g. "NVIDIA H200".
func (d *Device) Name() string { return d.name }

// CC is the device's compute capability.
func (d *Device) CC() (major, minor int) { return d.major, d.minor }

// Do runs f on the device's thread and returns its error. All device work
// goes through Do: the CUDA context is current on that thread only. Do
// must not be called from inside f.
func (d *Device) Do(f func() error) error {
	errc := make(chan error, 1)
	d.mu.RLock()
	if d.closed {
		d.mu.RUnlock()
		return errors.New("cudagpt: Do on a closed device")
	}
	d.reqs <- func() { errc <- f() }
	d.mu.RUnlock()
	return <-errc
}

// Close releases the kernels, the module and the context. Memory still
// allocated goes with the context. A second Close returns nil.
func (d *Device) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		<-d.done
		return nil
	}
	d.closed = true
	close(d.reqs)
	d.mu.Unlock()
	<-d.done
	return d.relErr
}

// MemInfo reports free and total device memory in bytes (inside Do or
// not: it goes through Do itself).
func (d *Device) MemInfo() (free, total int64, err error) {
	err = d.Do(func() error {
		var e error
		free, total, e = cu.MemInfo()
		return e
	})
	if err != nil {
		err = fmt.Errorf("cudagpt: memory info: %w", err)
	}
	return free, total, err
}

// Alloc allocates bytes of device memory (inside Do). The contents are
// undefined.
func (d *Device) Alloc(bytes int64) (Ptr, error) {
	if bytes <= 0 {
		return 0, fmt.Errorf("cudagpt: allocating %d bytes", bytes)
	}
	p, err := cu.MemAlloc(bytes)
	if err != nil {
		free, total, ierr := cu.MemInfo()
		if ierr != nil {
			return 0, fmt.Errorf("cudagpt: allocating %d bytes (%s) on %s: %w", bytes, mib(bytes), d.name, err)
		}
		return 0, fmt.Errorf("cudagpt: allocating %d bytes (%s) on %s with %d bytes (%s) free of %s: %w",
			bytes, mib(bytes), d.name, free, mib(free), mib(total), err)
	}
	return Ptr(p), nil
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// Free releases memory from Alloc (inside Do); 0 is ignored. A failure
// is reported by Close.
func (d *Device) Free(p Ptr) {
	if p == 0 {
		return
	}
	if err := cu.MemFree(cu.DevicePtr(p)); err != nil && d.freeErr == nil {
		d.freeErr = fmt.Errorf("freeing %#x: %w", uint64(p), err)
	}
}

// Zero sets bytes of device memory at p to zero (inside Do).
func (d *Device) Zero(p Ptr, bytes int64) error {
	if bytes == 0 {
		return nil
	}
	if err := cu.MemsetD8(cu.DevicePtr(p), 0, bytes); err != nil {
		return fmt.Errorf("cudagpt: zeroing %d bytes: %w", bytes, err)
	}
	return nil
}

// CopyIn copies bytes from host memory to the device (inside Do).
func (d *Device) CopyIn(dst Ptr, src unsafe.Pointer, bytes int64) error {
	if bytes == 0 {
		return nil
	}
	if err := cu.MemcpyHtoD(cu.DevicePtr(dst), src, bytes); err != nil {
		return fmt.Errorf("cudagpt: copying %d bytes to the device%s: %w", bytes, d.after(), err)
	}
	return nil
}

// CopyOut copies bytes from the device to host memory (inside Do). It
// waits for the kernels launched before it, so their errors surface here.
func (d *Device) CopyOut(dst unsafe.Pointer, src Ptr, bytes int64) error {
	if bytes == 0 {
		return nil
	}
	if err := cu.MemcpyDtoH(dst, cu.DevicePtr(src), bytes); err != nil {
		return fmt.Errorf("cudagpt: copying %d bytes from the device%s: %w", bytes, d.after(), err)
	}
	return nil
}

// CopyDD copies bytes between device buffers (inside Do).
func (d *Device) CopyDD(dst, src Ptr, bytes int64) error {
	if bytes == 0 {
		return nil
	}
	if err := cu.MemcpyDtoD(cu.DevicePtr(dst), cu.DevicePtr(src), bytes); err != nil {
		return fmt.Errorf("cudagpt: device-to-device copy of %d bytes%s: %w", bytes, d.after(), err)
	}
	return nil
}

// Sync waits for every kernel launched so far (inside Do). Kernel errors
// are asynchronous, so a failure names the last kernel launched; with
// ARENA_CUDA_SYNC=1 every launch is synchronised and the failing kernel
// itself is named.
func (d *Device) Sync() error {
	if err := cu.Synchronize(); err != nil {
		return fmt.Errorf("cudagpt: synchronising%s: %w", d.after(), err)
	}
	return nil
}

// after names the last kernel launched, for errors that surface late.
func (d *Device) after() string {
	if d.last == "" {
		return ""
	}
	return " after kernel " + d.last
}

// Kernels returns the typed kernel launchers (use them inside Do).
func (d *Device) Kernels() *Kernels { return d.kernels }
