// Attention on the tensor cores (TF32 m16n8k8 mma, FP32 accumulation),
// head size 64, for the TF32 gemm mode: in FP32 on the CUDA cores the
// three attention kernels took 68 of 163 ms of a gpt2 step at batch 8 on
// an H200. Fragment layouts: gemm.cuh.

#ifdef GPT_HAVE_MMA

#define ATT_TC_BR 32            // queries per tile
#define ATT_TC_LD (ATT_HS64 + 4) // row stride of the query tiles (banks)
#define ATT_TC_PLD (ATT_TC_BR + 4)

// att_tc_tile loads rows r0 .. r0+ATT_TC_BR-1 of two [T, ·] operands (row
// strides sa and sb) into shared tiles as TF32, zeros past T, with the
// block's 128 threads.
__device__ __forceinline__ void att_tc_tile(unsigned (*xs)[ATT_TC_LD], unsigned (*ys)[ATT_TC_LD],
                                            const float *xa, i64 sa, const float *xb, i64 sb,
                                            i64 r0, i64 T) {
    for (int idx = threadIdx.x; idx < ATT_TC_BR * ATT_HS64; idx += 128) {
        const int i = idx / ATT_HS64, d = idx % ATT_HS64;
        const bool in = r0 + i < T;
        xs[i][d] = to_tf32(in ? xa[(r0 + i) * sa + d] : 0.0f);
        ys[i][d] = to_tf32(in ? xb[(r0 + i) * sb + d] : 0.0f);
    }
}

// att_tc_abt: acc (16 × ATT_TC_BR) += A·Xᵀ, A the warp's 16 rows × 64
// dims as fragments, X a shared tile of ATT_TC_BR rows × 64 dims.
__device__ __forceinline__ void att_tc_abt(float (&acc)[4][4], const unsigned (&a)[8][4],
                                           const unsigned (*x)[ATT_TC_LD], int g, int t) {
#pragma unroll
    for (int kk = 0; kk < 8; kk++) {
#pragma unroll
        for (int n = 0; n < 4; n++) {
            const unsigned b[2] = {x[8 * n + g][8 * kk + t], x[8 * n + g][8 * kk + t + 4]};
            mma_tf32(acc[n], a[kk], b);
        }
    }
}

// att_tc_pb: acc (16 × 64) += P·X, P a warp's shared 16 × ATT_TC_BR tile
// (read as A fragments), X a shared tile of ATT_TC_BR rows × 64 dims.
__device__ __forceinline__ void att_tc_pb(float (&acc)[8][4], const unsigned (*p)[ATT_TC_PLD],
                                          const unsigned (*x)[ATT_TC_LD], int g, int t) {
#pragma unroll
    for (int kk = 0; kk < ATT_TC_BR / 8; kk++) {
        const unsigned a[4] = {p[g][8 * kk + t], p[g + 8][8 * kk + t], p[g][8 * kk + t + 4],
                               p[g + 8][8 * kk + t + 4]};
#pragma unroll
        for (int n = 0; n < 8; n++) {
            const unsigned b[2] = {x[8 * kk + t][8 * n + g], x[8 * kk + t + 4][8 * n + g]};
            mma_tf32(acc[n], a, b);
        }
    }
}

// att_tc_frags loads rows r0 + g and r0 + g + 8 (zero past T) of a
// [T, ·] operand with row stride ld as A fragments, 16 rows × 64 dims in
// 8 k-steps, rounded to TF32.
__device__ __forceinline__ void att_tc_frags(unsigned (&a)[8][4], const float *x, i64 ld, i64 r0,
                                             i64 T, int g, int t) {
    const i64 r1 = r0 + g, r2 = r0 + g + 8;
#pragma unroll
    for (int ks = 0; ks < 8; ks++) {
        const int c0 = 8 * ks + t, c1 = c0 + 4;
        a[ks][0] = to_tf32(r1 < T ? x[r1 * ld + c0] : 0.0f);
        a[ks][1] = to_tf32(r2 < T ? x[r2 * ld + c0] : 0.0f);
        a[ks][2] = to_tf32(r1 < T ? x[r1 * ld + c1] : 0.0f);
        a[ks][3] = to_tf32(r2 < T ? x[r2 * ld + c1] : 0.0f);
    }
}

