// C = alpha·op(A)·op(B) + beta·C, row-major with leading dimensions, the
// semantics of gonum's Sgemm: op(A) is M×K (A stored K×M when transA),
// op(B) is K×N (B stored N×K when transB), and beta == 0 overwrites C
// without reading it (so NaN in fresh memory does not leak in).
//
// Edges (M, N, K not multiples of the tiles) load zeros and store nothing.
// Tiles are loaded so that consecutive threads read consecutive addresses
// whichever way an operand is stored.

#define GEMM_BM 64
#define GEMM_BN 64
#define GEMM_BK 16

// gemm_fill fills dst[u][v] = X(u0+u, v0+v) for a U×V tile (zero outside
// nu × nv), with nthreads threads; X(u, v) is X[u·ld + v] when uRows (the
// operand stored with u as its row) and X[v·ld + u] otherwise, and the
// index order keeps consecutive threads on consecutive addresses either
// way. conv turns a float into what the tile stores.
template <int U, int V, typename T, int S, typename Conv>
__device__ __forceinline__ void gemm_fill(T (*dst)[S], int tid, int nthreads, bool uRows,
                                          const float *X, i64 ld, i64 u0, i64 v0, i64 nu, i64 nv,
                                          Conv conv) {
    for (int idx = tid; idx < U * V; idx += nthreads) {
        const int u = uRows ? idx / V : idx % U, v = uRows ? idx % V : idx / U;
        const i64 gu = u0 + u, gv = v0 + v;
        float x = 0.0f;
        if (gu < nu && gv < nv) {
            x = uRows ? X[gu * ld + gv] : X[gv * ld + gu];
        }
        dst[u][v] = conv(x);
    }
}

// gemm_load_tiles fills a_s[i][p] = op(A)[row0+i][k0+p] and
// b_s[p][j] = op(B)[k0+p][col0+j] (zero outside), with nthreads threads.
template <typename T, int AS, int BS, typename Conv>
__device__ __forceinline__ void gemm_load_tiles(T (*a_s)[AS], T (*b_s)[BS], int tid,
                                                int nthreads, i64 transA, i64 transB,
                                                i64 M, i64 N, i64 K, const float *A, i64 lda,
                                                const float *B, i64 ldb, i64 row0, i64 col0,
                                                i64 k0, Conv conv) {
    gemm_fill<GEMM_BM, GEMM_BK>(a_s, tid, nthreads, !transA, A, lda, row0, k0, M, K, conv);
    gemm_fill<GEMM_BK, GEMM_BN>(b_s, tid, nthreads, !transB, B, ldb, k0, col0, K, N, conv);
}

struct gemm_ident {
    __device__ __forceinline__ float operator()(float x) const { return x; }
};

__device__ __forceinline__ void gemm_store(float *C, i64 ldc, i64 M, i64 N, i64 r, i64 c,
                                           float alpha, float beta, float acc) {
    if (r < M && c < N) {
        float *p = &C[r * ldc + c];
        *p = (beta == 0.0f) ? alpha * acc : alpha * acc + beta * *p;
    }
}

// gemm_f32: plain FP32 on any GPU. Block (16,16) = 256 threads, grid
// (ceil(N/64), ceil(M/64)); each thread computes a 4×4 set of outputs at
// rows ty+16·i and columns tx+16·j of the block's tile.
extern "C" __global__ void __launch_bounds__(256) gemm_f32(i64 transA, i64 transB, i64 M, i64 N, i64 K, double alpha_,
                                    const float *__restrict__ A, i64 lda,
                                    const float *__restrict__ B, i64 ldb, double beta_,
                                    float *__restrict__ C, i64 ldc) {
    __shared__ float a_s[GEMM_BM][GEMM_BK + 1];
    __shared__ float b_s[GEMM_BK][GEMM_BN + 4];
    const float alpha = float(alpha_), beta = float(beta_);
    const int tx = threadIdx.x, ty = threadIdx.y, tid = ty * 16 + tx;
    const i64 row0 = i64(blockIdx.y) * GEMM_BM, col0 = i64(blockIdx.x) * GEMM_BN;
    float acc[4][4];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] = 0.0f;
    for (i64 k0 = 0; k0 < K; k0 += GEMM_BK) {
        gemm_load_tiles<float, GEMM_BK + 1, GEMM_BN + 4>(a_s, b_s, tid, 256, transA, transB, M, N,
                                                        K, A, lda, B, ldb, row0, col0, k0,
                                                        gemm_ident());
        __syncthreads();
#pragma unroll
        for (int p = 0; p < GEMM_BK; p++) {
            float a[4], b[4];
#pragma unroll
            for (int i = 0; i < 4; i++) a[i] = a_s[ty + 16 * i][p];
#pragma unroll
            for (int j = 0; j < 4; j++) b[j] = b_s[p][tx + 16 * j];
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++) acc[i][j] += a[i] * b[j];
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++)
            gemm_store(C, ldc, M, N, row0 + ty + 16 * i, col0 + tx + 16 * j, alpha, beta,
                       acc[i][j]);
}

