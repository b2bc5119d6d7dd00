// Causal multi-head attention without a T×T matrix in memory, after
// FlashAttention (Dao et al.): queries in tiles of ATT_BQ, one thread per
// query row, keys and values streamed through shared memory in tiles of
// ATT_BK, softmax computed online (running max and sum). The forward pass
// saves lse = log Σ_j exp(s_j) per (b, h, t); the backward pass recomputes
// the probabilities from it. The CPU twin is gpu/gpt/attention.go.
//
// Layouts: qkv [B, T, 3C] (q, k, v of head h at h·hs within each third),
// y and dy [B, T, C], lse [B, NH, T]. hs = C/NH ≤ ATT_MAX_HS.
//
// Launch: block ATT_BQ threads, grid (ceil(T/ATT_BQ), B·NH).

#define ATT_BQ 64
#define ATT_BK 32
#define ATT_MAX_HS 128

// Each kernel is a template on HSC, the head size when known at compile
// time (64 for GPT-2: loops unroll and the per-thread rows stay in
// registers), or 0 for any hs ≤ ATT_MAX_HS; the _hs64 entry points are
// the first, the plain ones the second. attention_bwd_dkdv_hs64 is in
// attention64.cuh: its four row vectors do not fit one thread's registers.
#define ATT_ROW(HSC) ((HSC) ? (HSC) : ATT_MAX_HS)

// att_tile loads rows r0 .. r0+ATT_BK-1 (hs columns) of two [T, ·]
// operands with row strides sa and sb into shared tiles, zeros past T,
// with the block's nthreads threads.
template <int ROW>
__device__ __forceinline__ void att_tile(float (*xs)[ROW], float (*ys)[ROW], const float *xa, i64 sa,
                                         const float *xb, i64 sb, i64 r0, i64 T, i64 hs, int nthreads) {
    for (i64 idx = threadIdx.x; idx < ATT_BK * hs; idx += nthreads) {
        const i64 j = idx / hs, d = idx % hs;
        const bool in = r0 + j < T;
        xs[j][d] = in ? xa[(r0 + j) * sa + d] : 0.0f;
        ys[j][d] = in ? xb[(r0 + j) * sb + d] : 0.0f;
    }
}

template <int HSC>
__device__ __forceinline__ void attention_fwd_body(float *y, float *lse, const float *qkv, i64 B,
                                                   i64 T, i64 C, i64 NH) {
    __shared__ float ks[ATT_BK][ATT_ROW(HSC)];
    __shared__ float vs[ATT_BK][ATT_ROW(HSC)];
    const i64 hs = HSC ? HSC : C / NH, bh = blockIdx.y, b = bh / NH, h = bh % NH;
    const float scale = 1.0f / sqrtf(float(hs));
    const i64 q0 = i64(blockIdx.x) * ATT_BQ, t = q0 + threadIdx.x;
    const bool active = t < T;
    const float *base = qkv + b * T * 3 * C + h * hs;
    float q[ATT_ROW(HSC)], o[ATT_ROW(HSC)], s[ATT_BK];
    for (i64 d = 0; d < hs; d++) {
        q[d] = active ? base[t * 3 * C + d] : 0.0f;
        o[d] = 0.0f;
    }
    float m = -INFINITY, l = 0.0f;
    const i64 kend = min(T, q0 + ATT_BQ); // keys the block's last query sees
    for (i64 k0 = 0; k0 < kend; k0 += ATT_BK) {
        __syncthreads(); // the previous tile is no longer read
        att_tile(ks, vs, base + C, 3 * C, base + 2 * C, 3 * C, k0, T, hs, ATT_BQ);
        __syncthreads();
        if (!active || k0 > t) {
            continue;
        }
        const i64 n = min(i64(ATT_BK), t - k0 + 1); // causal: keys ≤ t
        // Loops over the whole tile with the causal mask as -inf, so that
        // they unroll and s stays in registers.
        float mt = m;
#pragma unroll
        for (int j = 0; j < ATT_BK; j++) {
            float dot = 0.0f;
            for (i64 d = 0; d < hs; d++) dot += q[d] * ks[j][d];
            s[j] = j < n ? dot * scale : -INFINITY;
            mt = fmaxf(mt, s[j]);
        }
        const float corr = expf(m - mt); // 0 on the first tile (m = -inf)
        l *= corr;
        for (i64 d = 0; d < hs; d++) o[d] *= corr;
#pragma unroll
        for (int j = 0; j < ATT_BK; j++) {
            const float p = expf(s[j] - mt); // 0 where masked
            l += p;
            for (i64 d = 0; d < hs; d++) o[d] += p * vs[j][d];
        }
        m = mt;
    }
    if (active) {
        const float inv = 1.0f / l;
        float *yo = y + (b * T + t) * C + h * hs;
        for (i64 d = 0; d < hs; d++) yo[d] = o[d] * inv;
        lse[bh * T + t] = m + logf(l);
    }
}