template <int N>
__device__ __forceinline__ void att_tc_zero(float (&acc)[N][4]) {
#pragma unroll
    for (int n = 0; n < N; n++)
#pragma unroll
        for (int r = 0; r < 4; r++) acc[n][r] = 0.0f;
}

// attention_bwd_dkdv_tc, the backward pass's largest kernel, is
// FlashAttention-2's backward for one block of 64 keys, in the keys'
// frame (transposed products), four warps of 16 keys each, query tiles
// of ATT_TC_BR:
//
//   Sᵀ = K Qᵢᵀ              Pᵀ = exp(scale·Sᵀ − lseᵢ), 0 where query < key
//   dV += Pᵀ dOᵢ             dPᵀ = V dOᵢᵀ
//   dSᵀ = Pᵀ ∘ (dPᵀ − Dᵢ)·scale,  dK += dSᵀ Qᵢ
//
// with Dᵢ = dOᵢ·yᵢ. K and V of the warp's keys stay in registers as
// A fragments for the whole pass; Pᵀ and dSᵀ go through a per-warp
// shared tile to turn accumulator fragments into A fragments. Same outputs as attention_bwd_dkdv (added into
// dqkv's k and v parts), with every product's operands rounded to TF32.
//
// Launch: block 128 threads, grid (ceil(T/64), B·NH).
extern "C" __global__ void __launch_bounds__(128)
    attention_bwd_dkdv_tc(float *dqkv, const float *dy, const float *qkv, const float *y,
                          const float *lse, i64 B, i64 T, i64 C, i64 NH) {
    __shared__ unsigned qs[ATT_TC_BR][ATT_TC_LD];   // Qᵢ, TF32
    __shared__ unsigned gs[ATT_TC_BR][ATT_TC_LD];   // dOᵢ, TF32
    __shared__ float ls[ATT_TC_BR], dd[ATT_TC_BR];  // lseᵢ, Dᵢ
    __shared__ unsigned ps[4][16][ATT_TC_PLD];      // per warp: Pᵀ, then dSᵀ
    const i64 bh = blockIdx.y, b = bh / NH, h = bh % NH;
    const float scale = 1.0f / sqrtf(float(ATT_HS64));
    const int tid = threadIdx.x, lane = tid % GPT_WARP, warp = tid / GPT_WARP;
    const int g = lane / 4, t = lane % 4;
    const i64 j0 = i64(blockIdx.x) * ATT_BQ, jw = j0 + 16 * warp; // block's, warp's first key
    const float *base = qkv + b * T * 3 * C + h * ATT_HS64;
    const float *gbase = dy + b * T * C + h * ATT_HS64, *ybase = y + b * T * C + h * ATT_HS64;

    // The warp's K and V rows as A fragments (16 keys × 64 dims, 8 k-steps).
    unsigned ka[8][4], va[8][4];
    att_tc_frags(ka, base + C, 3 * C, jw, T, g, t);
    att_tc_frags(va, base + 2 * C, 3 * C, jw, T, g, t);
    float dk[8][4], dv[8][4];
    att_tc_zero(dk);
    att_tc_zero(dv);

    for (i64 i0 = j0; i0 < T; i0 += ATT_TC_BR) {
        __syncthreads(); // the previous tile is no longer read
        att_tc_tile(qs, gs, base, 3 * C, gbase, C, i0, T);
        // Dᵢ and lseᵢ: four lanes a query, 16 dimensions each.
        {
            const int i = tid / 4, e0 = (tid % 4) * 16;
            float s = 0.0f;
            if (i0 + i < T) {
#pragma unroll
                for (int d = 0; d < 16; d++) s += gbase[(i0 + i) * C + e0 + d] * ybase[(i0 + i) * C + e0 + d];
            }
            s += __shfl_xor_sync(GPT_FULL_MASK, s, 1);
            s += __shfl_xor_sync(GPT_FULL_MASK, s, 2);
            if (tid % 4 == 0) {
                dd[i] = s;
                ls[i] = i0 + i < T ? lse[bh * T + i0 + i] : 0.0f;
            }
        }
        __syncthreads();
        if (i0 + ATT_TC_BR - 1 < jw) {
            continue; // every query of the tile precedes every key of the warp
        }
        // Sᵀ and dPᵀ: 16 keys × 32 queries, four n-tiles of 8 queries.
        float st[4][4], dpt[4][4];
        att_tc_zero(st);
        att_tc_zero(dpt);
        att_tc_abt(st, ka, qs, g, t);
        att_tc_abt(dpt, va, gs, g, t);
        // Pᵀ and dSᵀ in place, in the accumulators' layout: element r of
        // n-tile n is key jw + g (+8 for r ≥ 2), query i0 + 8n + 2t (+1 for
        // odd r).
        unsigned(*p)[ATT_TC_PLD] = ps[warp];
#pragma unroll
        for (int n = 0; n < 4; n++) {
#pragma unroll
            for (int r = 0; r < 4; r++) {
                const int qi = 8 * n + 2 * t + (r & 1), kr = g + 8 * (r >> 1);
                const i64 query = i0 + qi, key = jw + kr;
                const float pv = (query >= key && query < T && key < T) ? expf(st[n][r] * scale - ls[qi]) : 0.0f;
                st[n][r] = pv;
                dpt[n][r] = pv * (dpt[n][r] - dd[qi]) * scale; // dSᵀ
                p[kr][qi] = to_tf32(pv);
            }
        }
        __syncwarp();
        att_tc_pb(dv, p, gs, g, t); // dV += Pᵀ dOᵢ
        __syncwarp(); // Pᵀ read: its tile now takes dSᵀ
#pragma unroll
        for (int n = 0; n < 4; n++)
#pragma unroll
            for (int r = 0; r < 4; r++) p[g + 8 * (r >> 1)][8 * n + 2 * t + (r & 1)] = to_tf32(dpt[n][r]);
        __syncwarp();
        att_tc_pb(dk, p, qs, g, t); // dK += dSᵀ Qᵢ
        __syncwarp(); // dSᵀ read before the next tile writes Pᵀ
    }
    // dK and dV: element r of n-tile n is key jw + g (+8), dim 8n + 2t (+1).
#pragma unroll
    for (int n = 0; n < 8; n++) {
#pragma unroll
        for (int r = 0; r < 4; r++) {
            const i64 key = jw + g + 8 * (r >> 1);
            if (key < T) {
                float *o = dqkv + (b * T + key) * 3 * C + C + h * ATT_HS64 + 8 * n + 2 * t + (r & 1);
                o[0] += dk[n][r];
                o[C] += dv[n][r];
            }
        }
    }
}

