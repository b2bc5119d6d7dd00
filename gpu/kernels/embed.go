// Package kernels holds the CUDA sources and the PTX generated from them
// (gen.sh). It exists as a Go package only so that gpu/cudagpt can embed
// the PTX: go:embed cannot reach into a parent directory.
package kernels

import _ "embed"

// GPTPTX is gpt.cu compiled for compute_60: every kernel of gpu/cudagpt
// except gemm_tf32.
//
//go:embed gpt.ptx
var GPTPTX string

// GPTSM80PTX is gpt.cu compiled for compute_80: the same kernels plus
// gemm_tf32, the tensor-core gemm.
//
//go:embed gpt_sm80.ptx
var GPTSM80PTX string
