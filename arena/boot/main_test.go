package boot_test

import (
	"testing"

	"go.uber.org/goleak"
)

// A join's HTTP exchanges must leave no goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
