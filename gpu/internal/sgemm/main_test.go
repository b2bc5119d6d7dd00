package sgemm

import (
	"testing"

	"go.uber.org/goleak"
)

// Gemm starts goroutines for every large call; none may outlive it.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
