// Log-probabilities, the SFT and DPO losses, gradient norm and AdamW.
// CPU twins: gpu/gpt/logsoftmax.go, gpu/gpt/forward.go (Loss, LossGrad),
// gpu/loss.go (DPOLoss), gpu/adamw.go (ClipGradNorm, AdamW.Update).

// target_logprobs: per row of logits [N, V], lse = log Σ exp and
// logp = logit[target] − lse (0 where target < 0). One block of GPT_BLOCK
// threads per row, grid N; each thread keeps an online (max, sum) pair.
extern "C" __global__ void __launch_bounds__(GPT_BLOCK) target_logprobs(float *logp, float *lse, const float *logits,
                                           const int *targets, i64 N, i64 V) {
    __shared__ float ms[GPT_BLOCK], ss[GPT_BLOCK];
    const i64 r = blockIdx.x;
    const float *row = logits + r * V;
    float m = -INFINITY, s = 0.0f;
    for (i64 v = threadIdx.x; v < V; v += blockDim.x) {
        const float x = row[v];
        if (x > m) {
            s = s * expf(m - x) + 1.0f;
            m = x;
        } else {
            s += expf(x - m);
        }
    }
    const int tid = threadIdx.x;
    ms[tid] = m;
    ss[tid] = s;
    __syncthreads();
    for (int st = GPT_BLOCK / 2; st > 0; st >>= 1) {
        if (tid < st) {
            const float m2 = ms[tid + st], s2 = ss[tid + st], m1 = ms[tid];
            const float mm = fmaxf(m1, m2);
            float t = 0.0f;
            if (mm != -INFINITY) {
                t = ss[tid] * expf(m1 - mm) + s2 * expf(m2 - mm);
            }
            ms[tid] = mm;
            ss[tid] = t;
        }
        __syncthreads();
    }
    if (tid == 0) {
        const float l = ms[0] + logf(ss[0]);
        lse[r] = l;
        const int tg = targets[r];
        logp[r] = tg >= 0 ? row[tg] - l : 0.0f;
    }
}

// target_logprobs_bwd: dlogits[r, v] = dlogp[r]·([v = target] − softmax_v)
// (set; zero rows where the target is < 0 or dlogp is 0). Block GPT_BLOCK
// per row, grid N.
extern "C" __global__ void __launch_bounds__(GPT_BLOCK) target_logprobs_bwd(float *dlogits, const float *dlogp,
                                               const float *logits, const float *lse,
                                               const int *targets, i64 N, i64 V) {
    const i64 r = blockIdx.x;
    const int tg = targets[r];
    const float g = dlogp[r], l = lse[r];
    float *d = dlogits + r * V;
    const float *row = logits + r * V;
    const bool zero = tg < 0 || g == 0.0f;
    for (i64 v = threadIdx.x; v < V; v += blockDim.x) {
        if (zero) {
            d[v] = 0.0f;
        } else {
            const float x = -g * expf(row[v] - l);
            d[v] = v == tg ? x + g : x;
        }
    }
}

// seq_sums: out[b] = Σ_t logp[b, t] over scored positions (target ≥ 0),
// in float64. One block of GPT_BLOCK threads per sequence, grid B.
extern "C" __global__ void __launch_bounds__(GPT_BLOCK) seq_sums(double *out, const float *logp, const int *targets, i64 B,
                                    i64 T) {
    const i64 b = blockIdx.x;
    double s = 0.0;
    for (i64 t = threadIdx.x; t < T; t += blockDim.x) {
        if (targets[b * T + t] >= 0) s += double(logp[b * T + t]);
    }
    s = block_sum_f64(s);
    if (threadIdx.x == 0) out[b] = s;
}

// sft_loss: loss[0] = −mean of logp over scored positions (float32, 0 when
// none), dlogp = −1/n there and 0 elsewhere (set). One block of 1024
// threads.
extern "C" __global__ void __launch_bounds__(1024) sft_loss(float *loss, float *dlogp, const float *logp,
                                    const int *targets, i64 N) {
    double s = 0.0, c = 0.0;
    for (i64 i = threadIdx.x; i < N; i += blockDim.x) {
        if (targets[i] >= 0) {
            s -= double(logp[i]);
            c += 1.0;
        }
    }
    s = block_sum_f64(s);
    c = block_sum_f64(c);
    const float g = c > 0 ? -1.0f / float(c) : 0.0f;
    for (i64 i = threadIdx.x; i < N; i += blockDim.x) {
        dlogp[i] = targets[i] >= 0 ? g : 0.0f;
    }
    if (threadIdx.x == 0) loss[0] = c > 0 ? float(s / c) : 0.0f;
}

__device__ __forceinline__ double sigmoid_f64(double x) {
    if (x >= 0) return 1.0 / (1.0 + exp(-x));
    const double e = exp(x);
    return e / (1.0 + e);
}

__device__ __forceinline__ double log_sigmoid_f64(double x) {
    return fmin(x, 0.0) - log1p(exp(-fabs(x)));
}

#define DPO_SIGMOID 0
#define DPO_IPO 1
#define DPO_HINGE 2
#define DPO_METRICS 8

