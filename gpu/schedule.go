package gpu

import (
	"fmt"
	"math"
)

// Schedule shapes a phase's learning rate over its optimiser steps: a
// linear warm-up from near zero, then a cosine decay to MinRatio of the
// peak over DecaySteps, then flat. It is what nanoGPT and llm.c use;
// warm-up keeps Adam's first, badly estimated steps small.
type Schedule struct {
	WarmupSteps int `json:"warmup_steps"`
	// DecaySteps counts from the phase's first step; 0 keeps the peak
	// after warm-up (constant learning rate).
	DecaySteps int     `json:"decay_steps"`
	MinRatio   float64 `json:"min_ratio"`
}

// Validate rejects schedules that cannot be followed.
func (s Schedule) Validate() error {
	if s.WarmupSteps < 0 || s.DecaySteps < 0 || !(s.MinRatio >= 0 && s.MinRatio <= 1) {
		return fmt.Errorf("schedule warmup %d, decay %d, min ratio %v: want counts ≥ 0 and a ratio in [0, 1]",
			s.WarmupSteps, s.DecaySteps, s.MinRatio)
	}
	if s.DecaySteps > 0 && s.DecaySteps < s.WarmupSteps {
		return fmt.Errorf("schedule decays over %d steps, fewer than its %d warm-up steps", s.DecaySteps, s.WarmupSteps)
	}
	return nil
}

// Rate is the learning rate of step (1-based, counted from the start of
// the phase) for peak rate lr.
func (s Schedule) Rate(lr float64, step int) float64 {
	if step <= s.WarmupSteps {
		return lr * float64(step) / float64(s.WarmupSteps+1)
	}
	if s.DecaySteps == 0 {
		return lr
	}
	if step >= s.DecaySteps {
		return lr * s.MinRatio
	}
	progress := float64(step-s.WarmupSteps) / float64(s.DecaySteps-s.WarmupSteps)
	return lr * (s.MinRatio + (1-s.MinRatio)*0.5*(1+math.Cos(math.Pi*progress)))
}
