#!/bin/sh
# Training throughput of the Go CPU backend against PyTorch on CPU, the
# same GPT-2 config, batch and sequence length, forward + backward +
# AdamW, measured in one run with the rounds interleaved (Go, PyTorch, Go,
# …) so the noise of a shared machine falls on both. Debian's python3-torch
# uses whatever libblas.so.3 is selected; with the reference BLAS it is
# ten times slower, so this installs OpenBLAS (pthread) and checks that
# torch uses it, or the comparison is not honest.
#
#   PRESET=cpu BATCH=8 SEQ=256 ROUNDS=3 STEPS=8 THREADS=$(nproc) sh scripts/bench-train.sh
set -eu
cd "$(dirname "$0")/.."
PRESET=${PRESET:-cpu} BATCH=${BATCH:-8} SEQ=${SEQ:-256} ROUNDS=${ROUNDS:-3} STEPS=${STEPS:-8}
THREADS=${THREADS:-$(nproc)}
GO=${GO:-go}
# Debian's torch lives in the system Python, which a pyenv or venv python3 on PATH hides.
PY=${PY:-/usr/bin/python3}
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo -n"; fi
if ! $PY -c 'import torch' 2>/dev/null || ! ls /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 >/dev/null 2>&1; then
  echo "bench-train: installing Debian's python3-torch and libopenblas0-pthread" >&2
  $SUDO apt-get install -y python3-torch libopenblas0-pthread >/dev/null 2>&1 ||
    { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y python3-torch libopenblas0-pthread >/dev/null; }
fi
mkdir -p bin
$GO build -o bin/arena-trainer ./cmd/arena-trainer
case "$PRESET" in
  tiny) shape="--n-layer 2 --n-head 2 --n-embd 32" ;;
  cpu) shape="--n-layer 4 --n-head 4 --n-embd 256" ;;
  gpt2) shape="--n-layer 12 --n-head 12 --n-embd 768" ;;
  *) echo "bench-train: unknown preset $PRESET" >&2; exit 2 ;;
esac
out=$(mktemp)
trap 'rm -f "$out"' EXIT
r=1
while [ "$r" -le "$ROUNDS" ]; do
  bin/arena-trainer bench -preset "$PRESET" -batch "$BATCH" -seq "$SEQ" -steps "$STEPS" -threads "$THREADS" 2>/dev/null >>"$out"
  # shellcheck disable=SC2086
  $PY scripts/bench_train_torch.py $shape --block "$SEQ" --vocab 257 --batch "$BATCH" --seq "$SEQ" \
    --steps "$STEPS" --threads "$THREADS" >>"$out"
  r=$((r + 1))
done
$PY - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
go = [r["tokens_per_s_median"] for r in rows if r["impl"] == "go"]
pt = [r["tokens_per_s_median"] for r in rows if r["impl"] == "pytorch"]
info = next(r for r in rows if r["impl"] == "pytorch")
print(f"| backend | tokens/s per round | median |")
print(f"|---|---|---:|")
print(f"| Go CPU backend ({rows[0]['threads']} threads) | {', '.join(f'{x:.0f}' for x in go)} | {statistics.median(go):.0f} |")
print(f"| PyTorch {info.get('torch', '?')} CPU, {info.get('blas', '?')} ({info['threads']} threads) | {', '.join(f'{x:.0f}' for x in pt)} | {statistics.median(pt):.0f} |")
print(f"\nGo ÷ PyTorch: {statistics.median(go) / statistics.median(pt):.2f} ({rows[0]['params']} parameters, batch {rows[0]['batch']}, sequence {rows[0]['seq']})")
PY
