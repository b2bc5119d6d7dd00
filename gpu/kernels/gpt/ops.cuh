// Embeddings, LayerNorm, GELU and biases: the CPU twins are in gpu/gpt
// (embedding.go, layernorm.go, gelu.go, matmul.go).

// encoder_fwd: out[bt] = wte[inp[bt]] + wpe[bt % T]. Grid-stride over
// BT·C elements, block GPT_BLOCK.
extern "C" __global__ void __launch_bounds__(GPT_BLOCK) encoder_fwd(float *out, const int *inp, const float *wte,
                                       const float *wpe, i64 BT, i64 T, i64 C) {
    const i64 n = BT * C;
    for (i64 i = i64(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += i64(gridDim.x) * blockDim.x) {
        const i64 bt = i / C, c = i % C;
        out[i] = wte[i64(inp[bt]) * C + c] + wpe[(bt % T) * C + c];
    }
}

// encoder_bwd_wpe: dwpe[t] += Σ_b dout[b,t], b in order (the CPU's order).
// One thread per (t, c), grid-stride, block GPT_BLOCK.
extern "C" __global__ void __launch_bounds__(GPT_BLOCK) encoder_bwd_wpe(float *dwpe, const float *dout, i64 B, i64 T, i64 C) {
    const i64 n = T * C;
    for (i64 i = i64(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += i64(gridDim.x) * blockDim.x) {
        float acc = dwpe[i];
        for (i64 b = 0; b < B; b++) {
            acc += dout[b * n + i];
        }
        dwpe[i] = acc;
    }
}

// encoder_bwd_wte: dwte[inp[bt]] += dout[bt] for bt in order. Block
// (x, y) handles GPT_BLOCK channels of the tokens ≡ y mod gridDim.y, so
// every row of dwte has one owner per channel, summed without atomics and
// in the CPU's order, with gridDim.x·gridDim.y blocks of parallelism.
// The tokens pass through shared memory in chunks. Block GPT_BLOCK, grid
// (ceil(C/GPT_BLOCK), GPT_ENC_CLASSES).
#define GPT_ENC_CLASSES 32
#define GPT_ENC_CHUNK 1024
extern "C" __global__ void __launch_bounds__(GPT_BLOCK) encoder_bwd_wte(float *dwte, const float *dout, const int *inp, i64 BT,
                                           i64 C) {
    __shared__ int toks[GPT_ENC_CHUNK];
    const i64 c = i64(blockIdx.x) * blockDim.x + threadIdx.x;
    const int cls = blockIdx.y, ncls = gridDim.y;
    for (i64 base = 0; base < BT; base += GPT_ENC_CHUNK) {
        const int n = int(min(i64(GPT_ENC_CHUNK), BT - base));
        __syncthreads(); // the previous chunk is no longer read
        for (int i = threadIdx.x; i < n; i += blockDim.x) toks[i] = inp[base + i];
        __syncthreads();
        if (c >= C) continue;
        for (int i = 0; i < n; i++) {
            const int tok = toks[i];
            if (tok % ncls == cls) {
                dwte[i64(tok) * C + c] += dout[(base + i) * C + c];
            }
        }
    }
}

// layernorm_fwd: one warp per row, GPT_LN_ROWS rows per 256-thread block,
// grid ceil(N/GPT_LN_ROWS). Mean, then variance about it (two passes, as
// the CPU), eps 1e-5.
extern "C" __global__ void __launch_bounds__(GPT_BLOCK) layernorm_fwd(float *out, float *mean, float *rstd, const float *inp,
                                         const float *w, const float *b, i64 N, i64 C) {
    const int lane = threadIdx.x % GPT_WARP;
    const i64 row = i64(blockIdx.x) * GPT_LN_ROWS + threadIdx.x / GPT_WARP;
    if (row >= N) {
        return; // the whole warp leaves together
    }
    const float *x = inp + row * C;
    float s = 0.0f;
    for (i64 i = lane; i < C; i += GPT_WARP) s += x[i];
    const float m = warp_sum(s) / float(C);
    float v = 0.0f;
    for (i64 i = lane; i < C; i += GPT_WARP) {
        const float d = x[i] - m;
        v += d * d;
    }
    const float r = 1.0f / sqrtf(warp_sum(v) / float(C) + 1e-5f);
    float *o = out + row * C;
    for (i64 i = lane; i < C; i += GPT_WARP) o[i] = (x[i] - m) * r * w[i] + b[i];
    if (lane == 0) {
        mean[row] = m;
        rstd[row] = r;
    }
}

// layernorm_bwd_dinp: dinp += the input gradient, one warp per row, the
// geometry of layernorm_fwd.
extern "C" __global__ void __launch_bounds__(GPT_BLOCK) layernorm_bwd_dinp(float *dinp, const float *dout, const float *inp,
                                              const float *w, const float *mean,
                                              const float *rstd, i64 N, i64 C) {
    const int lane = threadIdx.x % GPT_WARP;
    const i64 row = i64(blockIdx.x) * GPT_LN_ROWS + threadIdx.x / GPT_WARP;
    if (row >= N) {
        return;
    }
    const float *x = inp + row * C, *g = dout + row * C;
    float *di = dinp + row * C;
    const float m = mean[row], s = rstd[row];
    float a = 0.0f, bsum = 0.0f;
    for (i64 i = lane; i < C; i += GPT_WARP) {
        const float dn = w[i] * g[i];
        a += dn;
        bsum += dn * (x[i] - m) * s;
    }
    const float dmean = warp_sum(a) / float(C), dnm = warp_sum(bsum) / float(C);
    for (i64 i = lane; i < C; i += GPT_WARP) {
        const float norm = (x[i] - m) * s;
        di[i] += (w[i] * g[i] - dmean - norm * dnm) * s;
    }
}

// Column sums over rows (bias and LayerNorm weight gradients). Block
// (GPT_COLS, GPT_COL_SLICES), grid (ceil(C/GPT_COLS), R): block y sums
// rows [y·rows, (y+1)·rows). With R = 1 the kernel adds its sums into the
// gradient directly; with R > 1 it writes them to part [R][stride] and
// col_finish adds the R partial sums in order. Deterministic either way.
//
// col_reduce: thread (tx, ty) sums f(row) over rows r0+ty, r0+ty+SLICES,
// … below r1; the slices are then added in slice order.
template <typename F>
__device__ __forceinline__ float col_reduce(i64 r0, i64 r1, bool ok, F f) {
    __shared__ float part[GPT_COL_SLICES][GPT_COLS];
    const int tx = threadIdx.x, ty = threadIdx.y;
    float s = 0.0f;
    if (ok) {
        for (i64 r = r0 + ty; r < r1; r += GPT_COL_SLICES) s += f(r);
    }
    __syncthreads();
    part[ty][tx] = s;
    __syncthreads();
    float tot = 0.0f;
    for (int k = 0; k < GPT_COL_SLICES; k++) tot += part[k][tx];
    return tot;
}

// layernorm_bwd_dwdb: dw += Σ_rows norm·dout, db += Σ_rows dout; partial
// sums (R > 1) go to part[y·2C + col] and part[y·2C + C + col].
extern "C" __global__ void __launch_bounds__(GPT_COLS * GPT_COL_SLICES) layernorm_bwd_dwdb(float *dw, float *db, float *part,
                                              const float *dout, const float *inp,
                                              const float *mean, const float *rstd, i64 N,
                                              i64 C, i64 rows) {
    const i64 col = i64(blockIdx.x) * GPT_COLS + threadIdx.x;
    const bool ok = col < C;
    const i64 r0 = i64(blockIdx.y) * rows, r1 = min(N, r0 + rows);
    const float sw = col_reduce(r0, r1, ok, [&](i64 r) {
        return (inp[r * C + col] - mean[r]) * rstd[r] * dout[r * C + col];
    });
    const float sb = col_reduce(r0, r1, ok, [&](i64 r) { return dout[r * C + col]; });
    if (!ok || threadIdx.y != 0) return;
    if (gridDim.y == 1) {
        dw[col] += sw;
        db[col] += sb;
    } else {
        part[i64(blockIdx.y) * 2 * C + col] = sw;
        part[i64(blockIdx.y) * 2 * C + C + col] = sb;
    }
}

// bias_grad: dbias[j] += Σ_r dout[r, j]; partial sums (R > 1) go to
// part[y·OC + j].
extern "C" __global__ void __launch_bounds__(GPT_COLS * GPT_COL_SLICES) bias_grad(float *dbias, float *part, const float *dout, i64 N, i64 OC,
                                     i64 rows) {
    const i64 col = i64(blockIdx.x) * GPT_COLS + threadIdx.x;
    const bool ok = col < OC;
    const i64 r0 = i64(blockIdx.y) * rows, r1 = min(N, r0 + rows);
    const float s = col_reduce(r0, r1, ok, [&](i64 r) { return dout[r * OC + col]; });
    if (!ok || threadIdx.y != 0) return;
    if (gridDim.y == 1) {
        dbias[col] += s;
    } else {
        part[i64(blockIdx.y) * OC + col] = s;
    }
}

// col_finish: dst[j] += Σ_{r<R} part[r·stride + j], r in order; grid-
// stride over n, block GPT_BLOCK.
extern "C" __global__ void __launch_bounds__(GPT_BLOCK) col_finish(float *dst, const float *part, i64 R, i64 n, i64 stride) {
    for (i64 j = i64(blockIdx.x) * blockDim.x + threadIdx.x; j < n;
         j += i64(gridDim.x) * blockDim.x) {
        float s = 0.0f;
        for (i64 r = 0; r < R; r++) s += part[r * stride + j];
        dst[j] += s;
    }
}

// add_bias: out[r, j] += bias[j], grid-stride over N·OC, block GPT_BLOCK.
extern "C" __global__ void __launch_bounds__(GPT_BLOCK) add_bias(float *out, const float *bias, i64 N, i64 OC) {
    const i64 n = N * OC;
    for (i64 i = i64(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += i64(gridDim.x) * blockDim.x) {
        out[i] += bias[i % OC];
    }
}

#define GELU_SCALE 0.7978845608028654f // sqrt(2/π)
#define GELU_CUBE 0.044715f

// gelu_fwd: the tanh approximation (GPT-2's gelu_new), grid-stride.
extern "C" __global__ void __launch_bounds__(GPT_BLOCK) gelu_fwd(float *out, const float *inp, i64 n) {
    for (i64 i = i64(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += i64(gridDim.x) * blockDim.x) {
        const float x = inp[i];
        out[i] = 0.5f * x * (1.0f + tanhf(GELU_SCALE * (x + GELU_CUBE * x * x * x)));
    }
}

// gelu_bwd: dinp = gelu'(inp)·dout (set, not accumulated), grid-stride.
extern "C" __global__ void __launch_bounds__(GPT_BLOCK) gelu_bwd(float *dinp, const float *inp, const float *dout, i64 n) {
    for (i64 i = i64(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += i64(gridDim.x) * blockDim.x) {
        const float x = inp[i];
        const float th = tanhf(GELU_SCALE * (x + GELU_CUBE * x * x * x));
        const float sech2 = 1.0f - th * th;
        const float local = 0.5f * (1.0f + th) +
                            0.5f * x * sech2 * GELU_SCALE * (1.0f + 3.0f * GELU_CUBE * x * x);
        dinp[i] = local * dout[i];
    }
}