#ifdef GPT_HAVE_MMA
// The warp-level pieces of the tensor-core gemms. A warp owns a
// (16·TM)×(8·TN) block of C at rows wm.., columns wn.. of the block tile,
// as TM×TN m16n8k8 accumulators.

template <int TM, int TN>
__device__ __forceinline__ void gemm_acc_zero(float (&acc)[TM][TN][4]) {
#pragma unroll
    for (int mi = 0; mi < TM; mi++)
#pragma unroll
        for (int ni = 0; ni < TN; ni++)
#pragma unroll
            for (int r = 0; r < 4; r++) acc[mi][ni][r] = 0.0f;
}

// gemm_mma_step adds the products over k = kk .. kk+7: a_at(i, p) is the
// block's op(A) tile at row i, column p, b_at(p, j) its op(B) tile, both
// as TF32 bits.
template <int TM, int TN, typename AAt, typename BAt>
__device__ __forceinline__ void gemm_mma_step(float (&acc)[TM][TN][4], AAt a_at, BAt b_at, int kk,
                                              int wm, int wn, int g, int t) {
    unsigned a[TM][4], b[TN][2];
#pragma unroll
    for (int mi = 0; mi < TM; mi++) {
        const int r = wm + mi * 16 + g;
        a[mi][0] = a_at(r, kk + t);
        a[mi][1] = a_at(r + 8, kk + t);
        a[mi][2] = a_at(r, kk + t + 4);
        a[mi][3] = a_at(r + 8, kk + t + 4);
    }
#pragma unroll
    for (int ni = 0; ni < TN; ni++) {
        const int c = wn + ni * 8 + g;
        b[ni][0] = b_at(kk + t, c);
        b[ni][1] = b_at(kk + t + 4, c);
    }
#pragma unroll
    for (int mi = 0; mi < TM; mi++)
#pragma unroll
        for (int ni = 0; ni < TN; ni++) mma_tf32(acc[mi][ni], a[mi], b[ni]);
}

// gemm_acc_store writes the accumulators to C (rows r0.., columns c0..:
// the warp's block in C) through gemm_store.
template <int TM, int TN>
__device__ __forceinline__ void gemm_acc_store(const float (&acc)[TM][TN][4], float *C, i64 ldc, i64 M,
                                               i64 N, i64 r0, i64 c0, int g, int t, float alpha,
                                               float beta) {
#pragma unroll
    for (int mi = 0; mi < TM; mi++)
#pragma unroll
        for (int ni = 0; ni < TN; ni++) {
            const i64 r = r0 + mi * 16 + g, c = c0 + ni * 8 + 2 * t;
            gemm_store(C, ldc, M, N, r, c, alpha, beta, acc[mi][ni][0]);
            gemm_store(C, ldc, M, N, r, c + 1, alpha, beta, acc[mi][ni][1]);
            gemm_store(C, ldc, M, N, r + 8, c, alpha, beta, acc[mi][ni][2]);
            gemm_store(C, ldc, M, N, r + 8, c + 1, alpha, beta, acc[mi][ni][3]);
        }
}

