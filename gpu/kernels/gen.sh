#!/bin/sh
# Regenerates the committed PTX: kernels.ptx from kernels.cu (the MLP
# backend, gpu/cuda.go), and from gpt.cu gpt.ptx (compute_60: every kernel
# but the tensor-core gemm) and gpt_sm80.ptx (compute_80: the same plus
# gemm_tf32), embedded by gpu/cudagpt. Run from anywhere:
#   gpu/kernels/gen.sh            (or: make cuda-ptx, which fetches a private
#                                  nvcc into .cache/ first when none is found)
# nvcc is taken from $NVCC, else PATH, else the repository's .cache/cuda-nvcc.
# The committed kernels.ptx was produced by Debian 12's nvidia-cuda-toolkit
# (CUDA 11.8, host compiler gcc 12, hence -allow-unsupported-compiler: only
# the device side is compiled, the host compiler merely preprocesses).
#
# compute_60 is an old virtual architecture on purpose: the driver
# JIT-compiles the PTX for the GPU it runs on, any Pascal or newer.
# No --use_fast_math: the CUDA backend must match the CPU one in float64.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ -z "${NVCC:-}" ]; then
	if command -v nvcc >/dev/null 2>&1; then
		NVCC=nvcc
	else
		NVCC="$root/.cache/cuda-nvcc/bin/nvcc"
	fi
fi
if ! command -v "$NVCC" >/dev/null 2>&1; then
	echo "gen.sh: no nvcc (tried \$NVCC, PATH, $root/.cache/cuda-nvcc); make cuda-ptx fetches one" >&2
	exit 1
fi
set -x
"$NVCC" -ptx -arch=compute_60 -O3 -allow-unsupported-compiler \
	-o "$here/kernels.ptx" "$here/kernels.cu"
"$NVCC" -ptx -arch=compute_60 -O3 -allow-unsupported-compiler \
	-o "$here/gpt.ptx" "$here/gpt.cu"
"$NVCC" -ptx -arch=compute_80 -O3 -allow-unsupported-compiler \
	-o "$here/gpt_sm80.ptx" "$here/gpt.cu"
{ set +x; } 2>/dev/null

# Check that the PTX assembles for an old and a current GPU, as the
# driver's JIT will have to, when a ptxas sits next to nvcc.
ptxas=$(dirname "$(command -v "$NVCC")")/ptxas
if [ -x "$ptxas" ]; then
	for arch in sm_60 sm_80 sm_90; do
		"$ptxas" -arch=$arch -o /dev/null "$here/kernels.ptx"
		"$ptxas" -arch=$arch -o /dev/null "$here/gpt.ptx"
	done
	for arch in sm_80 sm_90; do
		"$ptxas" -arch=$arch -o /dev/null "$here/gpt_sm80.ptx"
	done
	echo "gen.sh: kernels.ptx and gpt.ptx assemble for sm_60, sm_80 and sm_90, gpt_sm80.ptx for sm_80 and sm_90"
fi
