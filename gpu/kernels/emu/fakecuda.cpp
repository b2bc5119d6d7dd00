// A fake libcuda.so.1 for checking the CUDA backend without a GPU.
//
// It implements the dozen driver-API calls gpu/cuda.go makes, with
// "device" memory in host memory and kernel launches running kernels.cu
// compiled for the host (cuda_emu.h). Every other libcuda entry point is a
// generated stub returning CUDA_ERROR_NOT_SUPPORTED (run.sh).
//
// Beyond computing the same numbers, it checks what a real driver would
// refuse or what would corrupt results silently on a GPU:
//   - a context is current per OS thread: every call made on a thread
//     without the context fails with CUDA_ERROR_INVALID_CONTEXT (so Go code
//     that lets CUDA calls wander across threads fails here too);
//   - copies and kernel pointer arguments must lie inside live allocations;
//   - fresh allocations are filled with NaN, so reading memory that was
//     never written shows up in the results;
//   - launch limits: at most 1024 threads a block, grid y and z ≤ 65535;
//   - the PTX image handed to cuModuleLoadData must declare each entry
//     point the program asks for (".entry name(");
//   - every thread of a block must reach the same __syncthreads calls,
//     and the threads run between barriers in an order chosen by
//     FAKECUDA_SCHEDULE, so a missing barrier tends to change the results.
//
// Threads of a block are fibers on one OS thread, switched at
// __syncthreads by a tiny hand-written x86-64 context switch: blocks run
// one after another, threads of a block round-robin between barriers.

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
#include <vector>

// --- the CUDA C dialect, fiber flavour ---------------------------------

struct dim3 {
    unsigned int x = 1, y = 1, z = 1;
};
static dim3 threadIdx, blockIdx, blockDim, gridDim;
static void emu_syncthreads();

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
#define __restrict__ __restrict
#define __syncthreads() emu_syncthreads()

#include "../kernels.cu"

// --- fibers -------------------------------------------------------------

extern "C" void emu_switch(void **save_sp, void *new_sp);
asm(R"(
.text
.globl emu_switch
.hidden emu_switch
.type emu_switch,@function
emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
.size emu_switch, .-emu_switch
)");

