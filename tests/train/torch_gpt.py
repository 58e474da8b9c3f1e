#!/usr/bin/env python3
"""torch_gpt.py - the reference transformer of model/transformer.h in PyTorch
(CPU, fp32), the peer of the reference trainer (model/train.h).

  torch_gpt.py check DIR
      DIR is a dump of tests/test_train.c (dump_step): meta.txt, params0.f32
      (the tf_params block), ids.u32, targets.u32 and the C trainer's
      logits.f32, loss.f32, grads.f32, params1.f32 (after one clipped AdamW
      step). Rebuilds the model from params0 with its own layout code, runs
      forward, F.cross_entropy, backward, clip_grad_norm_ and
      torch.optim.AdamW (weight decay on matrices only), and compares. Prints
      TAP-style lines; exit 1 when any comparison fails.
      Tolerances, elementwise |c - t| <= rtol |t| + atol max|t| (t torch's,
      max over the tensor):
        logits, every gradient tensor   rtol 1e-4, atol 1e-5
        loss                            |c - t| <= 1e-5 |t|
        parameters after the step       rtol 1e-5, atol 1e-5 (the max is
            over the tensor's update lr |m/sqrt(v)| + decay, not the weights);
            torch's clip and AdamW run on the C gradients (compared before),
            since an update is sign(g) lr and a gradient that is 0 up to
            rounding (the key bias) flips between two correct programs
  torch_gpt.py bench PRESET B T V ROUNDS
      one training step (zero_grad, forward, loss, backward, clip, AdamW) of
      the preset at batch B, sequence T, vocabulary V, one thread
      (torch.set_num_threads(1)); prints key=value lines, the median of ROUNDS
      after one warm-up step.

Architecture (model/transformer.h): pre-LN GPT, learned positions, LayerNorm
eps 1e-5, GELU tanh, causal softmax attention with scale 1/sqrt(dh), tied or
untied head.
"""
import math
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

PRESETS = {"tiny": (64, 2, 4, 64), "small": (512, 8, 8, 1024), "base": (768, 12, 12, 1024)}
DECAY = ("wte", "w_qkv", "w_o", "w_fc", "w_pr", "head")


def layout(V, d, L, C, f, tied):
    """(name, shape) of every tensor in tf_params order (transformer.h)."""
    out = [("wte", (V, d)), ("wpe", (C, d))]
    for l in range(L):
        p = f"l{l}."
        out += [(p + "ln1_g", (d,)), (p + "ln1_b", (d,)), (p + "w_qkv", (d, 3 * d)),
                (p + "b_qkv", (3 * d,)), (p + "w_o", (d, d)), (p + "b_o", (d,)),
                (p + "ln2_g", (d,)), (p + "ln2_b", (d,)), (p + "w_fc", (d, f)),
                (p + "b_fc", (f,)), (p + "w_pr", (f, d)), (p + "b_pr", (d,))]
    out += [("lnf_g", (d,)), ("lnf_b", (d,))]
    if not tied:
        out.append(("head", (V, d)))
    return out


def unpack(block, lay):
    P, off = {}, 0
    for name, shape in lay:
        cnt = int(np.prod(shape))
        P[name] = torch.tensor(block[off:off + cnt].reshape(shape), dtype=torch.float32,
                               requires_grad=True)
        off += cnt
    assert off == block.size, (off, block.size)
    return P


def pack(P, lay):
    return np.concatenate([P[name].detach().numpy().reshape(-1) for name, _ in lay])


def forward(P, ids, d, H, L, tied):
    """logits (B, T, V) of ids (B, T)."""
    B, T = ids.shape
    dh = d // H
    x = P["wte"][ids] + P["wpe"][:T]
    mask = torch.ones(T, T, dtype=torch.bool).tril()
    for l in range(L):
        p = f"l{l}."
        h = F.layer_norm(x, (d,), P[p + "ln1_g"], P[p + "ln1_b"], 1e-5)
        qkv = h @ P[p + "w_qkv"] + P[p + "b_qkv"]
        q, k, v = (t.reshape(B, T, H, dh).transpose(1, 2) for t in qkv.split(d, dim=-1))
        s = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(dh))
        a = s.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        o = (a @ v).transpose(1, 2).reshape(B, T, d)
        x = x + (o @ P[p + "w_o"] + P[p + "b_o"])
        h = F.layer_norm(x, (d,), P[p + "ln2_g"], P[p + "ln2_b"], 1e-5)
        g = F.gelu(h @ P[p + "w_fc"] + P[p + "b_fc"], approximate="tanh")
        x = x + (g @ P[p + "w_pr"] + P[p + "b_pr"])
    h = F.layer_norm(x, (d,), P["lnf_g"], P["lnf_b"], 1e-5)
    head = P["wte"] if tied else P["head"]
    return h @ head.t()


def optimizer(P, lay, lr, wd, b1, b2, eps):
    decay = [P[n] for n, _ in lay if n.split(".")[-1] in DECAY]
    rest = [P[n] for n, _ in lay if n.split(".")[-1] not in DECAY]
    return torch.optim.AdamW([{"params": decay, "weight_decay": wd},
                              {"params": rest, "weight_decay": 0.0}],
                             lr=lr, betas=(b1, b2), eps=eps)