// attention_bwd_dq_tc: attention_bwd_dq on the tensor cores, head size
// 64, for the TF32 gemm mode. One block of 64 queries, four warps of 16,
// key tiles of ATT_TC_BR:
//
//   S = Q Kⱼᵀ    P = exp(scale·S − lse), 0 where key > query
//   dP = dO Vⱼᵀ  dS = P ∘ (dP − D)·scale,  dQ += dS Kⱼ
//
// Q and dO of the warp's queries stay in registers as A fragments; dS
// goes through a per-warp shared tile. Adds into dqkv's q part.
// Launch: block 128 threads, grid (ceil(T/64), B·NH).
extern "C" __global__ void __launch_bounds__(128)
    attention_bwd_dq_tc(float *dqkv, const float *dy, const float *qkv, const float *y,
                        const float *lse, i64 B, i64 T, i64 C, i64 NH) {
    __shared__ unsigned ks_[ATT_TC_BR][ATT_TC_LD]; // Kⱼ, TF32
    __shared__ unsigned vs_[ATT_TC_BR][ATT_TC_LD]; // Vⱼ, TF32
    __shared__ float dd[ATT_BQ];                   // D of the block's queries
    __shared__ unsigned ps[4][16][ATT_TC_PLD];     // per warp: dS
    const i64 bh = blockIdx.y, b = bh / NH, h = bh % NH;
    const float scale = 1.0f / sqrtf(float(ATT_HS64));
    const int tid = threadIdx.x, lane = tid % GPT_WARP, warp = tid / GPT_WARP;
    const int g = lane / 4, t = lane % 4;
    const i64 q0 = i64(blockIdx.x) * ATT_BQ, qw = q0 + 16 * warp;
    const float *base = qkv + b * T * 3 * C + h * ATT_HS64;
    const float *gbase = dy + b * T * C + h * ATT_HS64, *ybase = y + b * T * C + h * ATT_HS64;
    unsigned qa[8][4], ga[8][4];
    att_tc_frags(qa, base, 3 * C, qw, T, g, t);
    att_tc_frags(ga, gbase, C, qw, T, g, t);
    { // D: two lanes a query, 32 dimensions each
        const int i = tid / 2, e0 = (tid % 2) * 32;
        float s = 0.0f;
        if (q0 + i < T) {
#pragma unroll
            for (int d = 0; d < 32; d++) s += gbase[(q0 + i) * C + e0 + d] * ybase[(q0 + i) * C + e0 + d];
        }
        s += __shfl_xor_sync(GPT_FULL_MASK, s, 1);
        if (tid % 2 == 0) dd[i] = s;
    }
    const i64 r0 = qw + g, r1 = qw + g + 8; // this thread's two query rows
    const float l0 = r0 < T ? lse[bh * T + r0] : 0.0f, l1 = r1 < T ? lse[bh * T + r1] : 0.0f;
    float dq[8][4];
    att_tc_zero(dq);
    unsigned(*p)[ATT_TC_PLD] = ps[warp];
    const i64 kend = min(T, q0 + ATT_BQ);
    for (i64 k0 = 0; k0 < kend; k0 += ATT_TC_BR) {
        __syncthreads(); // the previous tile is no longer read (and dd is written)
        att_tc_tile(ks_, vs_, base + C, 3 * C, base + 2 * C, 3 * C, k0, T);
        __syncthreads();
        if (k0 > qw + 15) {
            continue; // every key of the tile follows every query of the warp
        }
        float sc[4][4], dp[4][4];
        att_tc_zero(sc);
        att_tc_zero(dp);
        att_tc_abt(sc, qa, ks_, g, t);
        att_tc_abt(dp, ga, vs_, g, t);
        // dS in the accumulators' layout: element r of n-tile n is query
        // row r0 (r1 for r ≥ 2), key k0 + 8n + 2t (+1 for odd r).
#pragma unroll
        for (int n = 0; n < 4; n++) {
#pragma unroll
            for (int r = 0; r < 4; r++) {
                const int kc = 8 * n + 2 * t + (r & 1), qr = g + 8 * (r >> 1);
                const i64 key = k0 + kc, query = qw + qr;
                const float pv = (key <= query && key < T && query < T)
                                     ? expf(sc[n][r] * scale - (r >> 1 ? l1 : l0)) : 0.0f;
                p[qr][kc] = to_tf32(pv * (dp[n][r] - dd[16 * warp + qr]) * scale);
            }
        }
        __syncwarp();
        att_tc_pb(dq, p, ks_, g, t); // dQ += dS Kⱼ
        __syncwarp(); // dS read before the next tile overwrites it
    }
#pragma unroll
    for (int n = 0; n < 8; n++) {
#pragma unroll
        for (int r = 0; r < 4; r++) {
            const i64 query = qw + g + 8 * (r >> 1);
            if (query < T) {
                dqkv[(b * T + query) * 3 * C + h * ATT_HS64 + 8 * n + 2 * t + (r & 1)] += dq[n][r];
            }
        }
    }
}

