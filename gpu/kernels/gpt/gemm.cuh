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

// gemm_load_tiles fills a_s[i][p] = op(A)[row0+i][k0+p] and
// b_s[p][j] = op(B)[k0+p][col0+j] (zero outside), with nthreads threads.
// conv turns a float into what the tile stores (identity, or TF32 bits).
template <typename T, int AS, int BS, typename Conv>
__device__ __forceinline__ void gemm_load_tiles(T (*a_s)[AS], T (*b_s)[BS], int tid,
                                                int nthreads, i64 transA, i64 transB,
                                                i64 M, i64 N, i64 K, const float *A, i64 lda,
                                                const float *B, i64 ldb, i64 row0, i64 col0,
                                                i64 k0, Conv conv) {
    for (int idx = tid; idx < GEMM_BM * GEMM_BK; idx += nthreads) {
        int i, p;
        if (transA) { // A is K×M: contiguous along i
            i = idx % GEMM_BM;
            p = idx / GEMM_BM;
        } else { // A is M×K: contiguous along p
            p = idx % GEMM_BK;
            i = idx / GEMM_BK;
        }
        const i64 gi = row0 + i, gp = k0 + p;
        float x = 0.0f;
        if (gi < M && gp < K) {
            x = transA ? A[gp * lda + gi] : A[gi * lda + gp];
        }
        a_s[i][p] = conv(x);
    }
    for (int idx = tid; idx < GEMM_BK * GEMM_BN; idx += nthreads) {
        int j, p;
        if (transB) { // B is N×K: contiguous along p
            p = idx % GEMM_BK;
            j = idx / GEMM_BK;
        } else { // B is K×N: contiguous along j
            j = idx % GEMM_BN;
            p = idx / GEMM_BN;
        }
        const i64 gj = col0 + j, gp = k0 + p;
        float x = 0.0f;
        if (gj < N && gp < K) {
            x = transB ? B[gj * ldb + gp] : B[gp * ldb + gj];
        }
        b_s[p][j] = conv(x);
    }
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
#pragma unroll
    for (int mi = 0; mi < TM; mi++)
#pragma unroll
        for (int ni = 0; ni < TN; ni++)
#pragma unroll
            for (int r = 0; r < 4; r++) acc[mi][ni][r] = 0.0f;
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
            unsigned a[TM][4], b[TN][2];
#pragma unroll
            for (int mi = 0; mi < TM; mi++) {
                const int r = wm + mi * 16 + g;
                a[mi][0] = a_s[r][kk + t];
                a[mi][1] = a_s[r + 8][kk + t];
                a[mi][2] = a_s[r][kk + t + 4];
                a[mi][3] = a_s[r + 8][kk + t + 4];
            }
#pragma unroll
            for (int ni = 0; ni < TN; ni++) {
                const int c = wn + ni * 8 + g;
                b[ni][0] = b_s[kk + t][c];
                b[ni][1] = b_s[kk + t + 4][c];
            }
#pragma unroll
            for (int mi = 0; mi < TM; mi++)
#pragma unroll
                for (int ni = 0; ni < TN; ni++) mma_tf32(acc[mi][ni], a[mi], b[ni]);
        }
    }
#pragma unroll
    for (int mi = 0; mi < TM; mi++)
#pragma unroll
        for (int ni = 0; ni < TN; ni++) {
            const i64 r = row0 + wm + mi * 16 + g, c = col0 + wn + ni * 8 + 2 * t;
            gemm_store(C, ldc, M, N, r, c, alpha, beta, acc[mi][ni][0]);
            gemm_store(C, ldc, M, N, r, c + 1, alpha, beta, acc[mi][ni][1]);
            gemm_store(C, ldc, M, N, r + 8, c, alpha, beta, acc[mi][ni][2]);
            gemm_store(C, ldc, M, N, r + 8, c + 1, alpha, beta, acc[mi][ni][3]);
        }
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
#endif
