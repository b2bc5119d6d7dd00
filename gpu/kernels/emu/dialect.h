// The CUDA C dialect for host compilation of kernels.cu and gpt.cu inside
// the emulator (fakecuda.cpp): built-in variables, qualifiers, barriers,
// warp collectives and the few sm_80 instructions, all implemented by the
// fiber scheduler (fibers.h).

#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

struct dim3 {
    unsigned int x = 1, y = 1, z = 1;
};
static dim3 threadIdx, blockIdx, blockDim, gridDim;

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
#define __align__(n) __attribute__((aligned(n)))
#define __restrict__ __restrict
#define __syncthreads() emu_syncthreads()

static void emu_syncthreads();

// Warp collectives block the calling fiber until every lane the mask names
// has reached the same collective; the scheduler then computes each lane's
// result from the values all of them brought (fibers.h).
enum class WarpOp { Sync, ShflXor, ShflDown, ShflUp, ShflIdx, Mma };
static uint64_t emu_warp(WarpOp op, unsigned mask, uint64_t v, int arg, int width);

template <typename T> static T emu_shfl(WarpOp op, unsigned mask, T v, int arg, int width) {
    static_assert(sizeof(T) <= 8, "shuffle of a value wider than 64 bits");
    uint64_t bits = 0;
    memcpy(&bits, &v, sizeof(T));
    bits = emu_warp(op, mask, bits, arg, width);
    T r;
    memcpy(&r, &bits, sizeof(T));
    return r;
}
template <typename T> T __shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = 32) {
    return emu_shfl(WarpOp::ShflXor, mask, v, lane_mask, width);
}
template <typename T> T __shfl_down_sync(unsigned mask, T v, unsigned delta, int width = 32) {
    return emu_shfl(WarpOp::ShflDown, mask, v, int(delta), width);
}
template <typename T> T __shfl_up_sync(unsigned mask, T v, unsigned delta, int width = 32) {
    return emu_shfl(WarpOp::ShflUp, mask, v, int(delta), width);
}
template <typename T> T __shfl_sync(unsigned mask, T v, int src, int width = 32) {
    return emu_shfl(WarpOp::ShflIdx, mask, v, src, width);
}
static inline void __syncwarp(unsigned mask = 0xffffffffu) {
    emu_warp(WarpOp::Sync, mask, 0, 0, 32);
}

// cvt.rna.tf32.f32: round to 10 mantissa bits, to nearest, ties away from
// zero (adding half an ulp to the magnitude, then truncating, does that in
// sign-magnitude); NaN and infinities pass through.
static inline unsigned to_tf32(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    if ((u & 0x7f800000u) != 0x7f800000u) {
        u += 0x1000u;
    }
    return u & 0xffffe000u;
}

// mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 with D = C (fibers.h).
static void emu_mma_tf32(float d[4], const unsigned a[4], const unsigned b[2]);
static inline void mma_tf32(float d[4], const unsigned a[4], const unsigned b[2]) {
    emu_mma_tf32(d, a, b);
}

static inline long long min(long long a, long long b) { return a < b ? a : b; }
static inline long long max(long long a, long long b) { return a > b ? a : b; }

// Register limits for a block size are the GPU compiler's business.
#define __launch_bounds__(...)