// gemm_tf32_tile: tensor cores, TF32 inputs (rounded to nearest by
// cvt.rna), FP32 accumulation; compute capability 8.0 or newer. The block
// tile is BM×BN, stepped by BK along K, computed by WM×WN warps, each
// owning a (BM/WM)×(BN/WN) piece as m16n8k8 tiles. The next K step's
// operands are loaded into registers while the current one computes from
// shared memory, so global latency overlaps the mma work.
//
// Fragments of mma.m16n8k8 .tf32 (PTX ISA), g = lane/4, t = lane%4:
//   A (16×8, row): a0 (g, t), a1 (g+8, t), a2 (g, t+4), a3 (g+8, t+4);
//   B (8×8, col):  b0 (t, g), b1 (t+4, g);
//   C (16×8):      c0 (g, 2t), c1 (g, 2t+1), c2 (g+8, 2t), c3 (g+8, 2t+1).
// The paddings (+4 on A's rows, +8 on B's) make those reads from shared
// memory hit 32 different banks.
template <int BM, int BN, int BK, int WM, int WN>
__device__ __forceinline__ void gemm_tf32_tile(i64 transA, i64 transB, i64 M, i64 N, i64 K,
                                               float alpha, const float *__restrict__ A,
                                               i64 lda, const float *__restrict__ B, i64 ldb,
                                               float beta, float *__restrict__ C, i64 ldc) {
    constexpr int NT = WM * WN * GPT_WARP;            // threads
    constexpr int TM = BM / WM / 16, TN = BN / WN / 8; // mma tiles per warp
    constexpr int LA = BM * BK / NT, LB = BK * BN / NT; // loads per thread
    __shared__ unsigned a_s[BM][BK + 4];
    __shared__ unsigned b_s[BK][BN + 8];
    const int tid = threadIdx.x, lane = tid % GPT_WARP, warp = tid / GPT_WARP;
    const int g = lane / 4, t = lane % 4;
    const int wm = (warp / WN) * (BM / WM), wn = (warp % WN) * (BN / WN);
    const i64 row0 = i64(blockIdx.y) * BM, col0 = i64(blockIdx.x) * BN;
    float ra[LA], rb[LB];
    // The r-th element a thread moves of each tile: a fixed coordinate
    // along the stored rows (consecutive threads, consecutive addresses)
    // and one that steps by a_step (b_step) rows.
    const int a_fast = transA ? tid % BM : tid % BK, a_slow = transA ? tid / BM : tid / BK;
    const int a_step = transA ? NT / BM : NT / BK;
    const int b_fast = transB ? tid % BK : tid % BN, b_slow = transB ? tid / BK : tid / BN;
    const int b_step = transB ? NT / BK : NT / BN;
    auto load = [&](i64 k0) {
#pragma unroll
        for (int r = 0; r < LA; r++) {
            const int slow = a_slow + r * a_step;
            const i64 gi = row0 + (transA ? a_fast : slow), gp = k0 + (transA ? slow : a_fast);
            ra[r] = (gi < M && gp < K) ? A[transA ? gp * lda + gi : gi * lda + gp] : 0.0f;
        }
#pragma unroll
        for (int r = 0; r < LB; r++) {
            const int slow = b_slow + r * b_step;
            const i64 gj = col0 + (transB ? slow : b_fast), gp = k0 + (transB ? b_fast : slow);
            rb[r] = (gj < N && gp < K) ? B[transB ? gj * ldb + gp : gp * ldb + gj] : 0.0f;
        }
    };
    float acc[TM][TN][4];
    gemm_acc_zero(acc);
    load(0);
    for (i64 k0 = 0; k0 < K; k0 += BK) {
        __syncthreads(); // the previous step's tiles are no longer read
#pragma unroll
        for (int r = 0; r < LA; r++) {
            const int slow = a_slow + r * a_step;
            if (transA) {
                a_s[a_fast][slow] = to_tf32(ra[r]);
            } else {
                a_s[slow][a_fast] = to_tf32(ra[r]);
            }
        }
#pragma unroll
        for (int r = 0; r < LB; r++) {
            const int slow = b_slow + r * b_step;
            if (transB) {
                b_s[b_fast][slow] = to_tf32(rb[r]);
            } else {
                b_s[slow][b_fast] = to_tf32(rb[r]);
            }
        }
        __syncthreads();
        if (k0 + BK < K) {
            load(k0 + BK);
        }
#pragma unroll
        for (int kk = 0; kk < BK; kk += 8) {
            gemm_mma_step(acc, [&](int i, int p) { return a_s[i][p]; },
                          [&](int p, int j) { return b_s[p][j]; }, kk, wm, wn, g, t);
        }
    }
    gemm_acc_store(acc, C, ldc, M, N, row0 + wm, col0 + wn, g, t, alpha, beta);
}

