package gpu

import (
	"fmt"

	"github.com/agentarena/arena/gpu/gpt"
)

// Engine runs a Trainer's tensor work somewhere other than the host
// model: the CUDA engine keeps the policy, its gradient, the AdamW
// moments and the reference on a GPU for the whole run. The Trainer
// keeps every objective (losses, prompt weights, DPO's per-pair
// arithmetic, the reference cache) and asks the engine only for
// per-position log-probs, backward passes with per-position upstream
// gradients, and the update, so both paths train by the same rules.
// Without an engine the Trainer runs on the CPU model itself.
type Engine interface {
	// Name says where it runs, e.g. "cuda:0 (NVIDIA H200, sm_90, 139.8 GiB)".
	Name() string
	// Forward runs the policy (or, with reference, the frozen reference)
	// over b and returns each position's target log-prob, as
	// gpt.Activations.TargetLogP; the slice is valid until the next call.
	Forward(b gpt.Batch, reference bool) ([]float32, error)
	// Backward accumulates the gradient of Σ d[i]·logp[i] for the last
	// policy Forward.
	Backward(d []float32) error
	ZeroGrad() error
	// GradNorm is the accumulated gradient's global L2 norm.
	GradNorm() (float64, error)
	// Apply clips the gradient to clip (0: no clipping) and takes one
	// AdamW step at learning rate lr.
	Apply(lr, clip float64) error
	// FreezeReference copies the policy into the reference and zeroes
	// the moments.
	FreezeReference() error
	// Push replaces the engine's state; Pull copies it back (the
	// moments and reference only with moments).
	Push(st EngineState) error
	Pull(st *EngineState, moments bool) error
	// Positions is how many positions (sequences × length) one pass
	// holds.
	Positions() int
	Close() error
}

// EngineState is a run's state as a checkpoint holds it, laid out as
// gpt.Model.Params: policy, AdamW moments and step count, reference (nil
// before DPO).
type EngineState struct {
	Params, M, V, Ref []float32
	AdamSteps         int
}

// EnginePositions is how many positions (sequences × context) an
// engine's activations must hold for a Trainer whose steps take batch
// sequences or pairs split into accumulate micro-batches: a DPO
// micro-batch at full context (two sequences a pair), which also holds
// an SFT one. Evaluate passes shrink to fit (evalPerPass).
func EnginePositions(cfg gpt.Config, batch, accumulate int) int {
	k := max(accumulate, 1)
	return cfg.BlockSize * 2 * max((batch+k-1)/k, 1)
}

// evalPerPass is how many pairs one Evaluate pass scores: evalPairs, or
// fewer when the engine's activations hold fewer at full context.
func (t *Trainer) evalPerPass() int {
	if t.eng == nil {
		return evalPairs
	}
	return max(1, min(evalPairs, t.eng.Positions()/(2*t.policy.Config.BlockSize)))
}

// UseEngine moves the trainer onto e: the policy, the moments and the
// reference go to the engine, which from now on does every pass and
// update. The host copies are refreshed on demand (Policy, Save).
func (t *Trainer) UseEngine(e Engine) error {
	st := EngineState{Params: t.policy.Params, M: t.opt.M, V: t.opt.V, AdamSteps: t.opt.Steps}
	if t.ref != nil {
		st.Ref = t.ref.Params
	}
	if err := e.Push(st); err != nil {
		return fmt.Errorf("moving the trainer to %s: %w", e.Name(), err)
	}
	t.eng, t.stale, t.staleMoments = e, false, false
	return nil
}

// Engine is the engine the trainer runs on, nil on the CPU.
func (t *Trainer) Engine() Engine { return t.eng }

// Sync copies the engine's weights back into Policy's parameters (and,
// with moments, the AdamW state too) when they changed since the last
// copy. A no-op on the CPU.
func (t *Trainer) Sync(moments bool) error {
	if t.eng == nil || (!t.stale && (!moments || !t.staleMoments)) {
		return nil
	}
	st := EngineState{Params: t.policy.Params}
	if moments {
		st.M, st.V = t.opt.M, t.opt.V
	}
	if err := t.eng.Pull(&st, moments); err != nil {
		return fmt.Errorf("copying the weights back from %s: %w", t.eng.Name(), err)
	}
	t.stale = false
	if moments {
		t.staleMoments = false
	}
	return nil
}

// forward runs the policy or the reference and returns the per-position
// target log-probs.
func (t *Trainer) forward(b gpt.Batch, reference bool) ([]float32, error) {
	if t.eng != nil {
		return t.eng.Forward(b, reference)
	}
	if reference {
		t.refAct = t.ref.Forward(b, t.refAct)
		return t.refAct.TargetLogP, nil
	}
	t.act = t.policy.Forward(b, t.act)
	return t.act.TargetLogP, nil
}

func (t *Trainer) backward(d []float32) error {
	if t.eng != nil {
		return t.eng.Backward(d)
	}
	t.policy.Backward(t.act, d, t.grad)
	return nil
}

func (t *Trainer) zeroGrad() error {
	if t.eng != nil {
		return t.eng.ZeroGrad()
	}
	clear(t.grad)
	return nil
}

// clipNorm returns the gradient norm; on the CPU it also clips.
func (t *Trainer) clipNorm() (float64, error) {
	if t.eng != nil {
		return t.eng.GradNorm()
	}
	return ClipGradNorm(t.grad, t.cfg.ClipNorm), nil
}

// apply takes the AdamW step after clipNorm.
func (t *Trainer) apply(lr float64) error {
	if t.eng == nil {
		t.opt.Update(t.policy.Params, t.grad, lr)
		return nil
	}
	if err := t.eng.Apply(lr, t.cfg.ClipNorm); err != nil {
		return err
	}
	t.opt.Steps++
	t.stale, t.staleMoments = true, true
	return nil
}

// errEngine wraps an engine failure in a step: the step did not happen,
// and the last checkpoint is the state to resume from.
func errEngine(phase Phase, step int, err error) error {
	return fmt.Errorf("%s step %d: %w (the step did not complete; resume from the last checkpoint)", phase, step, err)
}
