// Kernels of the CUDA backend (gpu/cuda.go), in double precision.
//
// Compiled to PTX for an old virtual architecture by gen.sh; the PTX is
// committed as kernels.ptx and embedded in the Go binary, and the driver
// JIT-compiles it for whatever GPU it finds. Only the driver API is needed
// at run time, never the CUDA runtime or cuBLAS.
//
// Conventions, shared with the Go side:
//   - every parameter is 64 bits wide (long long, double or a pointer):
//     gorgonia.org/cu copies 8 bytes per kernel argument;
//   - matrices are row-major; flags are 0 or 1 in a long long;
//   - names are extern "C", so the PTX entry points are not mangled.

#define TILE 16 // gemm tile edge; the gemm block is TILE×TILE threads
#define ROW_THREADS 256 // block size of log_softmax_rows, a power of two

// nanmax is max that propagates NaN, like Go's built-in max (fmax would
// drop it), so a NaN in a row gives a NaN row on both backends.
__device__ __forceinline__ double nanmax(double a, double b) {
    return (a != a || a > b) ? a : b;
}

// gemm_f64: C = alpha·op(A)·op(B) + beta·C, op(A) m×k, op(B) k×n, C m×n.
// Stored shapes: A is m×k, or k×m when transA; B is k×n, or n×k when
// transB. As in BLAS, beta == 0 overwrites C without reading it.
//
// Launch with blockDim (TILE, TILE) and any grid: the block loops over the
// output tiles with a grid stride (grid dimensions are capped on the Go
// side). Each thread computes one element of C; tiles of op(A) and op(B)
// pass through shared memory, loaded so that consecutive threadIdx.x read
// consecutive addresses whichever way the operand is stored.
extern "C" __global__ void gemm_f64(long long transA, long long transB,
                                    long long m, long long n, long long k,
                                    double alpha, const double *__restrict__ A,
                                    const double *__restrict__ B, double beta,
                                    double *__restrict__ C) {
    __shared__ double As[TILE][TILE + 1]; // As[r][c] = op(A)[row0+r][t+c]
    __shared__ double Bs[TILE][TILE + 1]; // Bs[r][c] = op(B)[t+r][col0+c]
    const long long tx = threadIdx.x, ty = threadIdx.y;
    const long long tilesM = (m + TILE - 1) / TILE;
    const long long tilesN = (n + TILE - 1) / TILE;

    for (long long bi = blockIdx.y; bi < tilesM; bi += gridDim.y) {
        for (long long bj = blockIdx.x; bj < tilesN; bj += gridDim.x) {
            const long long row0 = bi * TILE, col0 = bj * TILE;
            const long long row = row0 + ty, col = col0 + tx;
            double acc = 0.0;
            for (long long t = 0; t < k; t += TILE) {
                if (transA) {
                    // A stored k×m: thread (ty,tx) reads A[t+ty][row0+tx].
                    const long long p = t + ty, i = row0 + tx;
                    As[tx][ty] = (p < k && i < m) ? A[p * m + i] : 0.0;
                } else {
                    // A stored m×k: thread (ty,tx) reads A[row0+ty][t+tx].
                    const long long i = row0 + ty, p = t + tx;
                    As[ty][tx] = (p < k && i < m) ? A[i * k + p] : 0.0;
                }
                if (transB) {
                    // B stored n×k: thread (ty,tx) reads B[col0+ty][t+tx].
                    const long long j = col0 + ty, p = t + tx;
                    Bs[tx][ty] = (p < k && j < n) ? B[j * k + p] : 0.0;
                } else {
                    // B stored k×n: thread (ty,tx) reads B[t+ty][col0+tx].
                    const long long p = t + ty, j = col0 + tx;
                    Bs[ty][tx] = (p < k && j < n) ? B[p * n + j] : 0.0;
                }
                __syncthreads();
#pragma unroll
                for (int q = 0; q < TILE; q++) {
                    acc += As[ty][q] * Bs[q][tx];
                }
                __syncthreads();
            }
            if (row < m && col < n) {
                double *c = &C[row * n + col];
                *c = (beta == 0.0) ? alpha * acc : alpha * acc + beta * *c;
            }
        }
    }
}

// add_bias_f64: x[i][j] += bias[j] for the m×n matrix x. Any 1-D launch.
extern "C" __global__ void add_bias_f64(long long m, long long n, double *x,
                                        const double *bias) {
    const long long total = m * n;
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
         i < total; i += stride) {
        x[i] += bias[i % n];
    }
}

// tanh_f64: x[i] = tanh(x[i]) for i < len. Any 1-D launch.
extern "C" __global__ void tanh_f64(long long len, double *x) {
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
         i < len; i += stride) {
        x[i] = tanh(x[i]);
    }
}

// tanh_backward_f64: dy[i] *= 1 - y[i]², the derivative of tanh expressed
// through its output. Any 1-D launch.
extern "C" __global__ void tanh_backward_f64(long long len, const double *y,
                                             double *dy) {
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
         i < len; i += stride) {
        const double v = y[i];
        dy[i] *= 1.0 - v * v;
    }
}

// log_softmax_rows_f64: each row r of the m×n matrix x becomes
// x[r] - max(x[r]) - log(sum(exp(x[r] - max(x[r])))), numerically stable.
// Launch with blockDim.x == ROW_THREADS and any 1-D grid: a block handles
// rows blockIdx.x, blockIdx.x+gridDim.x, ... reducing in shared memory.
extern "C" __global__ void log_softmax_rows_f64(long long m, long long n,
                                                double *x) {
    __shared__ double red[ROW_THREADS];
    const int tid = threadIdx.x;
    for (long long r = blockIdx.x; r < m; r += gridDim.x) {
        double *row = x + r * n;

        double mx = -INFINITY;
        for (long long j = tid; j < n; j += ROW_THREADS) {
            mx = nanmax(mx, row[j]);
        }
        red[tid] = mx;
        __syncthreads();
        for (int s = ROW_THREADS / 2; s > 0; s >>= 1) {
            if (tid < s) {
                red[tid] = nanmax(red[tid], red[tid + s]);
            }
            __syncthreads();
        }
        mx = red[0];
        __syncthreads(); // everyone has read red[0] before it is reused

        double sum = 0.0;
        for (long long j = tid; j < n; j += ROW_THREADS) {
            sum += exp(row[j] - mx);
        }
        red[tid] = sum;
        __syncthreads();
        for (int s = ROW_THREADS / 2; s > 0; s >>= 1) {
            if (tid < s) {
                red[tid] += red[tid + s];
            }
            __syncthreads();
        }
        const double lse = mx + log(red[0]);
        __syncthreads(); // red[0] read by all before the next row reuses red

        for (long long j = tid; j < n; j += ROW_THREADS) {
            row[j] -= lse;
        }
    }
}