extern "C" __global__ void __launch_bounds__(ATT_BQ) attention_fwd(float *y, float *lse, const float *qkv, i64 B, i64 T,
                                         i64 C, i64 NH) {
    attention_fwd_body<0>(y, lse, qkv, B, T, C, NH);
}

extern "C" __global__ void __launch_bounds__(ATT_BQ) attention_fwd_hs64(float *y, float *lse, const float *qkv, i64 B,
                                              i64 T, i64 C, i64 NH) {
    attention_fwd_body<64>(y, lse, qkv, B, T, C, NH);
}


// attention_bwd_dkdv: one thread per key j, accumulating dk_j and dv_j over
// the queries i ≥ j, which pass through shared memory with dO_i, lse_i and
// D_i = dO_i·y_i (computed as the tile loads):
//   p = exp(scale·q_i·k_j − lse_i), dv_j += p·dO_i,
//   ds = p·(dO_i·v_j − D_i),         dk_j += scale·ds·q_i.
// Adds into dqkv's k and v parts.
template <int HSC>
__device__ __forceinline__ void attention_bwd_dkdv_body(float *dqkv, const float *dy,
                                                        const float *qkv, const float *y,
                                                        const float *lse, i64 B, i64 T, i64 C,
                                                        i64 NH) {
    __shared__ float qs[ATT_BK][ATT_ROW(HSC)];
    __shared__ float gs[ATT_BK][ATT_ROW(HSC)];
    __shared__ float ls[ATT_BK], ds_[ATT_BK];
    const i64 hs = HSC ? HSC : C / NH, bh = blockIdx.y, b = bh / NH, h = bh % NH;
    const float scale = 1.0f / sqrtf(float(hs));
    const i64 j0 = i64(blockIdx.x) * ATT_BQ, j = j0 + threadIdx.x;
    const bool active = j < T;
    const float *base = qkv + b * T * 3 * C + h * hs;
    const float *gbase = dy + b * T * C + h * hs, *ybase = y + b * T * C + h * hs;
    float k[ATT_ROW(HSC)], v[ATT_ROW(HSC)], dk[ATT_ROW(HSC)], dv[ATT_ROW(HSC)];
    for (i64 d = 0; d < hs; d++) {
        k[d] = active ? base[j * 3 * C + C + d] : 0.0f;
        v[d] = active ? base[j * 3 * C + 2 * C + d] : 0.0f;
        dk[d] = 0.0f;
        dv[d] = 0.0f;
    }
    for (i64 i0 = j0; i0 < T; i0 += ATT_BK) {
        __syncthreads();
        att_tile(qs, gs, base, 3 * C, gbase, C, i0, T, hs, ATT_BQ);
        if (threadIdx.x < ATT_BK) {
            const i64 i = i0 + threadIdx.x;
            float dsum = 0.0f, l = 0.0f;
            if (i < T) {
                for (i64 d = 0; d < hs; d++) dsum += gbase[i * C + d] * ybase[i * C + d];
                l = lse[bh * T + i];
            }
            ds_[threadIdx.x] = dsum;
            ls[threadIdx.x] = l;
        }
        __syncthreads();
        if (!active) {
            continue;
        }
        const i64 n = min(i64(ATT_BK), T - i0);
        for (i64 ii = 0; ii < n; ii++) {
            if (i0 + ii < j) {
                continue; // causal: query before the key
            }
            float dot = 0.0f, dp = 0.0f;
            for (i64 d = 0; d < hs; d++) {
                dot += qs[ii][d] * k[d];
                dp += gs[ii][d] * v[d];
            }
            const float p = expf(dot * scale - ls[ii]);
            const float ds = p * (dp - ds_[ii]) * scale;
            for (i64 d = 0; d < hs; d++) {
                dv[d] += p * gs[ii][d];
                dk[d] += ds * qs[ii][d];
            }
        }
    }
    if (active) {
        float *dkp = dqkv + (b * T + j) * 3 * C + C + h * hs;
        for (i64 d = 0; d < hs; d++) {
            dkp[d] += dk[d];
            dkp[C + d] += dv[d];
        }
    }
}

extern "C" __global__ void __launch_bounds__(ATT_BQ) attention_bwd_dkdv(float *dqkv, const float *dy, const float *qkv,
                                              const float *y, const float *lse, i64 B, i64 T,
                                              i64 C, i64 NH) {
    attention_bwd_dkdv_body<0>(dqkv, dy, qkv, y, lse, B, T, C, NH);
}


