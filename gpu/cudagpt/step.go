//go:build cuda

package cudagpt

import (
	"errors"
	"fmt"
	"math"
	"unsafe"

	"github.com/agentarena/arena/gpu/gpt"
	"github.com/agentarena/arena/gpu/internal/finite"
)

// GradNorm is the global L2 norm of the accumulated gradient (Σ g² in
// float64 on the device; one scalar comes back): gpu.ClipGradNorm's
// return value.
func (m *Model) GradNorm() (float64, error) {
	var ss float64
	err := m.dev.Do(func() error {
		if err := m.k.SumSquares(at(m.scratch, 2*scalarNormSq), m.grads, m.n); err != nil {
			return fmt.Errorf("cudagpt: gradient norm: %w", err)
		}
		return m.dev.CopyOut(unsafe.Pointer(&ss), at(m.scratch, 2*scalarNormSq), 8)
	})
	return math.Sqrt(ss), err
}

// Apply takes one AdamW step with learning rate lr from the accumulated
// gradient, clipped to a global norm of clip (0: no clipping) using the
// Σ g² the last GradNorm left on the device: gpu.ClipGradNorm then
// gpu.AdamW.Update. The gradient is left as it was; ZeroGrad before the
// next step's passes.
func (m *Model) Apply(lr, clip float64) error {
	m.adam.Steps++
	a := m.adamParams(lr, clip)
	err := m.dev.Do(func() error {
		if err := m.k.AdamW(m.params, m.grads, m.m, m.v, m.decay, m.n, a); err != nil {
			return fmt.Errorf("cudagpt: update: %w", err)
		}
		return nil
	})
	if err != nil {
		m.adam.Steps--
	}
	return err
}

// Sync waits for the device to finish; a failed kernel surfaces here by
// name.
func (m *Model) Sync() error { return m.dev.Do(m.dev.Sync) }

// SFTResult is what a device-side SFT step reads back.
type SFTResult struct {
	Loss, GradNorm float64
	// Scored is the number of positions with a target.
	Scored int
}

// SFTStep is one supervised step entirely on the device: the mean
// cross-entropy over b's scored positions, its gradient, clipping and
// AdamW. Only b's tokens go in (the per-position weights are derived
// from the targets on the device by SFTLoss); the loss and the gradient
// norm come back. A non-finite loss or norm skips the update, as the
// CPU trainer does.
func (m *Model) SFTStep(b gpt.Batch, lr, clip float64) (SFTResult, error) {
	scored := 0
	for _, t := range b.Targets {
		if t >= 0 {
			scored++
		}
	}
	if scored == 0 {
		return SFTResult{}, errors.New("cudagpt: sft step: no scored positions")
	}
	var loss float32
	err := m.dev.Do(func() error {
		if err := m.trainForward(b); err != nil {
			return err
		}
		N, a := b.B*b.T, &m.act
		if err := m.k.SFTLoss(at(m.scratch, 2*scalarLoss), a.dlogp, a.logp, a.targets, N); err != nil {
			return fmt.Errorf("cudagpt: sft loss: %w", err)
		}
		if err := m.backward(); err != nil {
			return err
		}
		return m.dev.CopyOut(unsafe.Pointer(&loss), at(m.scratch, 2*scalarLoss), 4)
	})
	if err != nil {
		return SFTResult{}, err
	}
	res := SFTResult{Loss: float64(loss), Scored: scored}
	return res, m.finish(&res.GradNorm, res.Loss, lr, clip)
}

// trainForward starts a training step (inside Do): b's tokens up, the
// gradient zeroed, the policy's forward pass.
func (m *Model) trainForward(b gpt.Batch) error {
	if err := m.upload(b); err != nil {
		return err
	}
	if err := m.dev.Zero(m.grads, int64(m.n)*4); err != nil {
		return err
	}
	return m.forward(b.B, b.T, false)
}

// finish reads the gradient norm and, when loss and norm are finite,
// applies the update; otherwise it clears the gradient and says why, in
// the CPU trainer's words (package finite: the error is
// gpu.ErrNotFinite, with the same advice).
func (m *Model) finish(norm *float64, loss, lr, clip float64) error {
	if err := finite.Check("loss", loss); err != nil {
		return errors.Join(fmt.Errorf("cudagpt: %w", err), m.ZeroGrad())
	}
	n, err := m.GradNorm()
	if err != nil {
		return err
	}
	*norm = n
	if err := finite.Check("gradient norm", n); err != nil {
		return errors.Join(fmt.Errorf("cudagpt: %w", err), m.ZeroGrad())
	}
	return m.Apply(lr, clip)
}

// adamParams are the launcher's view of one AdamW step; clipping reads
// the Σ g² the last GradNorm left on the device.
func (m *Model) adamParams(lr, clip float64) AdamWParams {
	return AdamWParams{LR: lr, Beta1: m.adam.Beta1, Beta2: m.adam.Beta2, Eps: m.adam.Eps,
		WeightDecay: m.adam.WeightDecay, Step: m.adam.Steps, MaxNorm: clip, NormSq: at(m.scratch, 2*scalarNormSq)}
}
