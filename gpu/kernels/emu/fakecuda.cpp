// A fake libcuda.so.1 for checking the CUDA backend without a GPU.
//
// It implements the driver-API calls gpu/cuda.go and gpu/cudagpt make,
// with "device" memory in host memory and kernel launches running
// kernels.cu and gpt.cu compiled for the host (dialect.h, fibers.h). Every
// other libcuda entry point is a generated stub returning
// CUDA_ERROR_NOT_SUPPORTED (run.sh).
//
// The device reports compute capability FAKECUDA_CC (default 8.0, so the
// tensor-core gemm runs; 6.0 exercises the compute_60 module) and
// FAKECUDA_MEM bytes of memory (default 16 GiB), which cuMemAlloc enforces
// and cuMemGetInfo reports.
//
// Beyond computing the same numbers, it checks what a real driver would
// refuse or what would corrupt results silently on a GPU:
//   - a context is current per OS thread: every call made on a thread
//     without the context fails with CUDA_ERROR_INVALID_CONTEXT (so Go code
//     that lets CUDA calls wander across threads fails here too);
//   - copies and kernel pointer arguments must lie inside live allocations;
//     a kernel given a pointer outside them fails with
//     CUDA_ERROR_ILLEGAL_ADDRESS, and like a failed kernel on a GPU that
//     error is sticky: every later call of the process, creating a new
//     context included, fails with it (a GPU's context is lost; only a
//     new process gets a working one);
//   - fresh allocations are filled with NaN, so reading memory that was
//     never written shows up in the results;
//   - launch limits: at most 1024 threads a block, grid y and z ≤ 65535,
//     and no more threads than the entry's .maxntid (__launch_bounds__);
//   - the PTX image handed to cuModuleLoadData must declare each entry
//     point the program asks for (".entry name("), and a PTX whose
//     .target is newer than the device is refused, as the JIT would;
//   - every thread of a block must reach the same __syncthreads calls,
//     and the threads run between barriers in an order chosen by
//     FAKECUDA_SCHEDULE, so a missing barrier tends to change the results;
//   - warp collectives (shuffles, __syncwarp, mma.sync) must be reached by
//     every lane their mask names, and exchange values only there: the
//     m16n8k8 TF32 mma is computed from the documented fragment layout,
//     so a wrong fragment index gives wrong numbers here as on a GPU.
//
// What it cannot check: timing, occupancy, shared-memory bank conflicts,
// memory coalescing, register spills, the PTX itself (the host compiles
// the CUDA C; ptxas in gen.sh checks the PTX), races between blocks (they
// run one after another) and intra-warp races between collectives.

#include <cuda.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <sys/mman.h>
#include <type_traits>
#include <utility>
#include <vector>

#include "dialect.h"

#include "../kernels.cu"
#include "../gpt.cu"

#include "fibers.h"

// --- driver state -------------------------------------------------------