namespace {

constexpr size_t kStack = 128 << 10;
constexpr int kMaxThreads = 1024;

enum class State { Ready, AtBarrier, Done };

struct Fiber {
    void *sp = nullptr;
    char *stack = nullptr;
    State state = State::Ready;
    dim3 tid;
};

struct Launch {
    void (*body)(void **);
    void **params;
};

Fiber fibers[kMaxThreads];
void *sched_sp;
int current = -1;
Launch launch_now;
bool fibers_made = false;
int nfibers = 0;

[[noreturn]] void fiber_main() {
    for (;;) {
        launch_now.body(launch_now.params);
        fibers[current].state = State::Done;
        emu_switch(&fibers[current].sp, sched_sp);
    }
}

void make_fibers() {
    for (int i = 0; i < kMaxThreads; i++) {
        void *mem = mmap(nullptr, kStack, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (mem == MAP_FAILED) {
            perror("fakecuda: mmap");
            abort();
        }
        fibers[i].stack = static_cast<char *>(mem);
    }
    fibers_made = true;
}

void reset_fiber(Fiber &f) {
    // Stack, top down: a zero fake return address (so fiber_main starts
    // with rsp ≡ 8 mod 16 like any called function), fiber_main's address
    // for emu_switch's ret, then the six callee-saved registers it pops.
    auto *top = reinterpret_cast<uintptr_t *>(f.stack + kStack);
    top[-1] = 0;
    top[-2] = reinterpret_cast<uintptr_t>(&fiber_main);
    f.sp = top - 8;
    f.state = State::Ready;
}

// The order in which a round resumes the threads of a block, from
// FAKECUDA_SCHEDULE: forward (threadIdx order), reverse, or random (the
// default; a fixed seed, so runs repeat). A kernel missing a
// __syncthreads usually computes wrong numbers under one of them.
enum class Schedule { Forward, Reverse, Random };
std::vector<int> order;
std::mt19937 order_rng(1);

Schedule schedule() {
    static const Schedule s = [] {
        const char *e = getenv("FAKECUDA_SCHEDULE");
        if (e == nullptr || strcmp(e, "random") == 0) return Schedule::Random;
        if (strcmp(e, "forward") == 0) return Schedule::Forward;
        if (strcmp(e, "reverse") == 0) return Schedule::Reverse;
        fprintf(stderr, "fakecuda: FAKECUDA_SCHEDULE=%s: want forward, reverse or random\n", e);
        abort();
    }();
    return s;
}

void next_order() {
    if (int(order.size()) != nfibers) {
        order.resize(size_t(nfibers));
        for (int i = 0; i < nfibers; i++) {
            order[size_t(i)] = schedule() == Schedule::Reverse ? nfibers - 1 - i : i;
        }
    }
    if (schedule() == Schedule::Random) {
        std::shuffle(order.begin(), order.end(), order_rng);
    }
}

// run executes one grid; it returns an error message or "".
std::string run(void (*body)(void **), void **params, dim3 grid, dim3 block) {
    if (!fibers_made) {
        make_fibers();
    }
    nfibers = int(block.x * block.y * block.z);
    gridDim = grid;
    blockDim = block;
    launch_now = {body, params};
    for (int i = 0; i < nfibers; i++) {
        fibers[i].tid = {unsigned(i) % block.x, (unsigned(i) / block.x) % block.y,
                         unsigned(i) / (block.x * block.y)};
    }
    for (unsigned bz = 0; bz < grid.z; bz++)
        for (unsigned by = 0; by < grid.y; by++)
            for (unsigned bx = 0; bx < grid.x; bx++) {
                blockIdx = {bx, by, bz};
                for (int i = 0; i < nfibers; i++) {
                    reset_fiber(fibers[i]);
                }
                for (;;) { // one round: every live fiber to its next barrier
                    int done = 0, waiting = 0;
                    next_order();
                    for (int i : order) {
                        if (fibers[i].state == State::Done) {
                            done++;
                            continue;
                        }
                        current = i;
                        threadIdx = fibers[i].tid;
                        fibers[i].state = State::Ready;
                        emu_switch(&sched_sp, fibers[i].sp);
                        if (fibers[i].state == State::Done) {
                            done++;
                        } else {
                            waiting++;
                        }
                    }
                    current = -1;
                    if (waiting == 0) {
                        break;
                    }
                    if (done > 0) {
                        // Fibers stuck at a barrier can never be resumed
                        // correctly; their stacks are simply reset by the
                        // next launch.
                        return "divergent __syncthreads: " + std::to_string(waiting) +
                               " threads wait at a barrier that " + std::to_string(done) +
                               " finished threads never reach";
                    }
                }
            }
    return "";
}

} // namespace

static void emu_syncthreads() {
    asm volatile("" ::: "memory");
    fibers[current].state = State::AtBarrier;
    emu_switch(&fibers[current].sp, sched_sp);
    asm volatile("" ::: "memory");
}

// --- driver state -------------------------------------------------------

namespace {

struct FakeCtx {
    int magic = 0x637478;
};
struct FakeModule {
    std::string image;
};
struct Kernel {
    const char *name;
    int nparams;
    unsigned ptr_mask; // bit i: parameter i is a device pointer
    void (*invoke)(void **);
};

template <typename T> T arg(void **p, int i) { return *static_cast<T *>(p[i]); }

void inv_gemm(void **p) {
    gemm_f64(arg<long long>(p, 0), arg<long long>(p, 1), arg<long long>(p, 2),
             arg<long long>(p, 3), arg<long long>(p, 4), arg<double>(p, 5),
             arg<const double *>(p, 6), arg<const double *>(p, 7), arg<double>(p, 8),
             arg<double *>(p, 9));
}
void inv_bias(void **p) {
    add_bias_f64(arg<long long>(p, 0), arg<long long>(p, 1), arg<double *>(p, 2),
                 arg<const double *>(p, 3));
}
void inv_tanh(void **p) { tanh_f64(arg<long long>(p, 0), arg<double *>(p, 1)); }
void inv_tanh_bw(void **p) {
    tanh_backward_f64(arg<long long>(p, 0), arg<const double *>(p, 1), arg<double *>(p, 2));
}
void inv_logsm(void **p) {
    log_softmax_rows_f64(arg<long long>(p, 0), arg<long long>(p, 1), arg<double *>(p, 2));
}

const Kernel kernels[] = {
    {"gemm_f64", 10, (1u << 6) | (1u << 7) | (1u << 9), inv_gemm},
    {"add_bias_f64", 4, (1u << 2) | (1u << 3), inv_bias},
    {"tanh_f64", 2, 1u << 1, inv_tanh},
    {"tanh_backward_f64", 3, (1u << 1) | (1u << 2), inv_tanh_bw},
    {"log_softmax_rows_f64", 3, 1u << 2, inv_logsm},
};

std::mutex mu; // guards everything below
bool initialised = false;
std::map<uintptr_t, size_t> allocs; // base → bytes
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

#define API extern "C" __attribute__((visibility("default")))
#define NEED_CTX(call)                                                         \
    do {                                                                       \
        if (!initialised) return CUDA_ERROR_NOT_INITIALIZED;                   \
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
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *pi = 6; break;
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *pi = 0; break;
    case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *pi = kMaxThreads; break;
    default: *pi = 0;
    }
    return CUDA_SUCCESS;
}

API CUresult cuCtxCreate(CUcontext *pctx, unsigned int flags, CUdevice d) {
    std::lock_guard<std::mutex> g(mu);
    if (!initialised) return CUDA_ERROR_NOT_INITIALIZED;
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
            *f = reinterpret_cast<CUfunction>(const_cast<Kernel *>(&k));
            return CUDA_SUCCESS;
        }
    }
    complain("cuModuleGetFunction", std::string("kernels.cu has no kernel ") + name);
    return CUDA_ERROR_NOT_FOUND;
}

API CUresult cuMemAlloc(CUdeviceptr *p, size_t bytes) {
    std::lock_guard<std::mutex> g(mu);
    NEED_CTX("cuMemAlloc");
    if (bytes == 0) return CUDA_ERROR_INVALID_VALUE;
    void *mem = malloc(bytes);
    if (mem == nullptr) return CUDA_ERROR_OUT_OF_MEMORY;
    memset(mem, 0xff, bytes); // NaN in every double
    allocs[reinterpret_cast<uintptr_t>(mem)] = bytes;
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

API CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                            unsigned by, unsigned bz, unsigned shmem, CUstream stream,
                            void **params, void **extra) {
    std::lock_guard<std::mutex> g(mu);
    NEED_CTX("cuLaunchKernel");
    const auto *k = reinterpret_cast<const Kernel *>(f);
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
    for (int i = 0; i < k->nparams; i++) {
        if ((k->ptr_mask >> i & 1) == 0) continue;
        uintptr_t p = *static_cast<uintptr_t *>(params[i]);
        if (p != 0 && !inside(p, 1)) {
            complain("cuLaunchKernel", std::string(k->name) + ": pointer argument " +
                                           std::to_string(i) + " is not device memory");
            return CUDA_ERROR_INVALID_VALUE;
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
        return CUDA_ERROR_LAUNCH_FAILED;
    }
    return CUDA_SUCCESS;
}