// gemm_tf32: 64×64 tiles, 4 warps (2×2, 32×32 each), BK 16; block 128
// threads, grid (ceil(N/64), ceil(M/64)). For small or thin products.
extern "C" __global__ void __launch_bounds__(128) gemm_tf32(i64 transA, i64 transB, i64 M, i64 N, i64 K, double alpha,
                                     const float *__restrict__ A, i64 lda,
                                     const float *__restrict__ B, i64 ldb, double beta,
                                     float *__restrict__ C, i64 ldc) {
    gemm_tf32_tile<64, 64, 16, 2, 2>(transA, transB, M, N, K, float(alpha), A, lda, B, ldb,
                                     float(beta), C, ldc);
}

// gemm_tf32_big: 128×128 tiles, 8 warps (2×4, 64×32 each), BK 32; block
// 256 threads, grid (ceil(N/128), ceil(M/128)). For the model's large
// products (more mma work per byte of shared memory read).
extern "C" __global__ void __launch_bounds__(256) gemm_tf32_big(i64 transA, i64 transB, i64 M, i64 N, i64 K,
                                         double alpha, const float *__restrict__ A, i64 lda,
                                         const float *__restrict__ B, i64 ldb, double beta,
                                         float *__restrict__ C, i64 ldc) {
    gemm_tf32_tile<128, 128, 32, 2, 4>(transA, transB, M, N, K, float(alpha), A, lda, B, ldb,
                                       float(beta), C, ldc);
}
// gemm_tf32_db_tile: the tensor-core gemm with two shared-memory buffers
// (one barrier per K step: the next step's tiles go into the other buffer
// while this one is read), tiles kept in shared memory in the layout the
// operand has in global memory (so every store is along a row and, with
// the paddings below, every fragment read hits 32 different banks), and,
// when VEC, 16-byte loads and stores (four consecutive floats along the
// stored rows; the caller guarantees that lda, ldb and the base
// addresses are multiples of four floats, and vectors that cross the
// matrix's edge load element by element). TA and TB are transA and
// transB. Every output's products are accumulated in the same order as
// gemm_tf32_tile's (ascending k, eight at a time, one accumulator), so
// the variants give bit-identical results and only their speed differs.
//
// Shared layouts (words, per buffer): A not transposed [BM][BK+4] (m, k),
// transposed [BK][BM+8] (k, m); B not transposed [BK][BN+8] (k, n),
// transposed [BN][BK+4] (n, k).
template <int BM, int BN, int BK>
struct gemm_smem {
    static constexpr int a = (BM * (BK + 4) > BK * (BM + 8)) ? BM * (BK + 4) : BK * (BM + 8);
    static constexpr int b = (BN * (BK + 4) > BK * (BN + 8)) ? BN * (BK + 4) : BK * (BN + 8);
    static constexpr int words = 2 * (a + b);
};

// A thread's load r of a tile stored LEN floats a row, W floats at a
// time by NT threads: chunk c = tid + r·NT, at row c / (LEN/W) and
// first column (c mod (LEN/W))·W of the tile.
template <int LEN, int W, int NT>
__device__ __forceinline__ int gemm_db_slow(int r) {
    return (int(threadIdx.x) + r * NT) / (LEN / W);
}
template <int LEN, int W, int NT>
__device__ __forceinline__ int gemm_db_fast(int r) {
    return ((int(threadIdx.x) + r * NT) % (LEN / W)) * W;
}

