#!/usr/bin/env python3
"""Generate the PyTorch reference fixture for the Go GPT-2 in gpu/gpt.

The model is written out by hand (no `transformers`) so that every step of
the shared contract is visible: tanh GELU, LayerNorm eps 1e-5, Conv1D-style
[in,out] weights (y = x·W + b), q,k,v split in that order, causal attention
scaled by 1/sqrt(C/H), tied lm head. Parameters are drawn in float32 (so the
saved weights are exactly what the reference used), then the forward,
loss and backward run in float64 and the results are rounded to float32.

Outputs, next to this script:
  weights.safetensors   the parameters under Hugging Face GPT-2 names
  expected.safetensors  inputs/targets (I32), logits, loss, grad.<name>

Usage: python3 make_ref.py [--out DIR]
"""

import argparse
import json
import math
import os
import struct

import torch
import torch.nn.functional as F

N_LAYER, N_HEAD, N_EMBD, BLOCK, VOCAB = 2, 2, 32, 64, 257
EOA = 256  # end-of-answer token of the byte tokenizer
B, T = 3, 16
LN_EPS = 1e-5
SEED = 1234


def param_shapes():
    """Parameter names and shapes in the contract's order."""
    C = N_EMBD
    out = [("wte.weight", (VOCAB, C)), ("wpe.weight", (BLOCK, C))]
    for i in range(N_LAYER):
        p = f"h.{i}."
        out += [
            (p + "ln_1.weight", (C,)),
            (p + "ln_1.bias", (C,)),
            (p + "attn.c_attn.weight", (C, 3 * C)),
            (p + "attn.c_attn.bias", (3 * C,)),
            (p + "attn.c_proj.weight", (C, C)),
            (p + "attn.c_proj.bias", (C,)),
            (p + "ln_2.weight", (C,)),
            (p + "ln_2.bias", (C,)),
            (p + "mlp.c_fc.weight", (C, 4 * C)),
            (p + "mlp.c_fc.bias", (4 * C,)),
            (p + "mlp.c_proj.weight", (4 * C, C)),
            (p + "mlp.c_proj.bias", (C,)),
        ]
    out += [("ln_f.weight", (C,)), ("ln_f.bias", (C,))]
    return out


def init_params(gen):
    """GPT-2 init, then perturb LayerNorm and biases.

    Zero biases and unit LayerNorm gains would give their gradients (and the
    Go code's handling of them) a free pass, so they get small random values.
    """
    params = {}
    proj_std = 0.02 / math.sqrt(2 * N_LAYER)
    for name, shape in param_shapes():
        if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name == "ln_f.weight":
            t = 1.0 + 0.1 * torch.randn(shape, generator=gen)
        elif name.endswith("ln_1.bias") or name.endswith("ln_2.bias") or name == "ln_f.bias":
            t = 0.05 * torch.randn(shape, generator=gen)
        elif name.endswith(".bias"):
            t = 0.02 * torch.randn(shape, generator=gen)
        elif name.endswith("c_proj.weight"):
            t = proj_std * torch.randn(shape, generator=gen)
        else:
            t = 0.02 * torch.randn(shape, generator=gen)
        params[name] = t.to(torch.float32).contiguous()
    return params


def layer_norm(x, w, b):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)  # biased, like GPT-2
    return (x - mean) / torch.sqrt(var + LN_EPS) * w + b


def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def attention(x, p, pre):
    """Causal self-attention from c_attn to c_proj (inclusive)."""
    Bn, Tn, C = x.shape
    H, hd = N_HEAD, C // N_HEAD
    qkv = x @ p[pre + "attn.c_attn.weight"] + p[pre + "attn.c_attn.bias"]
    q, k, v = qkv.split(C, dim=-1)
    q = q.view(Bn, Tn, H, hd).transpose(1, 2)
    k = k.view(Bn, Tn, H, hd).transpose(1, 2)
    v = v.view(Bn, Tn, H, hd).transpose(1, 2)
    att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))
    mask = torch.ones(Tn, Tn, dtype=torch.bool).tril()
    att = att.masked_fill(~mask, float("-inf"))
    att = torch.softmax(att, dim=-1)
    y = (att @ v).transpose(1, 2).contiguous().view(Bn, Tn, C)
    return y @ p[pre + "attn.c_proj.weight"] + p[pre + "attn.c_proj.bias"]


