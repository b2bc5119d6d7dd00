// C = alpha·op(A)·op(B) + beta·C, row-major with leading dimensions, the
// semantics of gonum's Sgemm: op(A) is M×K (A stored K×M when transA),
// op(B) is K×N (B stored N×K when transB), and beta == 0 overwrites C
// without reading it (so NaN in fresh memory does not leak in).
//
// Both kernels tile the output 64×64 per block and step K by 16; edges
// (M, N, K not multiples of the tiles) load zeros and store nothing.
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
extern "C" __global__ void gemm_f32(i64 transA, i64 transB, i64 M, i64 N, i64 K, double alpha_,
                                    const float *__restrict__ A, i64 lda,
                                    const float *__restrict__ B, i64 ldb, double beta_,
                                    float *__restrict__ C, i64 ldc) {
    __shared__ float a_s[GEMM_BM][GEMM_BK + 1];
    __shared__ float b_s[GEMM_BK][GEMM_BN + 4];
    const float alpha = float(alpha_), beta = float(beta_);
    const int tx = threadIdx.x, ty = threadIdx.y, tid = ty * 16 + tx;
    const i64 row0 = i64(blockIdx.y) * GEMM_BM, col0 = i64(blockIdx.x) * GEMM_BN;
    float acc[4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) acc[i][j] = 0.0f;
    for (i64 k0 = 0; k0 < K; k0 += GEMM_BK) {
        gemm_load_tiles<float, GEMM_BK + 1, GEMM_BN + 4>(a_s, b_s, tid, 256, transA, transB, M, N,
                                                        K, A, lda, B, ldb, row0, col0, k0,
                                                        gemm_ident());
        __syncthreads();
#pragma unroll
        for (int p = 0; p < GEMM_BK; p++) {
            float a[4], b[4];
            for (int i = 0; i < 4; i++) a[i] = a_s[ty + 16 * i][p];
            for (int j = 0; j < 4; j++) b[j] = b_s[p][tx + 16 * j];
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++) acc[i][j] += a[i] * b[j];
        }
        __syncthreads();
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            gemm_store(C, ldc, M, N, row0 + ty + 16 * i, col0 + tx + 16 * j, alpha, beta,
                       acc[i][j]);
}

#ifdef GPT_HAVE_MMA
struct gemm_tf32_conv {
    __device__ __forceinline__ unsigned operator()(float x) const { return to_tf32(x); }
};

// gemm_tf32: tensor cores, TF32 inputs (rounded to nearest by cvt.rna),
// FP32 accumulation; compute capability 8.0 or newer. Block 128 threads =
// 4 warps in a 2×2 arrangement, each warp owning a 32×32 piece of the
// 64×64 tile as 2×4 m16n8k8 tiles; grid (ceil(N/64), ceil(M/64)).
//
// Fragments of mma.m16n8k8 .tf32 (PTX ISA), g = lane/4, t = lane%4:
//   A (16×8, row): a0 (g, t), a1 (g+8, t), a2 (g, t+4), a3 (g+8, t+4);
//   B (8×8, col):  b0 (t, g), b1 (t+4, g);
//   C (16×8):      c0 (g, 2t), c1 (g, 2t+1), c2 (g+8, 2t), c3 (g+8, 2t+1).
// The paddings (+4 on A's rows, +8 on B's) make those reads from shared
// memory hit 32 different banks.
extern "C" __global__ void gemm_tf32(i64 transA, i64 transB, i64 M, i64 N, i64 K, double alpha_,
                                     const float *__restrict__ A, i64 lda,
                                     const float *__restrict__ B, i64 ldb, double beta_,
                                     float *__restrict__ C, i64 ldc) {
    __shared__ unsigned a_s[GEMM_BM][GEMM_BK + 4];
    __shared__ unsigned b_s[GEMM_BK][GEMM_BN + 8];
    const float alpha = float(alpha_), beta = float(beta_);
    const int tid = threadIdx.x, lane = tid % GPT_WARP, warp = tid / GPT_WARP;
    const int g = lane / 4, t = lane % 4;
    const int wm = (warp / 2) * 32, wn = (warp % 2) * 32;
    const i64 row0 = i64(blockIdx.y) * GEMM_BM, col0 = i64(blockIdx.x) * GEMM_BN;
    float acc[2][4][4];
    for (int mi = 0; mi < 2; mi++)
        for (int ni = 0; ni < 4; ni++)
            for (int r = 0; r < 4; r++) acc[mi][ni][r] = 0.0f;
    for (i64 k0 = 0; k0 < K; k0 += GEMM_BK) {
        gemm_load_tiles<unsigned, GEMM_BK + 4, GEMM_BN + 8>(a_s, b_s, tid, 128, transA, transB,
                                                           M, N, K, A, lda, B, ldb, row0, col0,
                                                           k0, gemm_tf32_conv());
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < GEMM_BK; kk += 8) {
            unsigned a[2][4], b[4][2];
            for (int mi = 0; mi < 2; mi++) {
                const int r = wm + mi * 16 + g;
                a[mi][0] = a_s[r][kk + t];
                a[mi][1] = a_s[r + 8][kk + t];
                a[mi][2] = a_s[r][kk + t + 4];
                a[mi][3] = a_s[r + 8][kk + t + 4];
            }
            for (int ni = 0; ni < 4; ni++) {
                const int c = wn + ni * 8 + g;
                b[ni][0] = b_s[kk + t][c];
                b[ni][1] = b_s[kk + t + 4][c];
            }
            for (int mi = 0; mi < 2; mi++)
                for (int ni = 0; ni < 4; ni++) mma_tf32(acc[mi][ni], a[mi], b[ni]);
        }
        __syncthreads();
    }
    for (int mi = 0; mi < 2; mi++)
        for (int ni = 0; ni < 4; ni++) {
            const i64 r = row0 + wm + mi * 16 + g, c = col0 + wn + ni * 8 + 2 * t;
            gemm_store(C, ldc, M, N, r, c, alpha, beta, acc[mi][ni][0]);
            gemm_store(C, ldc, M, N, r, c + 1, alpha, beta, acc[mi][ni][1]);
            gemm_store(C, ldc, M, N, r + 8, c, alpha, beta, acc[mi][ni][2]);
            gemm_store(C, ldc, M, N, r + 8, c + 1, alpha, beta, acc[mi][ni][3]);
        }
}
#endif
