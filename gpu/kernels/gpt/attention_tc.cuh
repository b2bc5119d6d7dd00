// Attention on the tensor cores (TF32 m16n8k8 mma, FP32 accumulation),
// head size 64, for the TF32 gemm mode: in FP32 on the CUDA cores the
// three attention kernels took 68 of 163 ms of a gpt2 step at batch 8 on
// an H200.
//
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
// shared tile to turn accumulator fragments into A fragments. Fragment
// layouts: gemm.cuh. Same outputs as attention_bwd_dkdv (added into
// dqkv's k and v parts), with every product's operands rounded to TF32.
//
// Launch: block 128 threads, grid (ceil(T/64), B·NH).

#ifdef GPT_HAVE_MMA

#define ATT_TC_BR 32            // queries per tile
#define ATT_TC_LD (ATT_HS64 + 4) // row stride of the query tiles (banks)
#define ATT_TC_PLD (ATT_TC_BR + 4)

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
    {
        const i64 r0 = jw + g, r1 = jw + g + 8;
#pragma unroll
        for (int ks = 0; ks < 8; ks++) {
            const int c0 = 8 * ks + t, c1 = c0 + 4;
            auto at = [&](i64 r, int part, int c) {
                return to_tf32(r < T ? base[r * 3 * C + part * C + c] : 0.0f);
            };
            ka[ks][0] = at(r0, 1, c0), ka[ks][1] = at(r1, 1, c0), ka[ks][2] = at(r0, 1, c1), ka[ks][3] = at(r1, 1, c1);
            va[ks][0] = at(r0, 2, c0), va[ks][1] = at(r1, 2, c0), va[ks][2] = at(r0, 2, c1), va[ks][3] = at(r1, 2, c1);
        }
    }
    float dk[8][4], dv[8][4];
#pragma unroll
    for (int n = 0; n < 8; n++)