def mlp(x, p, pre):
    h = gelu_tanh(x @ p[pre + "mlp.c_fc.weight"] + p[pre + "mlp.c_fc.bias"])
    return h @ p[pre + "mlp.c_proj.weight"] + p[pre + "mlp.c_proj.bias"]


def forward(p, idx):
    """Logits [B,T,V] for token ids [B,T]."""
    Tn = idx.shape[1]
    x = p["wte.weight"][idx] + p["wpe.weight"][:Tn]
    for i in range(N_LAYER):
        pre = f"h.{i}."
        x = x + attention(layer_norm(x, p[pre + "ln_1.weight"], p[pre + "ln_1.bias"]), p, pre)
        x = x + mlp(layer_norm(x, p[pre + "ln_2.weight"], p[pre + "ln_2.bias"]), p, pre)
    x = layer_norm(x, p["ln_f.weight"], p["ln_f.bias"])
    return x @ p["wte.weight"].t()


def loss_fn(logits, targets):
    """Mean over scored positions (target != -1) of -log softmax[target]."""
    logp = torch.log_softmax(logits, dim=-1)
    scored = targets != -1
    safe = targets.clamp(min=0)
    nll = -logp.gather(-1, safe.unsqueeze(-1)).squeeze(-1)
    return nll[scored].sum() / scored.sum()


def make_batch():
    """Byte tokens for three rows, targets = next token, some unscored.

    Row 0 is plain text with every position scored. Rows 1 and 2 look like
    prompt + answer + end-of-answer: the prompt positions are unscored, the
    answer ends with target 256, and the tail after it is padding (input 256,
    target -1), as in the trainer's batches.
    """
    rows = [
        (b"The quick brown fox jumps", 0),
        (b"Q: 2+2? A: 4", len(b"Q: 2+2? A:") - 1),
        (b"Say hi: hello!", len(b"Say hi:") - 1),
    ]
    inputs = torch.full((B, T), EOA, dtype=torch.int64)
    targets = torch.full((B, T), -1, dtype=torch.int64)
    for r, (text, n_prompt) in enumerate(rows):
        toks = list(text)
        if len(toks) < T + 1:
            toks.append(EOA)
        toks = toks[: T + 1]
        n = len(toks) - 1
        inputs[r, :n] = torch.tensor(toks[:n])
        targets[r, :n] = torch.tensor(toks[1 : n + 1])
        targets[r, :n_prompt] = -1
    return inputs, targets


