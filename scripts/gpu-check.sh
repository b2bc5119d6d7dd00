#!/bin/sh
# The device check of make test-cuda for a GPU machine that has no Go:
# run from the repository root with the binaries make gpu-bundle built
# (BUNDLE, default bin/gpu-bundle: gpu.test, cudagpt.test,
# arena-trainer-cuda). Each phase has its own time limit and the next one
# runs whatever the last gave; logs go to OUT (default gpu-check-out).
#
#   1. the CUDA engine and kernels against the CPU model (make test-cuda's
#      tests), 2. the throughput table at the gpt2 preset, 3. the same
#      model and batch in PyTorch on the same GPU (TF32 and BF16 autocast,
#      scripts/bench_train_torch.py), 4. llm.c's train_gpt2.cu, BF16 and
#      FP32/TF32, on the same GPU and shape when LLMC names a directory
#      with its source (train_gpt2.cu and llmc/; built with that machine's
#      nvcc, never committed here) and train.bin and val.bin, token files
#      in its format (random tokens do: only the speed is read),
#      5. the offline loop on the GPU through arena-trainer-cuda.
#
# BATCH (8) and STEPS (10) set the benchmark's shape, OFFLINE_PRESET (cpu)
# the offline loop's model.
set -u
root=$(pwd)
bundle=$(cd "${BUNDLE:-bin/gpu-bundle}" && pwd)
out=${OUT:-gpu-check-out}
mkdir -p "$out"
out=$(cd "$out" && pwd)
batch=${BATCH:-8}
steps=${STEPS:-10}
py=${PYTHON:-python3}

phase() { echo "== $* ($(date -u +%H:%M:%S))"; }

phase device
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1

# llm.c compiles on the CPU while the tests use the GPU.
llmc=${LLMC:-}
if [ -n "$llmc" ] && command -v nvcc >/dev/null 2>&1; then
	cc=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d .)
	# CUDA 13 takes a cudaMemLocation where llm.c (written for 12) passes
	# a device id, on its out-of-memory fallback path only.
	if nvcc --version | grep -q 'release 1[3-9]'; then
		sed -i 's/cudaMemAdviseSetPreferredLocation, cudaCpuDeviceId)/cudaMemAdviseSetPreferredLocation, cudaMemLocation{cudaMemLocationTypeHost, 0})/' \
			"$llmc/llmc/cuda_utils.cuh"
	fi
	# NVML (llm.c's GPU-utilisation readout) links from the toolkit's stubs
	# when no libnvidia-ml.so is on the linker's path.
	nvml="-lnvidia-ml"
	stubs=$(dirname "$(command -v nvcc)")/../lib64/stubs
	[ -e "$stubs/libnvidia-ml.so" ] && nvml="-L$stubs -lnvidia-ml"
	for p in BF16 FP32; do
		# shellcheck disable=SC2086 # nvml is a word list
		(cd "$llmc" && timeout 240 nvcc --threads=0 -t=0 --use_fast_math -std=c++17 -O3 \
			--generate-code "arch=compute_$cc,code=[compute_$cc,sm_$cc]" -DENABLE_$p \
			train_gpt2.cu -lcublas -lcublasLt $nvml -o "train_gpt2_$p" >"$out/llmc-build-$p.log" 2>&1) &
	done
fi

phase tests: ./gpu CUDA
(cd gpu && timeout 120 "$bundle/gpu.test" -test.count=1 -test.run CUDA -test.v) >"$out/test-gpu.log" 2>&1
echo "rc=$?"; grep -E '^(--- |FAIL|ok|PASS)' "$out/test-gpu.log" | grep -v '^--- PASS' | tail -20
phase tests: ./gpu/cudagpt
(cd gpu/cudagpt && timeout 150 "$bundle/cudagpt.test" -test.count=1 -test.v) >"$out/test-cudagpt.log" 2>&1
echo "rc=$?"; grep -E '^(--- |FAIL|ok|PASS)' "$out/test-cudagpt.log" | grep -v '^--- PASS' | tail -20
grep -E '^(--- FAIL|panic)' -A12 "$out/test-gpu.log" "$out/test-cudagpt.log" | head -60

wait
phase benchmark: gpt2, batch "$batch" x 1024
(cd gpu/cudagpt && ARENA_CUDA_BENCH=1 ARENA_CUDA_BENCH_BATCH=$batch ARENA_CUDA_BENCH_STEPS=$steps \
	timeout 200 "$bundle/cudagpt.test" -test.count=1 -test.run CUDABenchmark -test.v -test.timeout 20m) \
	>"$out/bench.log" 2>&1
echo "rc=$?"; sed -n '/^device:/,/^(peaks/p' "$out/bench.log"; grep -E 'FAIL|panic|Error' "$out/bench.log" | head

for prec in tf32 bf16; do
	phase pytorch "$prec"
	PYTHONUNBUFFERED=1 timeout 120 "$py" "$root/scripts/bench_train_torch.py" --device cuda --precision "$prec" \
		--n-layer 12 --n-head 12 --n-embd 768 --block 1024 --vocab 50257 --batch "$batch" --seq 1024 \
		--warmup 3 --steps "$steps" 2>&1 | tail -3 | tee -a "$out/torch.log"
done

if [ -n "$llmc" ]; then
	for p in BF16 FP32; do
		phase "llm.c $p"
		if [ ! -x "$llmc/train_gpt2_$p" ]; then tail -5 "$out/llmc-build-$p.log"; continue; fi
		# -e d12: GPT-2 124M from random init; no validation, sampling or checkpoints.
		(cd "$llmc" && timeout 90 "./train_gpt2_$p" -i train.bin -j val.bin \
			-e d12 -b "$batch" -t 1024 -d $((batch * 1024)) -x $((steps + 5)) -v 100000 -m 1 -s 0 -h 0 -n 0 -y 0) \
			>"$out/llmc-$p.log" 2>&1
		echo "rc=$?"; grep -E '^\| (device|precision|num_parameters|peak)' "$out/llmc-$p.log"; grep '^step' "$out/llmc-$p.log" | tail -4
	done
fi

phase offline loop on the GPU
timeout 150 "$bundle/arena-trainer-cuda" offline -device cuda -out "$out/offline" -preset "${OFFLINE_PRESET:-cpu}" -versions 2 \
	-sft-steps 100 -dpo-steps 20 -dpo-lr 5e-5 -batch 16 -eval-tasks 60 -onpolicy-tasks 16 -samples 4 \
	-heldout-families logic -seed 1 >"$out/offline.log" 2>&1
echo "rc=$?"; head -3 "$out/offline.log"; tail -12 "$out/offline.log"
phase done
