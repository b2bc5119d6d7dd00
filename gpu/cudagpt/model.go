//go:build cuda

package cudagpt

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/agentarena/arena/gpu/gpt"
)

// Model is a GPT-2 resident on one device for a whole run: parameters,
// gradients, AdamW moments and decay mask, the frozen reference's
// parameters, and activations sized for the largest micro-batch. A step
// uploads token batches and reads back scalars; weights cross the bus
// only when a checkpoint asks for them (Pull) or a run starts (New).
//
// A Model is used from one goroutine; every device call goes through
// Device.Do, which runs it on the CUDA thread.
type Model struct {
	Config gpt.Config

	dev *Device
	k   *Kernels
	// n is the number of parameters; offs[i] the float offset of the
	// i-th tensor of gpt's layout (wte, wpe, 12 per layer, ln_f).
	n    int
	offs []int

	params, grads, m, v, decay, ref Ptr
	hasRef                          bool

	// maxN is how many positions (B·T) the activations hold.
	maxN int
	act  acts

	// scratch holds the step's device scalars (see scalar*).
	scratch Ptr

	adam Adam
	// last says what the activations hold: the policy's forward pass
	// (a backward may follow) or the reference's.
	last lastForward
	// lastB and lastT are the shape of the last forward.
	lastB, lastT int

	// host is scratch for copying per-position values out.
	host []float32
}

type lastForward int

const (
	lastNone lastForward = iota
	lastPolicy
	lastReference
)

// Adam holds AdamW's constants and step count, mirroring gpu.AdamW (whose
// moments live on the device here).
type Adam struct {
	Beta1, Beta2, Eps, WeightDecay float64
	Steps                          int
}

// Options size a Model.
type Options struct {
	// Positions is the most positions (sequences × length) one forward
	// pass takes: the micro-batch the activations are sized for.
	Positions int
	// Reference reserves room for the frozen DPO reference's weights.
	Reference bool
	// Samplers is how many samplers (NewSampler) the run will hold at
	// once: New allocates nothing for them but refuses a run that would
	// leave no room for them.
	Samplers int
}

// Device-side scalars, in float64 slots of the scratch buffer.
const (
	scalarNormSq  = iota // Σ g² (SumSquares)
	scalarLoss           // SFT mean loss
	scalarMetrics        // DPOLoss metrics start here (DPOMetrics slots)
	numScalars    = scalarMetrics + DPOMetrics
)

// EstimateBytes is exactly what New allocates on the device for cfg and
// opt, so a run that cannot fit is refused before anything is allocated.
func EstimateBytes(cfg gpt.Config, opt Options) int64 {
	p := int64(cfg.NumParams())
	copies := int64(4) // params, grads, AdamW m and v
	if opt.Reference {
		copies++
	}
	b := 4*copies*p + p // the decay mask is one byte a parameter
	b += actBytes(cfg, opt.Positions)
	b += 8 * numScalars
	return b + int64(opt.Samplers)*SamplerBytes(cfg)
}

// SamplerBytes is what NewSampler allocates: a copy of the weights, the
// KV cache, and scratch for a prefill of a whole block.
func SamplerBytes(cfg gpt.Config) int64 {
	C, T, V := int64(cfg.NEmbd), int64(cfg.BlockSize), int64(cfg.Vocab)
	kv := 2 * int64(cfg.NLayer) * T * C
	scratch := T*(1+2+14*C+int64(cfg.NHead)) + V
	return 4 * (int64(cfg.NumParams()) + kv + scratch)
}