def self_check(p, inputs, targets, logits, loss, grads):
    """Compare the hand-written pieces with torch's own building blocks."""
    tol = dict(rtol=1e-10, atol=1e-12)
    gen = torch.Generator().manual_seed(7)
    x = torch.randn(B, T, N_EMBD, generator=gen, dtype=torch.float64)

    w, b = p["h.0.ln_1.weight"], p["h.0.ln_1.bias"]
    assert torch.allclose(layer_norm(x, w, b), F.layer_norm(x, (N_EMBD,), w, b, LN_EPS), **tol), "layer_norm"

    z = 3 * torch.randn(1000, generator=gen, dtype=torch.float64)
    assert torch.allclose(gelu_tanh(z), F.gelu(z, approximate="tanh"), **tol), "gelu"

    C = N_EMBD
    pre = "h.1."
    mine = attention(x, p, pre)
    causal = ~torch.ones(T, T, dtype=torch.bool).tril()
    if hasattr(F, "scaled_dot_product_attention"):
        qkv = x @ p[pre + "attn.c_attn.weight"] + p[pre + "attn.c_attn.bias"]
        q, k, v = (t.view(B, T, N_HEAD, C // N_HEAD).transpose(1, 2) for t in qkv.split(C, dim=-1))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        y = y.transpose(1, 2).reshape(B, T, C)
        ref = y @ p[pre + "attn.c_proj.weight"] + p[pre + "attn.c_proj.bias"]
    else:
        # torch < 2.0: the full multi-head block; its weights are [out,in].
        xt = x.transpose(0, 1)  # [T,B,C]
        ref, _ = F.multi_head_attention_forward(
            xt, xt, xt, C, N_HEAD,
            p[pre + "attn.c_attn.weight"].t(), p[pre + "attn.c_attn.bias"],
            None, None, False, 0.0,
            p[pre + "attn.c_proj.weight"].t(), p[pre + "attn.c_proj.bias"],
            training=False, need_weights=False, attn_mask=causal,
        )
        ref = ref.transpose(0, 1)
    assert torch.allclose(mine, ref, **tol), "attention"

    ce = F.cross_entropy(logits.reshape(-1, VOCAB), targets.reshape(-1), ignore_index=-1)
    assert torch.allclose(loss, ce, **tol), "loss"

    # Directional finite differences of the whole loss in float64.
    names = list(p)
    for trial in range(4):
        d = {n: torch.randn(p[n].shape, generator=gen, dtype=torch.float64) for n in names}
        eps = 1e-5
        with torch.no_grad():
            lp = loss_fn(forward({n: p[n] + eps * d[n] for n in names}, inputs), targets)
            lm = loss_fn(forward({n: p[n] - eps * d[n] for n in names}, inputs), targets)
        fd = (lp - lm) / (2 * eps)
        an = sum((grads[n] * d[n]).sum() for n in names)
        assert abs(fd - an) <= 1e-7 * max(1.0, abs(an)), f"finite difference {trial}: {fd} vs {an}"


def write_safetensors(path, tensors):
    """Write {name: (dtype, tensor)} in the safetensors layout, by hand."""
    header, blobs, off = {}, [], 0
    for name, (dtype, t) in tensors.items():
        t = t.contiguous()
        fmt = {"F32": "<f", "I32": "<i"}[dtype]
        flat = t.reshape(-1).tolist()
        data = struct.pack(f"<{len(flat)}{fmt[1]}", *flat)
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    hdr = json.dumps(header, separators=(",", ":")).encode()
    hdr += b" " * (-len(hdr) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hdr)))
        f.write(hdr)
        for data in blobs:
            f.write(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = ap.parse_args()

    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    p32 = init_params(gen)
    p = {n: t.double().requires_grad_(True) for n, t in p32.items()}
    inputs, targets = make_batch()

    logits = forward(p, inputs)
    loss = loss_fn(logits, targets)
    grads = dict(zip(p, torch.autograd.grad(loss, list(p.values()))))

    with torch.no_grad():
        pd = {n: t.detach() for n, t in p.items()}
        self_check(pd, inputs, targets, logits.detach(), loss.detach(), grads)

    write_safetensors(os.path.join(args.out, "weights.safetensors"),
                      {n: ("F32", t) for n, t in p32.items()})
    exp = {
        "inputs": ("I32", inputs.to(torch.int32)),
        "targets": ("I32", targets.to(torch.int32)),
        "logits": ("F32", logits.detach().float()),
        "loss": ("F32", loss.detach().float().reshape(1)),
    }
    for n in p:
        exp["grad." + n] = ("F32", grads[n].float())
    write_safetensors(os.path.join(args.out, "expected.safetensors"), exp)
    print(f"torch {torch.__version__}: loss {loss.item():.9f}, {len(p)} parameters, "
          f"{sum(t.numel() for t in p32.values())} values, scored {(targets != -1).sum().item()}")


if __name__ == "__main__":
    main()