// attention_fwd_tc: attention_fwd on the tensor cores, head size 64, for
// the TF32 gemm mode (FlashAttention-2's forward). One block of 64
// queries, four warps of 16, key tiles of ATT_TC_BR: S = Q Kⱼᵀ, the
// online softmax on the accumulators (a row's running maximum and sum
// shared by the four lanes that hold it), P through a per-warp shared
// tile, O += P Vⱼ. Writes y and lse as attention_fwd does.
// Launch: block 128 threads, grid (ceil(T/64), B·NH).
extern "C" __global__ void __launch_bounds__(128)
    attention_fwd_tc(float *y, float *lse, const float *qkv, i64 B, i64 T, i64 C, i64 NH) {
    __shared__ unsigned ks_[ATT_TC_BR][ATT_TC_LD];
    __shared__ unsigned vs_[ATT_TC_BR][ATT_TC_LD];
    __shared__ unsigned ps[4][16][ATT_TC_PLD]; // per warp: P
    const i64 bh = blockIdx.y, b = bh / NH, h = bh % NH;
    const float scale = 1.0f / sqrtf(float(ATT_HS64));
    const int tid = threadIdx.x, lane = tid % GPT_WARP, warp = tid / GPT_WARP;
    const int g = lane / 4, t = lane % 4;
    const i64 q0 = i64(blockIdx.x) * ATT_BQ, qw = q0 + 16 * warp;
    const float *base = qkv + b * T * 3 * C + h * ATT_HS64;
    unsigned qa[8][4];
    att_tc_frags(qa, base, 3 * C, qw, T, g, t);
    float o[8][4];
    att_tc_zero(o);
    // Rows qw + g (index 0) and qw + g + 8 (index 1): running maximum, and
    // this lane's share of the running sum.
    float m[2] = {-INFINITY, -INFINITY}, l[2] = {0.0f, 0.0f};
    unsigned(*p)[ATT_TC_PLD] = ps[warp];
    const i64 kend = min(T, q0 + ATT_BQ);
    for (i64 k0 = 0; k0 < kend; k0 += ATT_TC_BR) {
        __syncthreads();
        att_tc_tile(ks_, vs_, base + C, 3 * C, base + 2 * C, 3 * C, k0, T);
        __syncthreads();
        if (k0 > qw + 15) {
            continue;
        }
        float sc[4][4];
        att_tc_zero(sc);
        att_tc_abt(sc, qa, ks_, g, t);
        // Scale and mask (key > query: -inf), then each row's new maximum.
        float mt[2] = {m[0], m[1]};
#pragma unroll
        for (int n = 0; n < 4; n++) {
#pragma unroll
            for (int r = 0; r < 4; r++) {
                const i64 key = k0 + 8 * n + 2 * t + (r & 1), query = qw + g + 8 * (r >> 1);
                sc[n][r] = key <= query && key < T ? sc[n][r] * scale : -INFINITY;
                mt[r >> 1] = fmaxf(mt[r >> 1], sc[n][r]);
            }
        }
#pragma unroll
        for (int i = 0; i < 2; i++) {
            mt[i] = fmaxf(mt[i], __shfl_xor_sync(GPT_FULL_MASK, mt[i], 1));
            mt[i] = fmaxf(mt[i], __shfl_xor_sync(GPT_FULL_MASK, mt[i], 2));
        }
        // A row with no key yet (its maximum still -inf) keeps zeros.
        float corr[2];
#pragma unroll
        for (int i = 0; i < 2; i++) {
            corr[i] = mt[i] == -INFINITY ? 1.0f : expf(m[i] - mt[i]);
            l[i] *= corr[i];
            m[i] = mt[i];
        }
#pragma unroll
        for (int n = 0; n < 8; n++)
#pragma unroll
            for (int r = 0; r < 4; r++) o[n][r] *= corr[r >> 1];
#pragma unroll
        for (int n = 0; n < 4; n++) {
#pragma unroll
            for (int r = 0; r < 4; r++) {
                const float pv = sc[n][r] == -INFINITY ? 0.0f : expf(sc[n][r] - m[r >> 1]);
                l[r >> 1] += pv;
                p[g + 8 * (r >> 1)][8 * n + 2 * t + (r & 1)] = to_tf32(pv);
            }
        }
        __syncwarp();
        att_tc_pb(o, p, vs_, g, t); // O += P Vⱼ
        __syncwarp();
    }
#pragma unroll
    for (int i = 0; i < 2; i++) { // the row sums over the four lanes
        l[i] += __shfl_xor_sync(GPT_FULL_MASK, l[i], 1);
        l[i] += __shfl_xor_sync(GPT_FULL_MASK, l[i], 2);
    }
#pragma unroll
    for (int i = 0; i < 2; i++) {
        const i64 query = qw + g + 8 * i;
        if (query >= T) {
            continue;
        }
        const float inv = 1.0f / l[i];
        float *yo = y + (b * T + query) * C + h * ATT_HS64;
#pragma unroll
        for (int n = 0; n < 8; n++) {
            yo[8 * n + 2 * t] = o[n][2 * i] * inv;
            yo[8 * n + 2 * t + 1] = o[n][2 * i + 1] * inv;
        }
        if (t == 0) {
            lse[bh * T + query] = m[i] + logf(l[i]);
        }
    }
}

#endif
