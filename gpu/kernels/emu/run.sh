#!/bin/sh
# Runs the cuda-tagged tests of ./gpu and ./gpu/cudagpt on a machine
# without a GPU: builds fakecuda.cpp (kernels.cu and gpt.cu compiled for
# the host behind a fake driver API) as libcuda.so.1 and puts it first on
# LD_LIBRARY_PATH. The emulated device has compute capability 8.0 (so the
# TF32 tensor-core gemm runs); ./gpu/cudagpt's device and gemm tests run
# a second time as a 6.0 device (the compute_60 module, FP32 gemm only),
# and its kernel tests a third time under another thread order.
# What this checks and what it cannot: see fakecuda.cpp. Extra arguments
# go to go test in place of the default filter (./gpu's tests named CUDA,
# all of ./gpu/cudagpt), e.g. gpu/kernels/emu/run.sh -run DPO -v
#
# Needs make cuda-deps (headers, and the stub libcuda.so whose symbol list
# the fake mirrors), g++ with C++20, x86-64 Linux.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cache=${CUDA_CACHE:-$root/.cache/cuda}
out=${CUDA_EMU:-$root/.cache/cuda-emu}
CXX=${CXX:-g++}
CC=${CC:-cc}
if [ ! -f "$cache/include/cuda.h" ] || [ ! -f "$cache/lib/libcuda.so" ]; then
	echo "run.sh: no CUDA headers and stubs in $cache; run make cuda-deps" >&2
	exit 1
fi
mkdir -p "$out"
$CXX -std=c++20 -O2 -g -fPIC -fno-strict-aliasing -fvisibility=hidden -Wall -Wno-unknown-pragmas \
	-I"$cache/include" -c "$here/fakecuda.cpp" -o "$out/fakecuda.o"
# Every other entry point of the real driver returns CUDA_ERROR_NOT_SUPPORTED.
nm -D --defined-only "$cache/lib/libcuda.so" | awk '$2 == "T" { print $3 }' | sort -u >"$out/all.txt"
nm -g --defined-only "$out/fakecuda.o" | awk '{ print $3 }' | sort -u >"$out/have.txt"
comm -23 "$out/all.txt" "$out/have.txt" |
	awk '{ printf "__attribute__((visibility(\"default\"))) int %s(void) { return 801; }\n", $1 }' >"$out/stubs.c"
$CC -O -fPIC -c "$out/stubs.c" -o "$out/stubs.o"
$CXX -shared -Wl,-soname,libcuda.so.1 -o "$out/libcuda.so.1" "$out/fakecuda.o" "$out/stubs.o"

cd "$root"
export CGO_ENABLED=1 CGO_CFLAGS="-I$cache/include" CGO_LDFLAGS="-L$cache/lib"
export LD_LIBRARY_PATH="$out${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
if [ $# -eq 0 ]; then
	go test -tags cuda -count=1 -run CUDA ./gpu
	go test -tags cuda -count=1 ./gpu/cudagpt
else
	go test -tags cuda -count=1 "$@" ./gpu ./gpu/cudagpt
fi
FAKECUDA_CC=6.0 go test -tags cuda -count=1 -run 'Device|Gemm' ./gpu/cudagpt
# The kernels once more with the threads of each block resumed in reverse
# order (the default is a seeded shuffle): a missing barrier shows.
FAKECUDA_SCHEDULE=reverse go test -tags cuda -count=1 -run 'Gemm|Encoder|LayerNorm|Bias|Attention|TargetLogProbs|Losses|DPO|SumSquares' ./gpu/cudagpt
