package aijudge

import (
	"testing"

	"go.uber.org/goleak"
)

// AI judges hold HTTP connections, and the panels and pairwise judges
// over them start goroutines per call: all must be gone when the tests
// end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
