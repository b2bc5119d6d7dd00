//go:build cuda

package cudagpt

import (
	"strings"

	"github.com/agentarena/arena/gpu/kernels"
)

// ptxFor picks the module for a device of compute capability major.minor:
// the compute_80 PTX (with the TF32 tensor-core gemm) from Ampere on, the
// compute_60 one otherwise. It reports whether the TF32 gemm is in it.
func ptxFor(major, minor int) (ptx string, tf32 bool) {
	if major >= 8 {
		return kernels.GPTSM80PTX, true
	}
	return kernels.GPTPTX, false
}

// ptxOK says whether an embedded PTX has entry points at all (an empty or
// truncated file would otherwise fail later, kernel by kernel).
func ptxOK(ptx string) bool { return strings.Contains(ptx, ".entry ") }
