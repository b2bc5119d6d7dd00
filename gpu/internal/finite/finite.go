// Package finite refuses a training step whose loss or gradient norm is
// not a finite number, in the same words on every backend: the CPU
// trainer (gpu.Trainer) and the device-resident steps (gpu/cudagpt) both
// call Check, so their messages cannot drift apart.
package finite

import (
	"errors"
	"fmt"
	"math"
)

// ErrNotFinite marks a step refused because its loss or gradient was NaN
// or infinite: training diverged, most often because the learning rate is
// too high for the model. gpu.ErrNotFinite is this error, so a caller
// tells a divergence from other failures with errors.Is whichever backend
// stepped.
var ErrNotFinite = errors.New("training diverged")

// Advice is what Check's error says to do. A program adds its own flag
// names after it (arena-trainer: -lr, -dpo-lr, -beta).
const Advice = "the learning rate is most likely too high for this model"

// Check returns nil for a finite x, else an error wrapping ErrNotFinite
// that names what was not finite (the loss, the gradient norm), says the
// step was skipped, and gives Advice.
func Check(what string, x float64) error {
	if !math.IsNaN(x) && !math.IsInf(x, 0) {
		return nil
	}
	return fmt.Errorf("%w: %s is %v; step skipped, weights unchanged; %s", ErrNotFinite, what, x, Advice)
}
