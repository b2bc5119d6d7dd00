// The attention kernels at head size 64 (GPT-2's), each row (a query, or
// a key in attention_bwd_dkdv) computed by ATT_SPLIT consecutive threads
// that own 64/ATT_SPLIT of its dimensions: a thread keeps 16 floats per
// row vector instead of 64, so the kernels fit in registers without
// spilling and run four times the warps (one thread a row used 255
// registers and spilt in the backward pass: seen with ptxas -v for
// sm_90). Dot products are a thread's partial sum, then shuffles within
// its group of ATT_SPLIT lanes, always in the same order. Every lane of a
// warp runs every shuffle: rows past T and the causal mask compute with
// zeros and are discarded, never skipped.
//
// Same mathematics, layouts and outputs as attention.cuh's kernels (the
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

// att64_tile loads rows r0.. r0+ATT_BK-1 of two [T, ·] operands (row
// strides sa and sb) into shared tiles, zeros past T, with every thread
// of the block.
__device__ __forceinline__ void att64_tile(float (*xs)[ATT_HS64], float (*ys)[ATT_HS64],
                                           const float *xa, i64 sa, const float *xb, i64 sb,
                                           i64 r0, i64 T) {
    for (int idx = threadIdx.x; idx < ATT_BK * ATT_HS64; idx += ATT_BQ * ATT_SPLIT) {
        const int j = idx / ATT_HS64, d = idx % ATT_HS64;
        const bool in = r0 + j < T;
        xs[j][d] = in ? xa[(r0 + j) * sa + d] : 0.0f;
        ys[j][d] = in ? xb[(r0 + j) * sb + d] : 0.0f;
    }
}

extern "C" __global__ void __launch_bounds__(ATT_BQ * ATT_SPLIT, 2)
    attention_fwd_hs64(float *y, float *lse, const float *qkv, i64 B, i64 T, i64 C, i64 NH) {
    __shared__ float ks[ATT_BK][ATT_HS64];
    __shared__ float vs[ATT_BK][ATT_HS64];
    const i64 bh = blockIdx.y, b = bh / NH, h = bh % NH;
    const float scale = 1.0f / sqrtf(float(ATT_HS64));
    const int row = threadIdx.x / ATT_SPLIT, d0 = (threadIdx.x % ATT_SPLIT) * ATT_DP;
    const i64 q0 = i64(blockIdx.x) * ATT_BQ, t = q0 + row;
    const bool active = t < T;
    const float *base = qkv + b * T * 3 * C + h * ATT_HS64;
    float q[ATT_DP], o[ATT_DP], s[ATT_BK];
#pragma unroll
    for (int d = 0; d < ATT_DP; d++) {
        q[d] = active ? base[t * 3 * C + d0 + d] : 0.0f;
        o[d] = 0.0f;
    }
    float m = -INFINITY, l = 0.0f;
    const i64 kend = min(T, q0 + ATT_BQ);
    for (i64 k0 = 0; k0 < kend; k0 += ATT_BK) {
        __syncthreads();
        att64_tile(ks, vs, base + C, 3 * C, base + 2 * C, 3 * C, k0, T);
        __syncthreads();
        // The same for the 8 rows of a warp (aligned runs of 8 queries,
        // k0 a multiple of 32), so the shuffles below stay warp-uniform.
        if (k0 > t) {
            continue;
        }
        const i64 n = min(i64(ATT_BK), t - k0 + 1); // causal: keys ≤ t
        float mt = m;
#pragma unroll
        for (int j = 0; j < ATT_BK; j++) {
            float dot = 0.0f;
#pragma unroll
            for (int d = 0; d < ATT_DP; d++) dot += q[d] * ks[j][d0 + d];
            dot = group_sum(dot);
            s[j] = j < n ? dot * scale : -INFINITY;
            mt = fmaxf(mt, s[j]);
        }
        const float corr = expf(m - mt);
        l *= corr;
#pragma unroll
        for (int d = 0; d < ATT_DP; d++) o[d] *= corr;
#pragma unroll
        for (int j = 0; j < ATT_BK; j++) {
            const float p = expf(s[j] - mt);
            l += p;
#pragma unroll
            for (int d = 0; d < ATT_DP; d++) o[d] += p * vs[j][d0 + d];
        }
        m = mt;
    }
    if (active) {
        const float inv = 1.0f / l;
        float *yo = y + (b * T + t) * C + h * ATT_HS64 + d0;
#pragma unroll
        for (int d = 0; d < ATT_DP; d++) yo[d] = o[d] * inv;
        if (d0 == 0) {
            lse[bh * T + t] = m + logf(l);
        }
    }
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
        att64_tile(qs, gs, base, 3 * C, gbase, C, i0, T);
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

// attention_bwd_dq_hs64: attention_bwd_dq with a query's dimensions split
// over its group.
extern "C" __global__ void __launch_bounds__(ATT_BQ * ATT_SPLIT, 2)
    attention_bwd_dq_hs64(float *dqkv, const float *dy, const float *qkv, const float *y,
                          const float *lse, i64 B, i64 T, i64 C, i64 NH) {
    __shared__ float ks[ATT_BK][ATT_HS64];
    __shared__ float vs[ATT_BK][ATT_HS64];
    const i64 bh = blockIdx.y, b = bh / NH, h = bh % NH;
    const float scale = 1.0f / sqrtf(float(ATT_HS64));
    const int row = threadIdx.x / ATT_SPLIT, d0 = (threadIdx.x % ATT_SPLIT) * ATT_DP;
    const i64 q0 = i64(blockIdx.x) * ATT_BQ, t = q0 + row;
    const bool active = t < T;
    const float *base = qkv + b * T * 3 * C + h * ATT_HS64;
    float q[ATT_DP], g[ATT_DP], dq[ATT_DP];
    float dsum = 0.0f;
#pragma unroll
    for (int d = 0; d < ATT_DP; d++) {
        q[d] = active ? base[t * 3 * C + d0 + d] : 0.0f;
        g[d] = active ? dy[(b * T + t) * C + h * ATT_HS64 + d0 + d] : 0.0f;
        dq[d] = 0.0f;
        if (active) dsum += g[d] * y[(b * T + t) * C + h * ATT_HS64 + d0 + d];
    }
    dsum = group_sum(dsum);
    const float l = active ? lse[bh * T + t] : 0.0f;
    const i64 kend = min(T, q0 + ATT_BQ);
    for (i64 k0 = 0; k0 < kend; k0 += ATT_BK) {
        __syncthreads();
        att64_tile(ks, vs, base + C, 3 * C, base + 2 * C, 3 * C, k0, T);
        __syncthreads();
        if (k0 > t) { // warp-uniform, as in attention_fwd_hs64
            continue;
        }
#pragma unroll 2
        for (int jj = 0; jj < ATT_BK; jj++) {
            float dot = 0.0f, dp = 0.0f;
#pragma unroll
            for (int d = 0; d < ATT_DP; d++) {
                dot += q[d] * ks[jj][d0 + d];
                dp += g[d] * vs[jj][d0 + d];
            }
            dot = group_sum(dot);
            dp = group_sum(dp);
            const float p = k0 + jj <= t ? expf(dot * scale - l) : 0.0f;
            const float ds = p * (dp - dsum) * scale;
#pragma unroll
            for (int d = 0; d < ATT_DP; d++) dq[d] += ds * ks[jj][d0 + d];
        }
    }
    if (active) {
        float *dqp = dqkv + (b * T + t) * 3 * C + h * ATT_HS64 + d0;
#pragma unroll
        for (int d = 0; d < ATT_DP; d++) dqp[d] += dq[d];
    }
}