def close(name, c, t, rtol, atol, scale=None):
    c = np.asarray(c, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    s = np.max(np.abs(t)) if scale is None else scale
    err = np.abs(c - t)
    tol = rtol * np.abs(t) + atol * s
    bad = int(np.sum(err > tol))
    worst = float(np.max(err / (s if s > 0 else 1.0))) if err.size else 0.0
    print(f"{'not ok' if bad else 'ok'} - {name}: max|err|/max|t| {worst:.2e}"
          f"{f', {bad} of {err.size} outside' if bad else ''}")
    return bad == 0


def check(folder):
    meta = {}
    for line in open(f"{folder}/meta.txt"):
        k, v = line.split()
        meta[k] = float(v) if "." in v or "e" in v else int(v)
    V, d, L, H = meta["vocab"], meta["d_model"], meta["n_layers"], meta["n_heads"]
    C, f, tied, B, T = meta["context"], meta["d_ff"], meta["tied"], meta["batch"], meta["seq"]
    rd = lambda name, dt: np.fromfile(f"{folder}/{name}", dtype=dt)
    p0, p1 = rd("params0.f32", np.float32), rd("params1.f32", np.float32)
    ids = torch.tensor(rd("ids.u32", np.uint32).astype(np.int64).reshape(B, T))
    tg = torch.tensor(rd("targets.u32", np.uint32).astype(np.int64).reshape(B, T))
    c_logits = rd("logits.f32", np.float32).reshape(B, T, V)
    c_loss = float(rd("loss.f32", np.float32)[0])
    c_grads = rd("grads.f32", np.float32)
    lay = layout(V, d, L, C, f, tied)
    P = unpack(p0, lay)
    ok = True
    logits = forward(P, ids, d, H, L, tied)
    ok &= close("logits", c_logits, logits.detach().numpy(), 1e-4, 1e-5)
    loss = F.cross_entropy(logits.reshape(-1, V), tg.reshape(-1))
    ok &= close("loss", c_loss, loss.item(), 1e-5, 0.0)
    loss.backward()
    off = 0
    for name, shape in lay:
        cnt = int(np.prod(shape))
        ok &= close(f"grad {name}", c_grads[off:off + cnt], P[name].grad.numpy().reshape(-1),
                    1e-4, 1e-5)
        off += cnt
    # The step from the C gradients: an update lr m/sqrt(v) is sign(g) lr for
    # any |g| >> eps, so a gradient that is zero up to rounding (the key bias:
    # softmax ignores a constant added to a row's scores) flips its entry's
    # update between two correct implementations. The gradients were compared
    # above; the optimizer is compared on the same gradients.
    off = 0
    for name, shape in lay:
        cnt = int(np.prod(shape))
        P[name].grad = torch.tensor(c_grads[off:off + cnt].reshape(shape))
        off += cnt
    params = [P[n] for n, _ in lay]
    norm = torch.nn.utils.clip_grad_norm_(params, meta["grad_clip"])
    print(f"# gradient norm {norm.item():.6g}, clip {meta['grad_clip']}")
    opt = optimizer(P, lay, meta["lr"], meta["weight_decay"], meta["beta1"], meta["beta2"],
                    meta["eps"])
    opt.step()
    t1 = pack(P, lay)
    off = 0
    for name, shape in lay:
        cnt = int(np.prod(shape))
        upd = np.max(np.abs(t1[off:off + cnt] - p0[off:off + cnt]))
        ok &= close(f"param after step {name}", p1[off:off + cnt], t1[off:off + cnt], 1e-5,
                    1e-5, scale=max(upd, 1e-30))
        off += cnt
    return 0 if ok else 1


def bench(preset, B, T, V, rounds):
    torch.set_num_threads(1)
    torch.manual_seed(1)
    d, L, H, C = PRESETS[preset]
    f, tied = 4 * d, True
    lay = layout(V, d, L, C, f, tied)
    P = {}
    for name, shape in lay:
        if name.endswith("_g"):
            P[name] = torch.ones(shape)
        else:
            P[name] = torch.randn(shape) * 0.02
        P[name].requires_grad_(True)
    params = [P[n] for n, _ in lay]
    opt = optimizer(P, lay, 3e-4, 0.1, 0.9, 0.95, 1e-8)
    gen = torch.Generator().manual_seed(2)
    times = []
    for r in range(rounds + 1):
        ids = torch.randint(0, V, (B, T), generator=gen)
        tg = torch.randint(0, V, (B, T), generator=gen)
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        logits = forward(P, ids, d, H, L, tied)
        loss = F.cross_entropy(logits.reshape(-1, V), tg.reshape(-1))
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        t3 = time.perf_counter()
        if r:
            times.append((t3 - t0, t1 - t0, t2 - t1, t3 - t2))
    times.sort()
    s, fw, bw, op = times[(len(times) - 1) // 2]
    print(f"torch_version={torch.__version__}\nthreads={torch.get_num_threads()}\n"
          f"step_ms={s * 1e3:.3f}\nforward_ms={fw * 1e3:.3f}\nbackward_ms={bw * 1e3:.3f}\n"
          f"optimizer_ms={op * 1e3:.3f}")
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "check":
        return check(argv[2])
    if len(argv) == 7 and argv[1] == "bench":
        return bench(argv[2], int(argv[3]), int(argv[4]), int(argv[5]), int(argv[6]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
