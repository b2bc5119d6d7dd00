package judges

import (
	"testing"

	"go.uber.org/goleak"
)

// Panels and pairwise judges start goroutines per call: all must be gone
// when the tests end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