#pragma unroll
        for (int r = 0; r < 4; r++) dk[n][r] = dv[n][r] = 0.0f;

    for (i64 i0 = j0; i0 < T; i0 += ATT_TC_BR) {
        __syncthreads(); // the previous tile is no longer read
        for (int idx = tid; idx < ATT_TC_BR * ATT_HS64; idx += 128) {
            const int i = idx / ATT_HS64, d = idx % ATT_HS64;
            const bool in = i0 + i < T;
            qs[i][d] = to_tf32(in ? base[(i0 + i) * 3 * C + d] : 0.0f);
            gs[i][d] = to_tf32(in ? gbase[(i0 + i) * C + d] : 0.0f);
        }
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
#pragma unroll
        for (int n = 0; n < 4; n++)
#pragma unroll
            for (int r = 0; r < 4; r++) st[n][r] = dpt[n][r] = 0.0f;
#pragma unroll
        for (int ks = 0; ks < 8; ks++) {
#pragma unroll
            for (int n = 0; n < 4; n++) {
                const unsigned bq[2] = {qs[8 * n + g][8 * ks + t], qs[8 * n + g][8 * ks + t + 4]};
                const unsigned bg[2] = {gs[8 * n + g][8 * ks + t], gs[8 * n + g][8 * ks + t + 4]};
                mma_tf32(st[n], ka[ks], bq);
                mma_tf32(dpt[n], va[ks], bg);
            }
        }
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
        // dV += Pᵀ dOᵢ: A = Pᵀ (16 keys × 32 queries, 4 k-steps), B = dOᵢ.
#pragma unroll
        for (int ks = 0; ks < 4; ks++) {
            const unsigned a[4] = {p[g][8 * ks + t], p[g + 8][8 * ks + t], p[g][8 * ks + t + 4], p[g + 8][8 * ks + t + 4]};
#pragma unroll
            for (int n = 0; n < 8; n++) {
                const unsigned bb[2] = {gs[8 * ks + t][8 * n + g], gs[8 * ks + t + 4][8 * n + g]};
                mma_tf32(dv[n], a, bb);
            }
        }
        __syncwarp(); // Pᵀ read: its tile now takes dSᵀ
#pragma unroll
        for (int n = 0; n < 4; n++)
#pragma unroll
            for (int r = 0; r < 4; r++) p[g + 8 * (r >> 1)][8 * n + 2 * t + (r & 1)] = to_tf32(dpt[n][r]);
        __syncwarp();
        // dK += dSᵀ Qᵢ.
#pragma unroll
        for (int ks = 0; ks < 4; ks++) {
            const unsigned a[4] = {p[g][8 * ks + t], p[g + 8][8 * ks + t], p[g][8 * ks + t + 4], p[g + 8][8 * ks + t + 4]};
#pragma unroll
            for (int n = 0; n < 8; n++) {
                const unsigned bb[2] = {qs[8 * ks + t][8 * n + g], qs[8 * ks + t + 4][8 * n + g]};
                mma_tf32(dk[n], a, bb);
            }
        }
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
#pragma unroll
    for (int n = 0; n < 8; n++)
#pragma unroll
        for (int r = 0; r < 4; r++) dq[n][r] = 0.0f;
    unsigned(*p)[ATT_TC_PLD] = ps[warp];
    const i64 kend = min(T, q0 + ATT_BQ);
    for (i64 k0 = 0; k0 < kend; k0 += ATT_TC_BR) {
        __syncthreads(); // the previous tile is no longer read (and dd is written)
        for (int idx = tid; idx < ATT_TC_BR * ATT_HS64; idx += 128) {
            const int j = idx / ATT_HS64, d = idx % ATT_HS64;
            const bool in = k0 + j < T;
            ks_[j][d] = to_tf32(in ? base[(k0 + j) * 3 * C + C + d] : 0.0f);
            vs_[j][d] = to_tf32(in ? base[(k0 + j) * 3 * C + 2 * C + d] : 0.0f);
        }
        __syncthreads();
        if (k0 > qw + 15) {
            continue; // every key of the tile follows every query of the warp
        }
        float sc[4][4], dp[4][4];
#pragma unroll
        for (int n = 0; n < 4; n++)
#pragma unroll
            for (int r = 0; r < 4; r++) sc[n][r] = dp[n][r] = 0.0f;
#pragma unroll
        for (int kk = 0; kk < 8; kk++) {
#pragma unroll
            for (int n = 0; n < 4; n++) {
                const unsigned bk[2] = {ks_[8 * n + g][8 * kk + t], ks_[8 * n + g][8 * kk + t + 4]};
                const unsigned bv[2] = {vs_[8 * n + g][8 * kk + t], vs_[8 * n + g][8 * kk + t + 4]};
                mma_tf32(sc[n], qa[kk], bk);
                mma_tf32(dp[n], ga[kk], bv);
            }
        }
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
#pragma unroll
        for (int kk = 0; kk < 4; kk++) {
            const unsigned a[4] = {p[g][8 * kk + t], p[g + 8][8 * kk + t], p[g][8 * kk + t + 4], p[g + 8][8 * kk + t + 4]};
#pragma unroll
            for (int n = 0; n < 8; n++) {
                const unsigned bb[2] = {ks_[8 * kk + t][8 * n + g], ks_[8 * kk + t + 4][8 * n + g]};
                mma_tf32(dq[n], a, bb);
            }
        }
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
#pragma unroll
    for (int n = 0; n < 8; n++)
#pragma unroll
        for (int r = 0; r < 4; r++) o[n][r] = 0.0f;
    // Rows qw + g (index 0) and qw + g + 8 (index 1): running maximum, and
    // this lane's share of the running sum.
    float m[2] = {-INFINITY, -INFINITY}, l[2] = {0.0f, 0.0f};
    unsigned(*p)[ATT_TC_PLD] = ps[warp];
    const i64 kend = min(T, q0 + ATT_BQ);
    for (i64 k0 = 0; k0 < kend; k0 += ATT_TC_BR) {
        __syncthreads();
        for (int idx = tid; idx < ATT_TC_BR * ATT_HS64; idx += 128) {
            const int j = idx / ATT_HS64, d = idx % ATT_HS64;
            const bool in = k0 + j < T;
            ks_[j][d] = to_tf32(in ? base[(k0 + j) * 3 * C + C + d] : 0.0f);
            vs_[j][d] = to_tf32(in ? base[(k0 + j) * 3 * C + 2 * C + d] : 0.0f);
        }
        __syncthreads();
        if (k0 > qw + 15) {
            continue;
        }
        float sc[4][4];
#pragma unroll
        for (int n = 0; n < 4; n++)
#pragma unroll
            for (int r = 0; r < 4; r++) sc[n][r] = 0.0f;
#pragma unroll
        for (int kk = 0; kk < 8; kk++) {
#pragma unroll
            for (int n = 0; n < 4; n++) {
                const unsigned bk[2] = {ks_[8 * n + g][8 * kk + t], ks_[8 * n + g][8 * kk + t + 4]};
                mma_tf32(sc[n], qa[kk], bk);
            }
        }
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
#pragma unroll
        for (int kk = 0; kk < 4; kk++) {
            const unsigned a[4] = {p[g][8 * kk + t], p[g + 8][8 * kk + t], p[g][8 * kk + t + 4], p[g + 8][8 * kk + t + 4]};
#pragma unroll
            for (int n = 0; n < 8; n++) {
                const unsigned bb[2] = {vs_[8 * kk + t][8 * n + g], vs_[8 * kk + t + 4][8 * n + g]};
                mma_tf32(o[n], a, bb);
            }
        }
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
