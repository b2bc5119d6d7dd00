package gpu

import (
	"math"
	"testing"
)

func TestScheduleRates(t *testing.T) {
	s := Schedule{WarmupSteps: 4, DecaySteps: 14, MinRatio: 0.1}
	for _, tc := range []struct {
		step int
		want float64
	}{
		{1, 0.2}, // warm-up: step/(warmup+1)
		{4, 0.8}, // last warm-up step
		{5, 0.1 + 0.9*0.5*(1+math.Cos(0.1*math.Pi))}, // decay progress (5−4)/10
		{9, 0.55}, // halfway through the decay: min + (1-min)/2
		{14, 0.1}, // the end of the decay
		{20, 0.1}, // flat afterwards
	} {
		got := s.Rate(1, tc.step)
		if math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("step %d: rate %v, want %v", tc.step, got, tc.want)
		}
	}
	if got := (Schedule{WarmupSteps: 2}).Rate(3, 10); got != 3 {
		t.Errorf("constant schedule after warm-up: %v, want 3", got)
	}
	for _, bad := range []Schedule{{WarmupSteps: -1}, {MinRatio: 2}, {WarmupSteps: 10, DecaySteps: 5}} {
		if bad.Validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// AdamW against values worked by hand: one parameter, two steps.
func TestAdamWByHand(t *testing.T) {
	a := &AdamW{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1, Decay: []bool{true, false},
		M: make([]float32, 2), V: make([]float32, 2)}
	p := []float32{1, 1}
	a.Update(p, []float32{0.5, 0.5}, 0.01)
	// Step 1: m̂ = g, v̂ = g², so the Adam step is lr·g/|g| = 0.01; the
	// decayed parameter first loses lr·wd·p = 0.001.
	if math.Abs(float64(p[0])-(1-0.001-0.01)) > 1e-6 || math.Abs(float64(p[1])-0.99) > 1e-6 {
		t.Fatalf("after one step %v", p)
	}
	a.Update(p, []float32{-0.5, -0.5}, 0.01)
	// Step 2: m = 0.9·0.05 − 0.05 = −0.005, m̂ = −0.005/0.19 = −0.0263158;
	// v = 0.95·0.0125 + 0.05·0.25 = 0.024375, v̂ = 0.024375/0.0975 = 0.25;
	// the step is lr·m̂/√v̂ = 0.01·(−0.0263158)/0.5 = −0.000526316.
	want1 := 0.99 + 0.000526316
	if math.Abs(float64(p[1])-want1) > 1e-6 {
		t.Fatalf("after two steps %v, want %v for the undecayed parameter", p[1], want1)
	}
	if n := ClipGradNorm([]float32{3, 4}, 1); n != 5 {
		t.Fatalf("norm %v", n)
	}
}