// attention_bwd_dq: one thread per query i, dq_i += scale·Σ_{j≤i} ds_ij·k_j,
// keys and values through shared memory. Adds into dqkv's q part.
template <int HSC>
__device__ __forceinline__ void attention_bwd_dq_body(float *dqkv, const float *dy,
                                                      const float *qkv, const float *y,
                                                      const float *lse, i64 B, i64 T, i64 C,
                                                      i64 NH) {
    __shared__ float ks[ATT_BK][ATT_ROW(HSC)];
    __shared__ float vs[ATT_BK][ATT_ROW(HSC)];
    const i64 hs = HSC ? HSC : C / NH, bh = blockIdx.y, b = bh / NH, h = bh % NH;
    const float scale = 1.0f / sqrtf(float(hs));
    const i64 q0 = i64(blockIdx.x) * ATT_BQ, t = q0 + threadIdx.x;
    const bool active = t < T;
    const float *base = qkv + b * T * 3 * C + h * hs;
    float q[ATT_ROW(HSC)], g[ATT_ROW(HSC)], dq[ATT_ROW(HSC)];
    float dsum = 0.0f, l = 0.0f;
    for (i64 d = 0; d < hs; d++) {
        q[d] = active ? base[t * 3 * C + d] : 0.0f;
        g[d] = active ? dy[(b * T + t) * C + h * hs + d] : 0.0f;
        dq[d] = 0.0f;
        if (active) dsum += g[d] * y[(b * T + t) * C + h * hs + d];
    }
    if (active) l = lse[bh * T + t];
    const i64 kend = min(T, q0 + ATT_BQ);
    for (i64 k0 = 0; k0 < kend; k0 += ATT_BK) {
        __syncthreads();
        att_tile(ks, vs, base + C, 3 * C, base + 2 * C, 3 * C, k0, T, hs, ATT_BQ);
        __syncthreads();
        if (!active || k0 > t) {
            continue;
        }
        const i64 n = min(i64(ATT_BK), t - k0 + 1);
        for (i64 jj = 0; jj < n; jj++) {
            float dot = 0.0f, dp = 0.0f;
            for (i64 d = 0; d < hs; d++) {
                dot += q[d] * ks[jj][d];
                dp += g[d] * vs[jj][d];
            }
            const float p = expf(dot * scale - l);
            const float ds = p * (dp - dsum) * scale;
            for (i64 d = 0; d < hs; d++) dq[d] += ds * ks[jj][d];
        }
    }
    if (active) {
        float *dqp = dqkv + (b * T + t) * 3 * C + h * hs;
        for (i64 d = 0; d < hs; d++) dqp[d] += dq[d];
    }
}

extern "C" __global__ void __launch_bounds__(ATT_BQ) attention_bwd_dq(float *dqkv, const float *dy, const float *qkv,
                                            const float *y, const float *lse, i64 B, i64 T,
                                            i64 C, i64 NH) {
    attention_bwd_dq_body<0>(dqkv, dy, qkv, y, lse, B, T, C, NH);
}

extern "C" __global__ void __launch_bounds__(ATT_BQ) attention_bwd_dq_hs64(float *dqkv, const float *dy, const float *qkv,
                                                 const float *y, const float *lse, i64 B, i64 T,
                                                 i64 C, i64 NH) {
    attention_bwd_dq_body<64>(dqkv, dy, qkv, y, lse, B, T, C, NH);
}


// attention_decode: one new query against the first t positions of a KV
// cache, for sampling. kcache and vcache are [maxT, C] (position-major,
// head h at h·HS), q and y are [C]. Block ATT_DEC_THREADS, grid NH; t ≤
// ATT_DEC_MAXT. The scores pass through shared memory.
#define ATT_DEC_THREADS 128
#define ATT_DEC_MAXT 4096
extern "C" __global__ void __launch_bounds__(ATT_DEC_THREADS) attention_decode(float *y, const float *kcache, const float *vcache,
                                            const float *q, i64 t, i64 NH, i64 HS) {
    __shared__ float sc[ATT_DEC_MAXT];
    const i64 h = blockIdx.x, C = NH * HS;
    const float scale = 1.0f / sqrtf(float(HS));
    const float *qh = q + h * HS;
    float mloc = -INFINITY;
    for (i64 j = threadIdx.x; j < t; j += blockDim.x) {
        const float *k = kcache + j * C + h * HS;
        float dot = 0.0f;
        for (i64 d = 0; d < HS; d++) dot += qh[d] * k[d];
        sc[j] = dot * scale;
        mloc = fmaxf(mloc, sc[j]);
    }
    const float m = block_max_f32(mloc);
    float sloc = 0.0f;
    for (i64 j = threadIdx.x; j < t; j += blockDim.x) {
        sc[j] = expf(sc[j] - m);
        sloc += sc[j];
    }
    const float inv = 1.0f / block_sum_f32(sloc); // its barriers publish sc
    for (i64 d = threadIdx.x; d < HS; d += blockDim.x) {
        float acc = 0.0f;
        for (i64 j = 0; j < t; j++) acc += sc[j] * vcache[j * C + h * HS + d];
        y[h * HS + d] = acc * inv;
    }
}
