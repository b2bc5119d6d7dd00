// attention_bwd_dkdv at head size 64 (GPT-2's), each key computed by
// ATT_SPLIT consecutive threads that own 64/ATT_SPLIT of its dimensions:
// a thread keeps 16 floats of each of k, v, dk and dv instead of 64, so
// the kernel fits in registers (one thread a key used 255 registers and
// spilt 432 bytes, seen with ptxas -v for sm_90) and runs four times the
// warps: 35 ms instead of 42 for the 12 layers of a gpt2 step at batch
// 8 on an H200. The same split made the forward pass and dq slower (its
// softmax runs on every thread of a group, so four times the
// exponentials: 30 ms instead of 16, 29 instead of 19), so those stay
// one thread a row (attention.cuh). Dot products are a thread's partial
// sum, then shuffles within its group of ATT_SPLIT lanes, always in the
// same order. Every lane of a warp runs every shuffle: rows past T and
// the causal mask compute with zeros and are discarded, never skipped.
//
// Same mathematics, layouts and outputs as attention.cuh's kernel (the
// sums run in another order). Launch: block ATT_BQ·ATT_SPLIT threads,
// grid (ceil(T/ATT_BQ), B·NH).

#define ATT_SPLIT 4
#define ATT_HS64 64
#define ATT_DP (ATT_HS64 / ATT_SPLIT) // dimensions a thread owns

// group_sum adds v over the ATT_SPLIT lanes of a row's group.
__device__ __forceinline__ float group_sum(float v) {
#pragma unroll
    for (int o = 1; o < ATT_SPLIT; o <<= 1) {
        v += __shfl_xor_sync(GPT_FULL_MASK, v, o);
    }
    return v;
}

// attention_bwd_dkdv_hs64: attention_bwd_dkdv with a key's dimensions
// split over its group.
extern "C" __global__ void __launch_bounds__(ATT_BQ * ATT_SPLIT, 2)
    attention_bwd_dkdv_hs64(float *dqkv, const float *dy, const float *qkv, const float *y,
                            const float *lse, i64 B, i64 T, i64 C, i64 NH) {
    __shared__ float qs[ATT_BK][ATT_HS64];
    __shared__ float gs[ATT_BK][ATT_HS64];
    __shared__ float ls[ATT_BK], ds_[ATT_BK];
    const i64 bh = blockIdx.y, b = bh / NH, h = bh % NH;
    const float scale = 1.0f / sqrtf(float(ATT_HS64));
    const int row = threadIdx.x / ATT_SPLIT, d0 = (threadIdx.x % ATT_SPLIT) * ATT_DP;
    const i64 j0 = i64(blockIdx.x) * ATT_BQ, j = j0 + row;
    const bool active = j < T;
    const float *base = qkv + b * T * 3 * C + h * ATT_HS64;
    const float *gbase = dy + b * T * C + h * ATT_HS64, *ybase = y + b * T * C + h * ATT_HS64;
    float k[ATT_DP], v[ATT_DP], dk[ATT_DP], dv[ATT_DP];
#pragma unroll
    for (int d = 0; d < ATT_DP; d++) {
        k[d] = active ? base[j * 3 * C + C + d0 + d] : 0.0f;
        v[d] = active ? base[j * 3 * C + 2 * C + d0 + d] : 0.0f;
        dk[d] = 0.0f;
        dv[d] = 0.0f;
    }
    for (i64 i0 = j0; i0 < T; i0 += ATT_BK) {
        __syncthreads();
        att_tile(qs, gs, base, 3 * C, gbase, C, i0, T, ATT_HS64, ATT_BQ * ATT_SPLIT);
        // D_i = dO_i·y_i and lse_i of the tile's queries: a group of
        // ATT_SPLIT lanes per query, the first ATT_BK groups.
        if (threadIdx.x < ATT_BK * ATT_SPLIT) {
            const int ii = threadIdx.x / ATT_SPLIT, e0 = (threadIdx.x % ATT_SPLIT) * ATT_DP;
            const i64 i = i0 + ii;
            float dsum = 0.0f;
            if (i < T) {
#pragma unroll
                for (int d = 0; d < ATT_DP; d++) dsum += gbase[i * C + e0 + d] * ybase[i * C + e0 + d];
            }
            dsum = group_sum(dsum);
            if (e0 == 0) {
                ds_[ii] = dsum;
                ls[ii] = i < T ? lse[bh * T + i] : 0.0f;
            }
        }
        __syncthreads();
#pragma unroll 2
        for (int ii = 0; ii < ATT_BK; ii++) {
            float dot = 0.0f, dp = 0.0f;
#pragma unroll
            for (int d = 0; d < ATT_DP; d++) {
                dot += qs[ii][d0 + d] * k[d];
                dp += gs[ii][d0 + d] * v[d];
            }
            dot = group_sum(dot);
            dp = group_sum(dp);
            // causal (query at or after the key) and inside T
            const bool on = i0 + ii >= j && i0 + ii < T;
            const float p = on ? expf(dot * scale - ls[ii]) : 0.0f;
            const float ds = p * (dp - ds_[ii]) * scale;
#pragma unroll
            for (int d = 0; d < ATT_DP; d++) {
                dv[d] += p * gs[ii][d0 + d];
                dk[d] += ds * qs[ii][d0 + d];
            }
        }
    }
    if (active) {
        float *dkp = dqkv + (b * T + j) * 3 * C + C + h * ATT_HS64 + d0;
#pragma unroll
        for (int d = 0; d < ATT_DP; d++) {
            dkp[d] += dk[d];
            dkp[C + d] += dv[d];
        }
    }
}
