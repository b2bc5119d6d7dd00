package arena_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every goroutine a node starts must stop when it closes.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
