package runner_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every goroutine a runner (or a node under it) starts must stop when it
// is done.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