// New uploads policy (and reserves the rest) onto dev. The AdamW moments
// start at zero with the given constants; SetState restores a resumed run.
func New(dev *Device, policy *gpt.Model, adam Adam, opt Options) (*Model, error) {
	cfg := policy.Config
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opt.Positions <= 0 {
		return nil, fmt.Errorf("cudagpt: %d positions per pass: want at least 1", opt.Positions)
	}
	need := EstimateBytes(cfg, opt)
	free, total, err := dev.MemInfo()
	if err != nil {
		return nil, fmt.Errorf("cudagpt: reading %s's memory: %w", dev.Name(), err)
	}
	if need > free {
		return nil, fmt.Errorf("cudagpt: a %d-layer, width-%d, vocab-%d model with %d positions per pass needs %d bytes (%.2f GiB: weights, gradients, AdamW moments%s, activations and samplers) on the device; %s has %d bytes free (%.2f GiB) of %.2f GiB: use a smaller -preset, -batch or -context, or -accumulate",
			cfg.NLayer, cfg.NEmbd, cfg.Vocab, opt.Positions, need, gib(need), refNote(opt.Reference), dev.Name(), free, gib(free), gib(total))
	}
	m := &Model{Config: cfg, dev: dev, k: dev.Kernels(), n: cfg.NumParams(), maxN: opt.Positions, adam: adam}
	off := 0
	for _, t := range policy.Tensors() {
		m.offs = append(m.offs, off)
		off += len(t.Data)
	}
	err = dev.Do(func() error {
		if err := m.alloc(opt); err != nil {
			return err
		}
		if err := m.copyIn(m.params, policy.Params); err != nil {
			return err
		}
		return m.uploadDecay(policy)
	})
	if err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

func refNote(ref bool) string {
	if ref {
		return ", the reference"
	}
	return ""
}

func gib(b int64) float64 { return float64(b) / (1 << 30) }

// alloc reserves every buffer and zeroes the gradient and moments.
func (m *Model) alloc(opt Options) error {
	f := int64(m.n) * 4
	bufs := []struct {
		p     *Ptr
		bytes int64
	}{{&m.params, f}, {&m.grads, f}, {&m.m, f}, {&m.v, f}, {&m.decay, int64(m.n)}, {&m.scratch, 8 * numScalars}}
	if opt.Reference {
		bufs = append(bufs, struct {
			p     *Ptr
			bytes int64
		}{&m.ref, f})
	}
	for _, b := range bufs {
		p, err := m.dev.Alloc(b.bytes)
		if err != nil {
			return fmt.Errorf("cudagpt: %w", err)
		}
		*b.p = p
	}
	for _, p := range []Ptr{m.grads, m.m, m.v} {
		if err := m.dev.Zero(p, f); err != nil {
			return err
		}
	}
	return m.act.alloc(m.dev, m.Config, m.maxN)
}

// uploadDecay marks matrices and embeddings for weight decay, as
// gpu.NewAdamW does: every two-dimensional tensor, no bias or gain.
func (m *Model) uploadDecay(policy *gpt.Model) error {
	mask := make([]uint8, m.n)
	for i, t := range policy.Tensors() {
		if len(t.Shape) == 2 {
			for j := range t.Data {
				mask[m.offs[i]+j] = 1
			}
		}
	}
	return m.dev.CopyIn(m.decay, unsafe.Pointer(&mask[0]), int64(len(mask)))
}

// Close frees everything on the device. The Device stays open.
func (m *Model) Close() {
	_ = m.dev.Do(func() error {
		for _, p := range []*Ptr{&m.params, &m.grads, &m.m, &m.v, &m.decay, &m.ref, &m.scratch} {
			if *p != 0 {
				m.dev.Free(*p)
				*p = 0
			}
		}
		m.act.free(m.dev)
		return nil
	})
}

// Device is the device the model lives on.
func (m *Model) Device() *Device { return m.dev }

// NumParams is the number of parameters.
func (m *Model) NumParams() int { return m.n }

// MaxPositions is the largest B·T a forward pass takes.
func (m *Model) MaxPositions() int { return m.maxN }

// Adam is the optimiser's constants and step count.
func (m *Model) Adam() Adam { return m.adam }

// copyIn uploads a host float32 slice of the model's size. CUDA thread.
func (m *Model) copyIn(dst Ptr, src []float32) error {
	if len(src) != m.n {
		return fmt.Errorf("cudagpt: %d floats for a %d-parameter model", len(src), m.n)
	}
	return m.dev.CopyIn(dst, unsafe.Pointer(&src[0]), int64(m.n)*4)
}

// copyOut downloads a device buffer of the model's size. CUDA thread.
func (m *Model) copyOut(dst []float32, src Ptr) error {
	if len(dst) != m.n {
		return fmt.Errorf("cudagpt: %d floats for a %d-parameter model", len(dst), m.n)
	}
	return m.dev.CopyOut(unsafe.Pointer(&dst[0]), src, int64(m.n)*4)
}

// State is what a checkpoint holds of a run: the policy's weights, the
// AdamW moments and step count, and the reference's weights (nil before
// DPO). Slices are laid out as gpt.Model.Params.
type State struct {
	Params, M, V, Ref []float32
	AdamSteps         int
}

// Pull copies the device's weights (and, with moments, the AdamW state
// and the reference) into st's slices, which must have the model's size
// (Ref may be nil to skip it).
func (m *Model) Pull(st *State, moments bool) error {
	return m.dev.Do(func() error {
		if err := m.copyOut(st.Params, m.params); err != nil {
			return fmt.Errorf("cudagpt: pulling weights: %w", err)
		}
		st.AdamSteps = m.adam.Steps
		if !moments {
			return nil
		}
		if err := errors.Join(m.copyOut(st.M, m.m), m.copyOut(st.V, m.v)); err != nil {
			return fmt.Errorf("cudagpt: pulling AdamW moments: %w", err)
		}
		if st.Ref != nil && m.hasRef {
			return m.copyOut(st.Ref, m.ref)
		}
		return nil
	})
}

// Push replaces the device's state by st (a resumed run): weights, the
// moments (zero when nil) and step count, and the reference when st has
// one.
func (m *Model) Push(st State) error {
	if st.Ref != nil && m.ref == 0 {
		return errors.New("cudagpt: push: the state has a reference but the model reserved no room for one (Options.Reference)")
	}
	return m.dev.Do(func() error {
		if err := m.copyIn(m.params, st.Params); err != nil {
			return err
		}
		for _, x := range []struct {
			dst Ptr
			src []float32
		}{{m.m, st.M}, {m.v, st.V}} {
			var err error
			if x.src == nil {
				err = m.dev.Zero(x.dst, int64(m.n)*4)
			} else {
				err = m.copyIn(x.dst, x.src)
			}
			if err != nil {
				return err
			}
		}
		m.adam.Steps = st.AdamSteps
		m.hasRef = st.Ref != nil
		if m.hasRef {
			return m.copyIn(m.ref, st.Ref)
		}
		return nil
	})
}

// FreezeReference copies the policy's weights into the reference and
// restarts AdamW, as gpu.Trainer.FreezeReference does.
func (m *Model) FreezeReference() error {
	if m.ref == 0 {
		return errors.New("cudagpt: freeze reference: the model reserved no room for one (Options.Reference)")
	}
	return m.dev.Do(func() error {
		f := int64(m.n) * 4
		if err := errors.Join(m.dev.CopyDD(m.ref, m.params, f), m.dev.Zero(m.m, f), m.dev.Zero(m.v, f)); err != nil {
			return fmt.Errorf("cudagpt: freeze reference: %w", err)
		}
		m.hasRef = true
		m.adam.Steps = 0
		return nil
	})
}

// HasReference says whether a reference is frozen on the device.
func (m *Model) HasReference() bool { return m.hasRef }
