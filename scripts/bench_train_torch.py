#!/usr/bin/env python3
"""PyTorch CPU training throughput for the trainer's GPT-2 architecture.

The baseline the Go trainer is measured against: same model as
gpu/gpt/testdata/torchref/make_ref.py (GPT-2, tanh GELU, tied head), float32,
forward + cross-entropy + backward + AdamW step per iteration, on random byte
tokens. Defaults are the "cpu" preset. Prints one JSON line.

On a GPU (--device cuda) it is the PyTorch anchor of the CUDA trainer:
--precision fp32 (no tensor cores), tf32 (TF32 matmuls, the Go CUDA
trainer's mode) or bf16 (autocast, FP32 master weights; what a PyTorch
user would run), eager mode, scaled_dot_product_attention.

Usage: python3 scripts/bench_train_torch.py [--threads N] [--steps K] ...
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import time

# torch parallelises with its own OpenMP threads (--threads); OpenBLAS's
# pthread pool on top of that oversubscribes the cores (measured ~30% slower
# on 2 cores), so each torch thread gets a single-threaded BLAS unless the
# caller says otherwise. Must be set before libopenblas loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


class Block(nn.Module):
    def __init__(self, c, h):
        super().__init__()
        self.h = h
        self.ln_1 = nn.LayerNorm(c, eps=1e-5)
        self.c_attn = nn.Linear(c, 3 * c)
        self.c_proj = nn.Linear(c, c)
        self.ln_2 = nn.LayerNorm(c, eps=1e-5)
        self.c_fc = nn.Linear(c, 4 * c)
        self.mlp_proj = nn.Linear(4 * c, c)

    def attn(self, x):
        b, t, c = x.shape
        hd = c // self.h
        q, k, v = self.c_attn(x).split(c, dim=-1)
        q, k, v = (z.view(b, t, self.h, hd).transpose(1, 2) for z in (q, k, v))
        if hasattr(F, "scaled_dot_product_attention"):
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))
            mask = torch.ones(t, t, dtype=torch.bool, device=x.device).tril()
            att = torch.softmax(att.masked_fill(~mask, float("-inf")), dim=-1)
            y = att @ v
        return self.c_proj(y.transpose(1, 2).reshape(b, t, c))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, n_layer, n_head, n_embd, block, vocab):
        super().__init__()
        self.wte = nn.Embedding(vocab, n_embd)
        self.wpe = nn.Embedding(block, n_embd)
        self.h = nn.ModuleList(Block(n_embd, n_head) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(n_embd, eps=1e-5)
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                nn.init.zeros_(p)
            elif "ln" in name:
                nn.init.ones_(p)
            elif name.endswith("c_proj.weight") or name.endswith("mlp_proj.weight"):
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * n_layer))
            else:
                nn.init.normal_(p, std=0.02)

    def forward(self, idx, targets):
        t = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(t, device=idx.device))
        for blk in self.h:
            x = blk(x)
        logits = self.ln_f(x) @ self.wte.weight.t()
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1), ignore_index=-1)


def blas_name():
    """Which BLAS libblas.so.3 resolves to (Debian alternatives), best effort."""
    try:
        out = subprocess.run(["update-alternatives", "--query", "libblas.so.3-x86_64-linux-gnu"],
                             capture_output=True, text=True, timeout=5).stdout
        for line in out.splitlines():
            if line.startswith("Value:"):
                return line.split(":", 1)[1].strip()
    except (OSError, subprocess.SubprocessError):
        pass
    cfg = torch.__config__.show()
    for key in ("BLAS_INFO=", "MKL"):
        if key in cfg:
            return cfg[cfg.index(key):].split(",")[0]
    return "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-layer", type=int, default=4)
    ap.add_argument("--n-head", type=int, default=4)
    ap.add_argument("--n-embd", type=int, default=256)
    ap.add_argument("--block", type=int, default=256)
    ap.add_argument("--vocab", type=int, default=257)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--precision", default="fp32", choices=["fp32", "tf32", "bf16"],
                    help="on cuda: fp32, tf32 matmuls, or bf16 autocast")
    args = ap.parse_args()
    if args.seq > args.block:
        ap.error("--seq must not exceed --block")

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    dev = torch.device(args.device)
    tf32 = args.precision == "tf32"
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    model = GPT(args.n_layer, args.n_head, args.n_embd, args.block, args.vocab).float().to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.1,
                            **({"fused": True} if dev.type == "cuda" else {}))
    toks = torch.randint(0, args.vocab, (args.batch, args.seq + 1), device=dev)
    idx, tgt = toks[:, :-1].contiguous(), toks[:, 1:].contiguous()
    bf16 = args.precision == "bf16"

    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bf16):
            loss = model(idx, tgt)
        loss.backward()
        opt.step()
        return loss.item()  # forces the step to finish before the clock stops

    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)

    tokens = args.batch * args.seq
    tps = [tokens / s for s in times]
    print(json.dumps({
        "impl": "pytorch",
        "torch": torch.__version__,
        "device": torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu",
        "precision": args.precision,
        "blas": blas_name(),
        "threads": args.threads,
        "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "config": {"n_layer": args.n_layer, "n_head": args.n_head, "n_embd": args.n_embd,
                   "block": args.block, "vocab": args.vocab, "batch": args.batch, "seq": args.seq},
        "params": sum(p.numel() for p in model.parameters()),
        "tokens_per_s_median": round(statistics.median(tps), 1),
        "tokens_per_s_all": [round(x, 1) for x in tps],
        "step_ms_median": round(1000 * statistics.median(times), 2),
    }))


if __name__ == "__main__":
    main()