namespace {

struct FakeCtx {
    int magic = 0x637478;
};
struct Kernel;

// A function handle: the host kernel plus what the PTX says about it.
struct FakeFunction {
    const Kernel *k;
    unsigned maxntid; // the entry's .maxntid (__launch_bounds__), 0 if none
};

struct FakeModule {
    std::string image;
    std::map<std::string, FakeFunction> fns;
};

// device_cc is FAKECUDA_CC as major·10 + minor ("8.0" → 80).
int device_cc() {
    static const int cc = [] {
        const char *e = getenv("FAKECUDA_CC");
        if (e == nullptr) return 80;
        int major = 0, minor = 0;
        if (sscanf(e, "%d.%d", &major, &minor) < 1 || major < 3 || major > 12) {
            fprintf(stderr, "fakecuda: FAKECUDA_CC=%s: want e.g. 8.0\n", e);
            abort();
        }
        return major * 10 + minor;
    }();
    return cc;
}

size_t device_mem() {
    static const size_t mem = [] {
        const char *e = getenv("FAKECUDA_MEM");
        return e == nullptr ? size_t(16) << 30 : size_t(strtoull(e, nullptr, 10));
    }();
    return mem;
}
struct Kernel {
    const char *name;
    int nparams;
    unsigned ptr_mask; // bit i: parameter i is a device pointer
    void (*invoke)(void **);
};

// The launch table is derived from the kernels' own signatures: each
// parameter is read as its declared type from the 8 bytes the driver
// copied, and every parameter must be 8 bytes wide (the cu convention).
template <typename... A> constexpr int nargs(void (*)(A...)) { return int(sizeof...(A)); }
template <typename... A> constexpr bool all64(void (*)(A...)) { return ((sizeof(A) == 8) && ...); }
template <typename... A> constexpr unsigned ptrmask(void (*)(A...)) {
    unsigned m = 0, i = 0;
    ((m |= (std::is_pointer_v<A> ? 1u << i : 0u), i++), ...);
    return m;
}
template <typename... A, size_t... I>
void call(void (*f)(A...), void **p, std::index_sequence<I...>) {
    f(*static_cast<A *>(p[I])...);
}
template <auto F> void invoke(void **p) {
    call(F, p, std::make_index_sequence<size_t(nargs(F))>{});
}
template <auto F> constexpr int checked_nargs() {
    static_assert(all64(F), "every kernel parameter must be 64 bits wide");
    return nargs(F);
}
#define KERNEL(f)                                                                                  \
    Kernel { #f, checked_nargs<f>(), ptrmask(f), invoke<f> }

const Kernel kernels[] = {
    KERNEL(gemm_f64), KERNEL(add_bias_f64), KERNEL(tanh_f64), KERNEL(tanh_backward_f64),
    KERNEL(log_softmax_rows_f64),
    // gpt.cu
    KERNEL(gemm_f32), KERNEL(gemm_tf32), KERNEL(gemm_tf32_big), KERNEL(gemm_tf32_db), KERNEL(gemm_tf32_db_v), KERNEL(gemm_tf32_db_v2),
    KERNEL(gemm_tf32_dbw_v), KERNEL(gemm_tf32_db64_v), KERNEL(encoder_fwd), KERNEL(encoder_bwd_wpe),
    KERNEL(encoder_bwd_wte), KERNEL(layernorm_fwd), KERNEL(layernorm_bwd_dinp),
    KERNEL(layernorm_bwd_dwdb), KERNEL(add_bias), KERNEL(bias_grad), KERNEL(gelu_fwd),
    KERNEL(gelu_bwd), KERNEL(attention_fwd), KERNEL(attention_bwd_dkdv),
    KERNEL(attention_bwd_dq), KERNEL(attention_fwd_hs64), KERNEL(attention_bwd_dkdv_hs64), KERNEL(attention_bwd_dq_hs64), KERNEL(attention_bwd_dkdv_tc), KERNEL(attention_bwd_dq_tc), KERNEL(attention_fwd_tc), KERNEL(attention_decode), KERNEL(target_logprobs),
    KERNEL(target_logprobs_bwd), KERNEL(seq_sums), KERNEL(sft_loss), KERNEL(dpo_loss),
    KERNEL(scatter_seq_grad), KERNEL(sum_squares_partial), KERNEL(sum_squares_final),
    KERNEL(adamw), KERNEL(col_finish),
};

std::mutex mu; // guards everything below
bool initialised = false;
std::map<uintptr_t, size_t> allocs; // base → bytes
size_t allocated = 0;
thread_local FakeCtx *cur_ctx = nullptr;

bool verbose() {
    static const bool v = getenv("FAKECUDA_VERBOSE") != nullptr;
    return v;
}

void complain(const char *call, const std::string &what) {
    fprintf(stderr, "fakecuda: %s: %s\n", call, what.c_str());
}

// inside reports whether [p, p+n) lies in one live allocation.
bool inside(uintptr_t p, size_t n) {
    auto it = allocs.upper_bound(p);
    if (it == allocs.begin()) {
        return false;
    }
    --it;
    return p >= it->first && p + n <= it->first + it->second;
}

} // namespace

// sticky is the error of the first kernel that faulted (CUDA_SUCCESS
// until then), returned by every later call as a GPU's driver does.
static CUresult sticky = CUDA_SUCCESS;

#define API extern "C" __attribute__((visibility("default")))
#define NEED_CTX(call)                                                         \
    do {                                                                       \
        if (!initialised) return CUDA_ERROR_NOT_INITIALIZED;                   \
        if (sticky != CUDA_SUCCESS) return sticky;                             \
        if (cur_ctx == nullptr) {                                              \
            complain(call, "no current context on this OS thread");            \
            return CUDA_ERROR_INVALID_CONTEXT;                                 \
        }                                                                      \
    } while (0)

API CUresult cuInit(unsigned int flags) {
    std::lock_guard<std::mutex> g(mu);
    if (flags != 0) return CUDA_ERROR_INVALID_VALUE;
    initialised = true;
    return CUDA_SUCCESS;
}

API CUresult cuDriverGetVersion(int *v) {
    *v = 11080;
    return CUDA_SUCCESS;
}

API CUresult cuDeviceGetCount(int *n) {
    if (!initialised) return CUDA_ERROR_NOT_INITIALIZED;
    *n = 1;
    return CUDA_SUCCESS;
}

API CUresult cuDeviceGet(CUdevice *d, int ordinal) {
    if (!initialised) return CUDA_ERROR_NOT_INITIALIZED;
    if (ordinal != 0) return CUDA_ERROR_INVALID_DEVICE;
    *d = 0;
    return CUDA_SUCCESS;
}

API CUresult cuDeviceGetName(char *name, int len, CUdevice d) {
    if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
    snprintf(name, size_t(len), "fakecuda emulator");
    return CUDA_SUCCESS;
}

API CUresult cuDeviceGetAttribute(int *pi, CUdevice_attribute attr, CUdevice d) {
    if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
    switch (attr) {
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *pi = device_cc() / 10; break;
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *pi = device_cc() % 10; break;
    case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *pi = 4; break;
    case CU_DEVICE_ATTRIBUTE_WARP_SIZE: *pi = kWarp; break;
    case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *pi = kMaxThreads; break;
    default: *pi = 0;
    }
    return CUDA_SUCCESS;
}

API CUresult cuCtxCreate(CUcontext *pctx, unsigned int flags, CUdevice d) {
    std::lock_guard<std::mutex> g(mu);
    if (!initialised) return CUDA_ERROR_NOT_INITIALIZED;
    if (sticky != CUDA_SUCCESS) return sticky;
    if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
    auto *c = new FakeCtx;
    cur_ctx = c;
    *pctx = reinterpret_cast<CUcontext>(c);
    if (verbose()) fprintf(stderr, "fakecuda: context %p (flags %#x)\n", (void *)c, flags);
    return CUDA_SUCCESS;
}

API CUresult cuCtxDestroy(CUcontext ctx) {
    std::lock_guard<std::mutex> g(mu);
    auto *c = reinterpret_cast<FakeCtx *>(ctx);
    if (c == nullptr || c->magic != 0x637478) return CUDA_ERROR_INVALID_CONTEXT;
    if (cur_ctx == c) cur_ctx = nullptr;
    c->magic = 0;
    delete c;
    return CUDA_SUCCESS;
}

API CUresult cuCtxSynchronize(void) {
    std::lock_guard<std::mutex> g(mu);
    NEED_CTX("cuCtxSynchronize");
    return CUDA_SUCCESS;
}

API CUresult cuModuleLoadData(CUmodule *m, const void *image) {
    std::lock_guard<std::mutex> g(mu);
    NEED_CTX("cuModuleLoadData");
    std::string img(static_cast<const char *>(image));
    if (img.find(".version") == std::string::npos || img.find(".target") == std::string::npos) {
        complain("cuModuleLoadData", "image is not PTX text");
        return CUDA_ERROR_INVALID_PTX;
    }
    // ".target sm_XY": the JIT refuses PTX for a newer architecture.
    const size_t t = img.find(".target sm_");
    if (t != std::string::npos && atoi(img.c_str() + t + 11) > device_cc()) {
        complain("cuModuleLoadData", "PTX " + img.substr(t, 13) + " is newer than the device");
        return CUDA_ERROR_NO_BINARY_FOR_GPU;
    }
    *m = reinterpret_cast<CUmodule>(new FakeModule{img});
    return CUDA_SUCCESS;
}

API CUresult cuModuleUnload(CUmodule m) {
    std::lock_guard<std::mutex> g(mu);
    NEED_CTX("cuModuleUnload");
    delete reinterpret_cast<FakeModule *>(m);
    return CUDA_SUCCESS;
}

API CUresult cuModuleGetFunction(CUfunction *f, CUmodule m, const char *name) {
    std::lock_guard<std::mutex> g(mu);
    NEED_CTX("cuModuleGetFunction");
    auto *mod = reinterpret_cast<FakeModule *>(m);
    if (mod->image.find(std::string(".entry ") + name + "(") == std::string::npos) {
        complain("cuModuleGetFunction", std::string("the PTX has no entry ") + name);
        return CUDA_ERROR_NOT_FOUND;
    }
    for (const Kernel &k : kernels) {
        if (strcmp(k.name, name) == 0) {
            // .maxntid x, y, z sits between the parameter list and the body.
            const size_t at = mod->image.find(std::string(".entry ") + name + "(");
            const size_t body = mod->image.find('{', at);
            const size_t mx = mod->image.find(".maxntid", at);
            unsigned x = 0, y = 1, z = 1;
            if (mx != std::string::npos && mx < body) {
                sscanf(mod->image.c_str() + mx, ".maxntid %u, %u, %u", &x, &y, &z);
            }
            FakeFunction &fn = mod->fns[name];
            fn = {&k, x * y * z};
            *f = reinterpret_cast<CUfunction>(&fn);
            return CUDA_SUCCESS;
        }
    }
    complain("cuModuleGetFunction", std::string("the emulator has no kernel ") + name);
    return CUDA_ERROR_NOT_FOUND;
}

API CUresult cuMemAlloc(CUdeviceptr *p, size_t bytes) {
    std::lock_guard<std::mutex> g(mu);
    NEED_CTX("cuMemAlloc");
    if (bytes == 0) return CUDA_ERROR_INVALID_VALUE;
    if (bytes > device_mem() - allocated) return CUDA_ERROR_OUT_OF_MEMORY;
    void *mem = malloc(bytes);
    if (mem == nullptr) return CUDA_ERROR_OUT_OF_MEMORY;
    memset(mem, 0xff, bytes); // NaN in every double and float
    allocs[reinterpret_cast<uintptr_t>(mem)] = bytes;
    allocated += bytes;
    *p = reinterpret_cast<CUdeviceptr>(mem);
    return CUDA_SUCCESS;
}

API CUresult cuMemFree(CUdeviceptr p) {
    std::lock_guard<std::mutex> g(mu);
    NEED_CTX("cuMemFree");
    auto it = allocs.find(uintptr_t(p));
    if (it == allocs.end()) {
        complain("cuMemFree", "not an allocation");
        return CUDA_ERROR_INVALID_VALUE;
    }
    allocated -= it->second;
    allocs.erase(it);
    free(reinterpret_cast<void *>(p));
    return CUDA_SUCCESS;
}

API CUresult cuMemcpyHtoD(CUdeviceptr dst, const void *src, size_t n) {
    std::lock_guard<std::mutex> g(mu);
    NEED_CTX("cuMemcpyHtoD");
    if (!inside(uintptr_t(dst), n)) {
        complain("cuMemcpyHtoD", "destination outside any allocation");
        return CUDA_ERROR_INVALID_VALUE;
    }
    memcpy(reinterpret_cast<void *>(dst), src, n);
    return CUDA_SUCCESS;
}

API CUresult cuMemcpyDtoH(void *dst, CUdeviceptr src, size_t n) {
    std::lock_guard<std::mutex> g(mu);
    NEED_CTX("cuMemcpyDtoH");
    if (!inside(uintptr_t(src), n)) {
        complain("cuMemcpyDtoH", "source outside any allocation");
        return CUDA_ERROR_INVALID_VALUE;
    }
    memcpy(dst, reinterpret_cast<const void *>(src), n);
    return CUDA_SUCCESS;
}

API CUresult cuMemGetInfo(size_t *free_, size_t *total) {
    std::lock_guard<std::mutex> g(mu);
    NEED_CTX("cuMemGetInfo");
    *free_ = device_mem() - allocated;
    *total = device_mem();
    return CUDA_SUCCESS;
}

API CUresult cuMemcpyDtoD(CUdeviceptr dst, CUdeviceptr src, size_t n) {
    std::lock_guard<std::mutex> g(mu);
    NEED_CTX("cuMemcpyDtoD");
    if (!inside(uintptr_t(dst), n) || !inside(uintptr_t(src), n)) {
        complain("cuMemcpyDtoD", "source or destination outside any allocation");
        return CUDA_ERROR_INVALID_VALUE;
    }
    memmove(reinterpret_cast<void *>(dst), reinterpret_cast<const void *>(src), n);
    return CUDA_SUCCESS;
}

API CUresult cuMemsetD8(CUdeviceptr dst, unsigned char v, size_t n) {
    std::lock_guard<std::mutex> g(mu);
    NEED_CTX("cuMemsetD8");
    if (!inside(uintptr_t(dst), n)) {
        complain("cuMemsetD8", "destination outside any allocation");
        return CUDA_ERROR_INVALID_VALUE;
    }
    memset(reinterpret_cast<void *>(dst), v, n);
    return CUDA_SUCCESS;
}

API CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                            unsigned by, unsigned bz, unsigned shmem, CUstream stream,
                            void **params, void **extra) {
    std::lock_guard<std::mutex> g(mu);
    NEED_CTX("cuLaunchKernel");
    const auto *fn = reinterpret_cast<const FakeFunction *>(f);
    const Kernel *k = fn->k;
    if (extra != nullptr || params == nullptr) {
        complain("cuLaunchKernel", "expected kernelParams and no extra");
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (stream != nullptr || shmem != 0) {
        complain("cuLaunchKernel", "expected the default stream and no dynamic shared memory");
        return CUDA_ERROR_INVALID_VALUE;
    }
    const unsigned long long threads = (unsigned long long)bx * by * bz;
    if (gx == 0 || gy == 0 || gz == 0 || threads == 0 || threads > kMaxThreads || bz > 64 ||
        gx > 0x7fffffffu || gy > 65535 || gz > 65535) {
        complain("cuLaunchKernel", std::string(k->name) + ": launch dimensions out of range");
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (fn->maxntid != 0 && threads > fn->maxntid) {
        complain("cuLaunchKernel", std::string(k->name) + ": " + std::to_string(threads) +
                                       " threads a block, over its __launch_bounds__ (.maxntid " +
                                       std::to_string(fn->maxntid) + ")");
        return CUDA_ERROR_INVALID_VALUE;
    }
    for (int i = 0; i < k->nparams; i++) {
        if ((k->ptr_mask >> i & 1) == 0) continue;
        uintptr_t p = *static_cast<uintptr_t *>(params[i]);
        if (p != 0 && !inside(p, 1)) {
            complain("cuLaunchKernel", std::string(k->name) + ": pointer argument " +
                                           std::to_string(i) + " is not device memory");
            sticky = CUDA_ERROR_ILLEGAL_ADDRESS;
            return sticky;
        }
    }
    if (verbose()) {
        fprintf(stderr, "fakecuda: %s grid (%u,%u,%u) block (%u,%u,%u)\n", k->name, gx, gy, gz,
                bx, by, bz);
    }
    // Copy the argument values, as the driver does at launch.
    uint64_t vals[16];
    void *ptrs[16];
    for (int i = 0; i < k->nparams; i++) {
        vals[i] = *static_cast<uint64_t *>(params[i]);
        ptrs[i] = &vals[i];
    }
    std::string err = run(k->invoke, ptrs, dim3{gx, gy, gz}, dim3{bx, by, bz});
    if (!err.empty()) {
        complain("cuLaunchKernel", std::string(k->name) + ": " + err);
        sticky = CUDA_ERROR_LAUNCH_FAILED;
        return sticky;
    }
    return CUDA_SUCCESS;
}
