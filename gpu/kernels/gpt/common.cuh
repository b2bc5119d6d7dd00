// Helpers shared by the GPT kernels: warp and block reductions, and the
// two instructions that only exist from sm_80 on (cvt.rna.tf32.f32 and the
// m16n8k8 TF32 mma.sync), behind functions the emulator supplies itself.

#define GPT_WARP 32
#define GPT_FULL_MASK 0xffffffffu
#define GPT_BLOCK 256 // block size of the element-wise and row kernels
#define GPT_LN_ROWS 8 // layernorm: rows (warps) per 256-thread block
#define GPT_COLS 32 // column reductions: block (GPT_COLS, GPT_COL_SLICES)
#define GPT_COL_SLICES 16
#define GPT_SUMSQ_BLOCKS 256 // sum_squares_partial grid = scratch length

typedef long long i64;

// gpt_f4 is four floats read with one 16-byte load (float4 without the
// CUDA headers, so the emulator's host build has it too).
struct alignas(16) gpt_f4 {
    float x, y, z, w;
};
struct alignas(16) gpt_u4 {
    unsigned x, y, z, w;
};

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = GPT_WARP / 2; o > 0; o >>= 1) {
        v += __shfl_xor_sync(GPT_FULL_MASK, v, o);
    }
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
    for (int o = GPT_WARP / 2; o > 0; o >>= 1) {
        v = fmaxf(v, __shfl_xor_sync(GPT_FULL_MASK, v, o));
    }
    return v;
}

// block_sum_f64 sums v over a block of n ≤ 1024 threads (n = blockDim.x,
// a one-dimensional block) in a fixed tree order; every thread gets the
// total. Every thread of the block must call it.
__device__ double block_sum_f64(double v) {
    __shared__ double buf[1024];
    const int tid = threadIdx.x, n = blockDim.x;
    __syncthreads(); // buf may still be read by a previous call
    buf[tid] = v;
    __syncthreads();
    for (int s = 512; s > 0; s >>= 1) {
        if (tid < s && tid + s < n) {
            buf[tid] += buf[tid + s];
        }
        __syncthreads();
    }
    return buf[0];
}

// block_sum_f32 is block_sum_f64 for floats: warp sums, then the warps'
// sums in warp order.
__device__ float block_sum_f32(float v) {
    __shared__ float part[32];
    const int tid = threadIdx.x, lane = tid % GPT_WARP, warp = tid / GPT_WARP;
    const int nwarps = (blockDim.x + GPT_WARP - 1) / GPT_WARP;
    v = warp_sum(v);
    __syncthreads();
    if (lane == 0) {
        part[warp] = v;
    }
    __syncthreads();
    float s = 0.0f;
    for (int w = 0; w < nwarps; w++) {
        s += part[w];
    }
    return s;
}

// block_max_f32: the maximum over the block, every thread gets it.
__device__ float block_max_f32(float v) {
    __shared__ float part[32];
    const int tid = threadIdx.x, lane = tid % GPT_WARP, warp = tid / GPT_WARP;
    const int nwarps = (blockDim.x + GPT_WARP - 1) / GPT_WARP;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) {
        part[warp] = v;
    }
    __syncthreads();
    float m = part[0];
    for (int w = 1; w < nwarps; w++) {
        m = fmaxf(m, part[w]);
    }
    return m;
}

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
// to_tf32 rounds to TF32 (10 mantissa bits), to nearest, ties away from
// zero, keeping the float32 bit layout (the low 13 bits become zero).
__device__ __forceinline__ unsigned to_tf32(float x) {
    unsigned r;
    asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
    return r;
}

// mma_tf32 is D = A·B + D for one warp: A 16×8 (row), B 8×8 (col), D 16×8
// in float32, in the fragment layout of the PTX ISA (see gemm.cuh).
__device__ __forceinline__ void mma_tf32(float d[4], const unsigned a[4], const unsigned b[2]) {
    asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 "
                 "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}
#define GPT_HAVE_MMA 1
#elif !defined(__CUDA_ARCH__)
// The emulator defines to_tf32 and mma_tf32 before including this file.
#define GPT_HAVE_MMA 1
#endif