// dpo_loss: gpu.DPOLoss on the device, in float64. Inputs are the
// per-pair summed log-probs (float64 [pairs] each). dseq [2·pairs] gets
// dloss/dlogπ(chosen) in [0, pairs) and dloss/dlogπ(rejected) in
// [pairs, 2·pairs). metrics [DPO_METRICS]: loss, rewards/chosen,
// rewards/rejected, rewards/accuracies, rewards/margins, logps/chosen,
// logps/rejected, 0 (means over the pairs). One block of 256 threads.
extern "C" __global__ void __launch_bounds__(256) dpo_loss(double *metrics, double *dseq, const double *polC,
                                    const double *polR, const double *refC, const double *refR,
                                    i64 pairs, double beta, double eps, i64 kind) {
    double acc[7] = {0, 0, 0, 0, 0, 0, 0};
    const double inv = 1.0 / double(pairs);
    for (i64 i = threadIdx.x; i < pairs; i += blockDim.x) {
        const double rc = polC[i] - refC[i], rr = polR[i] - refR[i], d = rc - rr;
        double loss = 0.0, dd = 0.0;
        if (kind == DPO_IPO) {
            const double u = d - 1.0 / (2.0 * beta);
            loss = u * u;
            dd = 2.0 * u;
        } else if (kind == DPO_HINGE) {
            const double u = 1.0 - beta * d;
            if (u > 0) {
                loss = u;
                dd = -beta;
            }
        } else {
            const double x = beta * d;
            loss = -(1.0 - eps) * log_sigmoid_f64(x) - eps * log_sigmoid_f64(-x);
            dd = beta * (-(1.0 - eps) * sigmoid_f64(-x) + eps * sigmoid_f64(x));
        }
        dseq[i] = dd * inv;
        dseq[pairs + i] = -dd * inv;
        acc[0] += loss * inv;
        acc[1] += beta * rc * inv;
        acc[2] += beta * rr * inv;
        acc[3] += rc > rr ? inv : 0.0;
        acc[4] += beta * d * inv;
        acc[5] += polC[i] * inv;
        acc[6] += polR[i] * inv;
    }
    for (int k = 0; k < 7; k++) {
        const double s = block_sum_f64(acc[k]);
        if (threadIdx.x == 0) metrics[k] = s;
    }
    if (threadIdx.x == 0) metrics[7] = 0.0;
}

// scatter_seq_grad: dlogp[b, t] = dseq[b] where target ≥ 0, else 0 (set).
// Grid-stride over B·T, block GPT_BLOCK.
extern "C" __global__ void __launch_bounds__(GPT_BLOCK) scatter_seq_grad(float *dlogp, const double *dseq, const int *targets,
                                            i64 B, i64 T) {
    const i64 n = B * T;
    for (i64 i = i64(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += i64(gridDim.x) * blockDim.x) {
        dlogp[i] = targets[i] >= 0 ? float(dseq[i / T]) : 0.0f;
    }
}

// sum_squares_partial: part[block] = Σ x² over the block's grid-stride
// share, float64. Grid GPT_SUMSQ_BLOCKS, block GPT_BLOCK.
extern "C" __global__ void __launch_bounds__(GPT_BLOCK) sum_squares_partial(double *part, const float *x, i64 n) {
    double s = 0.0;
    for (i64 i = i64(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += i64(gridDim.x) * blockDim.x) {
        const double v = x[i];
        s += v * v;
    }
    s = block_sum_f64(s);
    if (threadIdx.x == 0) part[blockIdx.x] = s;
}

// sum_squares_final: out[0] = Σ part[0..nparts), one block of GPT_BLOCK.
extern "C" __global__ void __launch_bounds__(GPT_BLOCK) sum_squares_final(double *out, const double *part, i64 nparts) {
    double s = 0.0;
    for (i64 i = threadIdx.x; i < nparts; i += blockDim.x) s += part[i];
    s = block_sum_f64(s);
    if (threadIdx.x == 0) out[0] = s;
}

// adamw: gpu.AdamW.Update on n parameters, with the gradient scaled by
// maxNorm/‖g‖ when norm_sq (a float64 Σ g² from sum_squares; may be null
// for no clipping) says the norm exceeds maxNorm > 0, as ClipGradNorm.
// lrc = lr/(1−β1^step), ic2 = 1/(1−β2^step), wd = lr·weight decay,
// applied where decay[i] ≠ 0. Grid-stride, block GPT_BLOCK.
extern "C" __global__ void __launch_bounds__(GPT_BLOCK) adamw(float *p, const float *g, float *m, float *v,
                                 const unsigned char *decay, i64 n, double b1_, double b2_,
                                 double eps_, double wd_, double lrc_, double ic2_,
                                 double max_norm, const double *norm_sq) {
    const float b1 = float(b1_), b2 = float(b2_), eps = float(eps_), wd = float(wd_);
    const float lrc = float(lrc_), ic2 = float(ic2_);
    float sc = 1.0f;
    bool clip = false;
    if (norm_sq != nullptr && max_norm > 0) {
        const double norm = sqrt(*norm_sq);
        if (norm > max_norm) {
            sc = float(max_norm / norm);
            clip = true;
        }
    }
    for (i64 i = i64(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += i64(gridDim.x) * blockDim.x) {
        const float gi = clip ? g[i] * sc : g[i];
        const float mi = b1 * m[i] + (1.0f - b1) * gi;
        const float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        float pi = p[i];
        if (decay[i]) pi -= wd * pi;
        p[i] = pi - lrc * mi / (sqrtf(vi * ic2) + eps);
    }
}
