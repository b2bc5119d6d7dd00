// Kernels of the device-resident GPT-2 trainer (gpu/cudagpt), in float32.
//
// One translation unit, compiled twice by gen.sh: to gpt.ptx for compute_60
// (every kernel but gemm_tf32, so any Pascal or newer GPU can run it) and
// to gpt_sm80.ptx for compute_80 (the same kernels plus gemm_tf32, the
// tensor-core gemm). gpu/cudagpt loads the second on a device of compute
// capability 8.0 or newer and the first otherwise. The emulator
// (emu/fakecuda.cpp) compiles this same file for the host.
//
// Conventions shared with gpu/cudagpt/kernels.go:
//   - every kernel parameter is 64 bits wide (long long, double or a
//     pointer): gorgonia.org/cu copies 8 bytes per argument; float scalars
//     travel as double and are rounded to float where the CPU code rounds;
//   - tensors are row-major float32, tokens and targets int32;
//   - entry points are extern "C", so their PTX names are not mangled;
//   - no dynamic shared memory, no atomics on floats: every reduction runs
//     in a fixed order, so results repeat bit for bit;
//   - each kernel documents its launch geometry; kernels.go must agree;
//     __launch_bounds__ states its block size, so the JIT of any driver
//     keeps the registers a block needs within the multiprocessor's.

#include "gpt/common.cuh"
#include "gpt/gemm.cuh"
#include "gpt/ops.cuh"
#include "gpt/attention.cuh"
#include "gpt/attention64.cuh"
#include "gpt/attention_tc.cuh"
#include "gpt/loss.cuh"