// gemm_db_load reads a thread's L loads of the tile whose first stored
// row and column are r0 and c0, of a matrix stored nr × nc with leading
// dimension ld: zeros outside it, a 16-byte load when VEC and the W
// floats lie inside it.
template <int L, int LEN, int W, int NT, bool VEC>
__device__ __forceinline__ void gemm_db_load(float (&x)[L][W], const float *__restrict__ X, i64 ld,
                                             i64 r0, i64 c0, i64 nr, i64 nc) {
#pragma unroll
    for (int r = 0; r < L; r++) {
        const i64 sr = r0 + gemm_db_slow<LEN, W, NT>(r), sc = c0 + gemm_db_fast<LEN, W, NT>(r);
        const float *src = X + sr * ld + sc;
        if (VEC && sr < nr && sc + W <= nc) {
            const gpt_f4 v = *reinterpret_cast<const gpt_f4 *>(src);
            const float e[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
            for (int w = 0; w < W; w++) x[r][w] = e[w];
        } else {
#pragma unroll
            for (int w = 0; w < W; w++) x[r][w] = (sr < nr && sc + w < nc) ? src[w] : 0.0f;
        }
    }
}

template <int BM, int BN, int BK, int WM, int WN, bool VEC, bool TA, bool TB>
__device__ __forceinline__ void gemm_tf32_db_tile(unsigned *sm, i64 M, i64 N, i64 K, float alpha,
                                                  const float *__restrict__ A, i64 lda,
                                                  const float *__restrict__ B, i64 ldb,
                                                  float beta, float *__restrict__ C, i64 ldc) {
    constexpr int NT = WM * WN * GPT_WARP;
    constexpr int TM = BM / WM / 16, TN = BN / WN / 8;
    constexpr int W = VEC ? 4 : 1;                              // floats a load moves
    constexpr int LA = BM * BK / NT / W, LB = BK * BN / NT / W; // loads per thread
    static_assert(BM * BK % (NT * W) == 0 && BK * BN % (NT * W) == 0, "tile/threads");
    // Row lengths in the tile as stored, and the shared row strides.
    constexpr int ALEN = TA ? BM : BK, BLEN = TB ? BK : BN;
    constexpr int AST = TA ? BM + 8 : BK + 4, BST = TB ? BK + 4 : BN + 8;
    using S = gemm_smem<BM, BN, BK>;
    // Buffer buf of A at sm + buf·S::a, of B at sm + 2·S::a + buf·S::b
    // (arithmetic, not an array of pointers: that would live on the stack).
    auto as = [&](int buf) { return sm + buf * S::a; };
    auto bs = [&](int buf) { return sm + 2 * S::a + buf * S::b; };
    const int tid = threadIdx.x, lane = tid % GPT_WARP, warp = tid / GPT_WARP;
    const int g = lane / 4, t = lane % 4;
    const int wm = (warp / WN) * (BM / WM), wn = (warp % WN) * (BN / WN);
    const i64 row0 = i64(blockIdx.y) * BM, col0 = i64(blockIdx.x) * BN;
    // The next K step's tiles, in registers while this one computes.
    float ra[LA][W], rb[LB][W];
    auto load = [&](i64 k0) {
        if (TA) {
            gemm_db_load<LA, ALEN, W, NT, VEC>(ra, A, lda, k0, row0, K, M);
        } else {
            gemm_db_load<LA, ALEN, W, NT, VEC>(ra, A, lda, row0, k0, M, K);
        }
        if (TB) {
            gemm_db_load<LB, BLEN, W, NT, VEC>(rb, B, ldb, col0, k0, N, K);
        } else {
            gemm_db_load<LB, BLEN, W, NT, VEC>(rb, B, ldb, k0, col0, K, N);
        }
    };
    auto put = [&](unsigned *dst, const float (&x)[W]) {
        if (VEC) {
            gpt_u4 u;
            u.x = to_tf32(x[0]);
            u.y = to_tf32(x[W > 1 ? 1 : 0]);
            u.z = to_tf32(x[W > 2 ? 2 : 0]);
            u.w = to_tf32(x[W > 3 ? 3 : 0]);
            *reinterpret_cast<gpt_u4 *>(dst) = u;
        } else {
#pragma unroll
            for (int w = 0; w < W; w++) dst[w] = to_tf32(x[w]);
        }
    };
    auto store = [&](int buf) {
#pragma unroll
        for (int r = 0; r < LA; r++) {
            put(as(buf) + gemm_db_slow<ALEN, W, NT>(r) * AST + gemm_db_fast<ALEN, W, NT>(r), ra[r]);
        }
#pragma unroll
        for (int r = 0; r < LB; r++) {
            put(bs(buf) + gemm_db_slow<BLEN, W, NT>(r) * BST + gemm_db_fast<BLEN, W, NT>(r), rb[r]);
        }
    };
    // a_at(i, p) = op(A) tile [i][p]; b_at(p, j) = op(B) tile [p][j].
    auto a_at = [&](const unsigned *a, int i, int p) { return TA ? a[p * AST + i] : a[i * AST + p]; };
    auto b_at = [&](const unsigned *b, int p, int j) { return TB ? b[j * BST + p] : b[p * BST + j]; };
    float acc[TM][TN][4];
    gemm_acc_zero(acc);
    load(0);
    store(0);
    __syncthreads();
    int buf = 0;
    for (i64 k0 = 0; k0 < K; k0 += BK) {
        const bool more = k0 + BK < K;
        if (more) {
            load(k0 + BK); // in flight while this step's mma run
        }
        const unsigned *acur = as(buf), *bcur = bs(buf);
#pragma unroll
        for (int kk = 0; kk < BK; kk += 8) {
            gemm_mma_step(acc, [&](int i, int p) { return a_at(acur, i, p); },
                          [&](int p, int j) { return b_at(bcur, p, j); }, kk, wm, wn, g, t);
        }
        if (more) {
            store(buf ^ 1); // the other buffer: last read before the previous barrier
        }
        __syncthreads();
        buf ^= 1;
    }
    gemm_acc_store(acc, C, ldc, M, N, row0 + wm, col0 + wn, g, t, alpha, beta);
}

// gemm_tf32_db_dispatch sends the four transposition cases to their own
// instantiations (layouts and indexing fixed at compile time), all on
// one static shared array.
template <int BM, int BN, int BK, int WM, int WN, bool VEC>
__device__ __forceinline__ void gemm_tf32_db_dispatch(i64 transA, i64 transB, i64 M, i64 N, i64 K,
                                             double alpha_, const float *__restrict__ A, i64 lda,
                                             const float *__restrict__ B, i64 ldb, double beta_,
                                             float *__restrict__ C, i64 ldc) {
    __shared__ __align__(16) unsigned sm[gemm_smem<BM, BN, BK>::words];
    const float alpha = float(alpha_), beta = float(beta_);
    if (transA) {
        if (transB) {
            gemm_tf32_db_tile<BM, BN, BK, WM, WN, VEC, true, true>(sm, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        } else {
            gemm_tf32_db_tile<BM, BN, BK, WM, WN, VEC, true, false>(sm, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        }
    } else if (transB) {
        gemm_tf32_db_tile<BM, BN, BK, WM, WN, VEC, false, true>(sm, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    } else {
        gemm_tf32_db_tile<BM, BN, BK, WM, WN, VEC, false, false>(sm, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    }
}

#define GEMM_ARGS i64 transA, i64 transB, i64 M, i64 N, i64 K, double alpha, const float *__restrict__ A, \
                  i64 lda, const float *__restrict__ B, i64 ldb, double beta, float *__restrict__ C, i64 ldc
#define GEMM_PASS transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc

// The double-buffered variants; gpu/cudagpt times them (and the two
// above) on each product shape the model uses and keeps the fastest.
// gemm_tf32_db: 128×128 tiles, BK 16, 8 warps (2×4, 64×32 each); block
// 256, grid (ceil(N/128), ceil(M/128)). _v: with 16-byte loads.
extern "C" __global__ void __launch_bounds__(256) gemm_tf32_db(GEMM_ARGS) {
    gemm_tf32_db_dispatch<128, 128, 16, 2, 4, false>(GEMM_PASS);
}
extern "C" __global__ void __launch_bounds__(256) gemm_tf32_db_v(GEMM_ARGS) {
    gemm_tf32_db_dispatch<128, 128, 16, 2, 4, true>(GEMM_PASS);
}
// gemm_tf32_db_v2: gemm_tf32_db_v held to 128 registers, so that two
// blocks (16 warps) share a multiprocessor.
extern "C" __global__ void __launch_bounds__(256, 2) gemm_tf32_db_v2(GEMM_ARGS) {
    gemm_tf32_db_dispatch<128, 128, 16, 2, 4, true>(GEMM_PASS);
}
// gemm_tf32_dbw_v: 128×128 tiles, BK 16, 4 warps (2×2, 64×64 each: fewer
// shared-memory reads per mma); block 128, 16-byte loads.
extern "C" __global__ void __launch_bounds__(128) gemm_tf32_dbw_v(GEMM_ARGS) {
    gemm_tf32_db_dispatch<128, 128, 16, 2, 2, true>(GEMM_PASS);
}
// gemm_tf32_db64_v: 64×128 tiles (more blocks for thin products), BK 16,
// 4 warps (2×2, 32×64 each); block 128, 16-byte loads.
extern "C" __global__ void __launch_bounds__(128) gemm_tf32_db64_v(GEMM_ARGS) {
    gemm_tf32_db_dispatch<64, 128, 16, 2, 2, true>(GEMM_PASS);
}
#endif
