// The fiber scheduler of the emulator: the threads of a block are fibers
// on one OS thread, switched by a tiny hand-written x86-64 context switch
// at block barriers (__syncthreads) and warp collectives (shuffles,
// __syncwarp, mma.sync). Blocks run one after another.
//
// A round resumes every runnable fiber, in an order chosen by
// FAKECUDA_SCHEDULE, until it blocks. Then:
//   - a warp whose lanes (those its collective's mask names) have all
//     reached the same collective is released, each lane's result computed
//     from the values all of them brought;
//   - when no warp can be released and every live fiber waits at a block
//     barrier, the barrier is released;
//   - anything else is a divergence a GPU would hang on or compute garbage
//     from, and fails the launch: a barrier some threads never reach, a
//     collective whose lanes are elsewhere or finished, lanes at different
//     collectives, a mask naming lanes that do not exist.

#pragma once

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <sys/mman.h>
#include <vector>

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

constexpr size_t kStack = 256 << 10;
constexpr int kMaxThreads = 1024;
constexpr int kWarp = 32;

enum class State { Ready, AtBarrier, AtWarp, Done };

struct Fiber {
    void *sp = nullptr;
    char *stack = nullptr;
    State state = State::Ready;
    dim3 tid;
    // the warp collective it waits at
    WarpOp op = WarpOp::Sync;
    unsigned mask = 0;
    int arg = 0, width = 32;
    uint64_t in[10] = {}; // a shuffled value, or mma's a0-a3, b0-b1, c0-c3
    uint64_t out[4] = {};
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

float bits_f(uint64_t b) {
    uint32_t u = uint32_t(b);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

uint64_t f_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

// mma_m16n8k8_tf32 computes one warp's D = A·B + C from the lanes'
// fragments (layout in gpt/gemm.cuh). Like the tensor cores, it reads only
// the TF32 bits of A and B (the low 13 are ignored) and accumulates in
// float32; products of TF32 numbers are exact in float32.
void mma_m16n8k8_tf32(Fiber *lanes) {
    float A[16][8], B[8][8], Cm[16][8];
    auto tf = [](uint64_t b) { return bits_f(b & 0xffffe000u); };
    for (int l = 0; l < kWarp; l++) {
        const int g = l / 4, t = l % 4;
        const uint64_t *in = lanes[l].in;
        A[g][t] = tf(in[0]);
        A[g + 8][t] = tf(in[1]);
        A[g][t + 4] = tf(in[2]);
        A[g + 8][t + 4] = tf(in[3]);
        B[t][g] = tf(in[4]);
        B[t + 4][g] = tf(in[5]);
        Cm[g][2 * t] = bits_f(in[6]);
        Cm[g][2 * t + 1] = bits_f(in[7]);
        Cm[g + 8][2 * t] = bits_f(in[8]);
        Cm[g + 8][2 * t + 1] = bits_f(in[9]);
    }
    for (int r = 0; r < 16; r++)
        for (int c = 0; c < 8; c++) {
            float s = 0.0f;
            for (int k = 0; k < 8; k++) s += A[r][k] * B[k][c];
            Cm[r][c] += s;
        }
    for (int l = 0; l < kWarp; l++) {
        const int g = l / 4, t = l % 4;
        lanes[l].out[0] = f_bits(Cm[g][2 * t]);
        lanes[l].out[1] = f_bits(Cm[g][2 * t + 1]);
        lanes[l].out[2] = f_bits(Cm[g + 8][2 * t]);
        lanes[l].out[3] = f_bits(Cm[g + 8][2 * t + 1]);
    }
}

// release_warp tries to complete the collective warp w waits at. It
// returns 1 when released, 0 when the warp has no lane at a collective,
// and sets err when the collective can never complete.
int release_warp(int w, std::string &err) {
    const int lo = w * kWarp, hi = std::min(nfibers, lo + kWarp);
    int first = -1;
    for (int i = lo; i < hi; i++) {
        if (fibers[i].state == State::AtWarp) {
            first = i;
            break;
        }
    }
    if (first < 0) return 0;
    const Fiber &f0 = fibers[first];
    const std::string where = "warp " + std::to_string(w) + ": ";
    const unsigned exist = hi - lo == kWarp ? 0xffffffffu : (1u << (hi - lo)) - 1;
    if ((f0.mask & ~exist) != 0) {
        err = where + "a collective's mask names lanes the block does not have";
        return 0;
    }
    if (f0.op == WarpOp::Mma && f0.mask != 0xffffffffu) {
        err = where + "mma.sync.aligned needs all 32 lanes";
        return 0;
    }
    for (int l = 0; l < hi - lo; l++) {
        const Fiber &f = fibers[lo + l];
        const bool named = (f0.mask >> l & 1) != 0;
        if (f.state == State::AtWarp) {
            if (!named || f.op != f0.op || f.mask != f0.mask || f.width != f0.width) {
                err = where + "lanes wait at different warp collectives (or masks)";
                return 0;
            }
        } else if (named) {
            err = where + "lane " + std::to_string(l) +
                  (f.state == State::Done ? " finished" : " waits at __syncthreads") +
                  " while the lanes its warp collective names wait for it";
            return 0;
        }
    }
    Fiber *lanes = &fibers[lo];
    if (f0.op == WarpOp::Mma) {
        mma_m16n8k8_tf32(lanes);
    } else if (f0.op != WarpOp::Sync) {
        const int wd = f0.width;
        for (int l = 0; l < hi - lo; l++) {
            if ((f0.mask >> l & 1) == 0) continue;
            const int seg = l & ~(wd - 1), in_seg = l - seg;
            int src = l;
            switch (f0.op) {
            case WarpOp::ShflXor: src = l ^ lanes[l].arg; break;
            case WarpOp::ShflDown: src = in_seg + lanes[l].arg < wd ? l + lanes[l].arg : l; break;
            case WarpOp::ShflUp: src = in_seg >= lanes[l].arg ? l - lanes[l].arg : l; break;
            case WarpOp::ShflIdx: src = seg + (lanes[l].arg % wd); break;
            default: break;
            }
            if (src < 0 || src >= hi - lo || (f0.mask >> src & 1) == 0) {
                src = l; // reading a lane outside the mask is undefined; keep our own
            }
            lanes[l].out[0] = lanes[src].in[0];
        }
    }
    for (int l = 0; l < hi - lo; l++) {
        if (fibers[lo + l].state == State::AtWarp) fibers[lo + l].state = State::Ready;
    }
    return 1;
}

// run_block runs every thread of one block to completion; it returns an
// error message or "".
std::string run_block() {
    for (int i = 0; i < nfibers; i++) reset_fiber(fibers[i]);
    const int nwarps = (nfibers + kWarp - 1) / kWarp;
    for (;;) {
        next_order();
        for (int i : order) {
            if (fibers[i].state != State::Ready) continue;
            current = i;
            threadIdx = fibers[i].tid;
            emu_switch(&sched_sp, fibers[i].sp);
        }
        current = -1;
        std::string err;
        int released = 0;
        for (int w = 0; w < nwarps; w++) {
            released += release_warp(w, err);
        }
        if (released > 0) continue;
        int done = 0, barrier = 0, warp = 0;
        for (int i = 0; i < nfibers; i++) {
            switch (fibers[i].state) {
            case State::Done: done++; break;
            case State::AtBarrier: barrier++; break;
            case State::AtWarp: warp++; break;
            default: break;
            }
        }
        if (warp > 0) {
            return err.empty() ? "a warp collective can never complete" : err;
        }
        if (barrier == 0) return ""; // every thread finished
        if (done > 0) {
            // Fibers stuck at a barrier are simply reset by the next launch.
            return "divergent __syncthreads: " + std::to_string(barrier) +
                   " threads wait at a barrier that " + std::to_string(done) +
                   " finished threads never reach";
        }
        for (int i = 0; i < nfibers; i++) fibers[i].state = State::Ready;
    }
}

// run executes one grid; it returns an error message or "".
std::string run(void (*body)(void **), void **params, dim3 grid, dim3 block) {
    if (!fibers_made) make_fibers();
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
                std::string err = run_block();
                if (!err.empty()) {
                    return "block (" + std::to_string(bx) + "," + std::to_string(by) + "," +
                           std::to_string(bz) + "): " + err;
                }
            }
    return "";
}

void block_here(State s) {
    asm volatile("" ::: "memory");
    fibers[current].state = s;
    emu_switch(&fibers[current].sp, sched_sp);
    asm volatile("" ::: "memory");
}

} // namespace

static void emu_syncthreads() { block_here(State::AtBarrier); }

static uint64_t emu_warp(WarpOp op, unsigned mask, uint64_t v, int arg, int width) {
    Fiber &f = fibers[current];
    if (width <= 0 || width > kWarp || (width & (width - 1)) != 0) {
        fprintf(stderr, "fakecuda: shuffle width %d is not a power of two ≤ 32\n", width);
        abort();
    }
    f.op = op;
    f.mask = mask;
    f.arg = arg;
    f.width = width;
    f.in[0] = v;
    block_here(State::AtWarp);
    return fibers[current].out[0];
}

static void emu_mma_tf32(float d[4], const unsigned a[4], const unsigned b[2]) {
    Fiber &f = fibers[current];
    f.op = WarpOp::Mma;
    f.mask = 0xffffffffu;
    f.arg = 0;
    f.width = 32;
    for (int i = 0; i < 4; i++) f.in[i] = a[i];
    f.in[4] = b[0];
    f.in[5] = b[1];
    for (int i = 0; i < 4; i++) f.in[6 + i] = f_bits(d[i]);
    block_here(State::AtWarp);
    for (int i = 0; i < 4; i++) d[i] = bits_f(fibers[current].out[i]);
}
