//go:build cuda

package gpu

import (
	"fmt"

	"github.com/agentarena/arena/gpu/cudagpt"
	"github.com/agentarena/arena/gpu/gpt"
)

// CUDAEngine is the Engine on one NVIDIA GPU: a cudagpt.Model holding
// the policy, gradient, moments, reference and activations on the
// device for the whole run.
type CUDAEngine struct {
	name string
	m    *cudagpt.Model
}

var _ Engine = (*CUDAEngine)(nil)

// DeviceName describes a device as the trainer prints it: ordinal, name,
// compute capability and memory.
func DeviceName(ordinal int, dev *cudagpt.Device) string {
	major, minor := dev.CC()
	_, total, err := dev.MemInfo()
	mem := "memory unknown"
	if err == nil {
		mem = fmt.Sprintf("%.1f GiB", float64(total)/(1<<30))
	}
	return fmt.Sprintf("cuda:%d (%s, compute capability %d.%d, %s)", ordinal, dev.Name(), major, minor, mem)
}

// NewCUDAEngine sizes a device model for t's policy with activations for
// positions positions per pass (EnginePositions), refusing, before it
// allocates, a run the device has no memory for, room for two samplers
// (the learner's and an evaluation's) included. t.UseEngine then moves
// the trainer onto it.
func NewCUDAEngine(dev *cudagpt.Device, ordinal int, t *Trainer, positions int) (*CUDAEngine, error) {
	adam := cudagpt.Adam{Beta1: t.opt.Beta1, Beta2: t.opt.Beta2, Eps: t.opt.Eps, WeightDecay: t.opt.WeightDecay}
	m, err := cudagpt.New(dev, t.policy, adam, cudagpt.Options{Positions: positions, Reference: true, Samplers: 2})
	if err != nil {
		return nil, err
	}
	return &CUDAEngine{name: DeviceName(ordinal, dev), m: m}, nil
}

func (e *CUDAEngine) Name() string { return e.name }

// Model is the device model underneath.
func (e *CUDAEngine) Model() *cudagpt.Model { return e.m }

func (e *CUDAEngine) Forward(b gpt.Batch, reference bool) ([]float32, error) {
	return e.m.Forward(b, reference)
}

func (e *CUDAEngine) Backward(d []float32) error   { return e.m.Backward(d) }
func (e *CUDAEngine) ZeroGrad() error              { return e.m.ZeroGrad() }
func (e *CUDAEngine) GradNorm() (float64, error)   { return e.m.GradNorm() }
func (e *CUDAEngine) Apply(lr, clip float64) error { return e.m.Apply(lr, clip) }
func (e *CUDAEngine) Positions() int               { return e.m.MaxPositions() }
func (e *CUDAEngine) FreezeReference() error       { return e.m.FreezeReference() }
func (e *CUDAEngine) Push(st EngineState) error    { return e.m.Push(cudagpt.State(st)) }
func (e *CUDAEngine) Close() error                 { e.m.Close(); return nil }
func (e *CUDAEngine) Pull(st *EngineState, moments bool) error {
	return e.m.Pull((*cudagpt.State)(st), moments)
}

// Sampler snapshots the policy's current weights on the device for
// answering (see cudagpt.Sampler); Close it when the version retires.
func (e *CUDAEngine) Sampler() (*cudagpt.Sampler, error) { return e.m.NewSampler() }

var _ Snapshotter = (*CUDAEngine)(nil)

// Snapshot is Sampler as a gpu.Sampler.
func (e *CUDAEngine) Snapshot() (Sampler, func(), error) {
	s, err := e.m.NewSampler()
	if err != nil {
		return nil, nil, err
	}
	return s, s.Close, nil
}
