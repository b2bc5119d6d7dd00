package finite

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, x := range []float64{0, -3.5, math.MaxFloat64} {
		if err := Check("loss", x); err != nil {
			t.Errorf("Check(%v) = %v, want nil", x, err)
		}
	}
	for _, x := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		err := Check("gradient norm", x)
		if !errors.Is(err, ErrNotFinite) {
			t.Fatalf("Check(%v) = %v, want ErrNotFinite", x, err)
		}
		for _, want := range []string{"training diverged", "gradient norm is", "step skipped, weights unchanged", Advice} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("Check(%v) = %q, want it to say %q", x, err, want)
			}
		}
	}
}
