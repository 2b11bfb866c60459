"""Nanda et al.'s one-layer transformer on a + b mod 113, trained as their code sets it up
(`mechanistic-interpretability-grokking/progress-measures-paper`, `transformers.py`;
docs/science.md §8, "Nanda's transformer"), in PyTorch float32.

  Inputs (a, b, '=') with '=' the token 113: a vocabulary of 114, and the read-out W_U
  has a logit for each of the 114 tokens; the loss is the cross-entropy of the last
  position's 114 logits (`full_loss`), a prediction their argmax. No LayerNorm, ReLU.
  Every weight starts `randn / √d_model` (W_E, W_pos, W_Q, W_K, W_V, W_O, W_in and W_out,
  though W_out's fan-in is d_mlp), W_U `randn / √d_vocab`, b_in and b_out zero.
  The loss is `cross_entropy_high_precision`: the log-softmax in float64, then the mean.
  torch AdamW lr 1e-3, weight decay 1 on every parameter, β = (0.9, 0.98), ε = 1e-8,
  LambdaLR(min(step/10, 1)) stepped after each update: update n (from 1) has lr
  1e-3 · min((n − 1)/10, 1), so the first has lr 0 (its moments still count the gradient).
  Full batch. `gen_train_test`: random.seed(seed), the 12,769 pairs (i, j) in row order
  shuffled by Python's `random.shuffle`, the first int(0.3 × 12,769) = 3,830 train.

  The key frequencies are `calculate_key_freqs`: each MLP neuron's activation at the last
  position over all p² inputs, centred, in the 2-D Fourier basis; a neuron's frequency is
  the k in 1…p//2 − 1 whose linear and quadratic terms (the 3 × 3 block of rows and columns
  {const, cos k, sin k}) explain most of its variance; the key frequencies are the distinct
  neuron frequencies (np.unique). Reported with how many neurons each holds.

Two starts:
  --start FILE   Groklab's start file (`groklab train --save-init`): its split and weights,
                 which must be the paper's kind (the shapes above, 114 outputs, zero biases,
                 each weight's std that of its randn draw, 3,830 of the 12,769 pairs); the
                 optimiser and warm-up are the paper's, whatever the config says. The
                 per-step losses must match Groklab's.
  --seed S       the paper's split for seed S and weights drawn by torch.manual_seed(S) on the
                 CPU in the paper's module order (their code builds the model on the CPU too,
                 from a torch generator it never seeds itself); the paper's run is seed 0.
                 With --save-start it also writes that start as a Groklab start file, which
                 `groklab train --init-from` trains from: the same run the other way round,
                 its per-step losses again Groklab's. From seed 0's start Groklab ends on the
                 paper's five key frequencies (docs/science.md §8).
Writes a run.json-shaped file (--out) with a record at step 1 and every --every steps.
"""

import json
import random

import numpy as np
import torch
import torch.nn.functional as F

from common import arguments, load_start, record, write_run

P = 113
VOCAB = P + 1
D_MODEL = 128
HEADS = 4
D_HEAD = D_MODEL // HEADS
D_MLP = 512
N_CTX = 3
TRAIN_FRACTION = 0.3
TRAIN_COUNT = int(TRAIN_FRACTION * P * P)  # 3,830

# The paper's optimiser in Groklab's form; the reference trains with it whatever the config
# says, so a preset that strays from it fails the same-start test.
PAPER_OPTIM = {"embed": {"lr": 1e-3, "weight_decay": 1.0}, "rest": {"lr": 1e-3, "weight_decay": 1.0},
               "beta1": 0.9, "beta2": 0.98, "eps": 1e-8, "warmup_steps": 10, "warmup_from_zero": True, "method": "adamw"}
PAPER_TASK = {"kind": "modular", "p": P, "op": "add", "train_fraction": TRAIN_FRACTION}
PAPER_MODEL = {"kind": "transformer", "layers": 1, "d_model": D_MODEL, "heads": HEADS, "d_mlp": D_MLP,
               "layer_norm": False, "init": "nanda", "equals_output": True}

# (name, shape in the paper's layout, the fan its randn draw is divided by the root of; 0 for
# zeros) in the paper's module order.
PARAMS = [
    ("W_E", (D_MODEL, VOCAB), D_MODEL),
    ("W_pos", (N_CTX, D_MODEL), D_MODEL),
    ("W_K", (HEADS, D_HEAD, D_MODEL), D_MODEL),
    ("W_Q", (HEADS, D_HEAD, D_MODEL), D_MODEL),
    ("W_V", (HEADS, D_HEAD, D_MODEL), D_MODEL),
    ("W_O", (D_MODEL, HEADS * D_HEAD), D_MODEL),
    ("W_in", (D_MLP, D_MODEL), D_MODEL),
    ("b_in", (D_MLP,), 0),
    ("W_out", (D_MODEL, D_MLP), D_MODEL),
    ("b_out", (D_MODEL,), 0),
    ("W_U", (D_MODEL, VOCAB), VOCAB),
]


# Each parameter's name in Groklab and in the paper, and how Groklab's layout becomes the
# paper's: dense weights are [fan_in, fan_out] in Groklab ("T": transposed), and a head's
# columns of w_q are head·d_head … head·d_head + d_head − 1 ("heads").
LAYOUT = [
    ("embed.tokens", "W_E", "T"), ("embed.positions", "W_pos", ""),
    ("blocks.0.w_k", "W_K", "heads"), ("blocks.0.w_q", "W_Q", "heads"), ("blocks.0.w_v", "W_V", "heads"),
    ("blocks.0.w_o", "W_O", "T"),
    ("blocks.0.mlp_in.weight", "W_in", "T"), ("blocks.0.mlp_in.bias", "b_in", ""),
    ("blocks.0.mlp_out.weight", "W_out", "T"), ("blocks.0.mlp_out.bias", "b_out", ""),
    ("unembed.weight", "W_U", ""),
]


def from_groklab(t):
    """The paper's tensors from Groklab's."""
    paper = {"T": lambda w: w.T, "heads": lambda w: w.T.reshape(HEADS, D_HEAD, D_MODEL), "": lambda w: w}
    return {name: paper[how](t[ours]) for ours, name, how in LAYOUT}


def to_groklab(w):
    """Groklab's tensors from the paper's: `from_groklab` undone."""
    ours = {"T": lambda t: t.T, "heads": lambda t: t.reshape(HEADS * D_HEAD, D_MODEL).T, "": lambda t: t}
    return {mine: ours[how](w[name]) for mine, name, how in LAYOUT}


def save_start(template, path, seed, weights, train_split, test_split):
    """This seed's start (the paper's split, torch's draw) as a Groklab start file, in the
    shape of `template` (Groklab's own start file of `nanda-transformer`), for
    `groklab train --init-from`."""
    with open(template) as f:
        start = json.load(f)
    t = to_groklab(weights)
    assert [p["name"] for p in start["parameters"]] and {p["name"] for p in start["parameters"]} == set(t), \
        f"{template}: not the paper's model ({sorted(p['name'] for p in start['parameters'])})"
    for p in start["parameters"]:
        value = t[p["name"]].contiguous()
        assert list(value.shape) == p["shape"], f"{p['name']}: {list(value.shape)} against the template's {p['shape']}"
        p["values"] = [float(v) for v in value.reshape(-1).tolist()]
    for side, (tok, y) in (("train", train_split), ("test", test_split)):
        start[side] = {"len": len(y), "tokens": tok.reshape(-1).tolist(), "labels": y.tolist()}
    start["config"]["seed"] = seed
    with open(path, "w") as f:
        json.dump(start, f)


def from_start(path):
    """Split and weights from Groklab's start file; the optimiser is the paper's."""
    start = load_start(path)
    config, t = start["config"], start["tensors"]
    task, model = config["task"], config["model"]
    assert task["kind"] == "modular" and task["p"] == P and task["op"] == "add", f"not the paper's a + b mod {P}: {task}"
    for key in ("layers", "d_model", "heads", "d_mlp", "layer_norm"):
        assert model.get(key) == PAPER_MODEL[key], f"model.{key} is {model.get(key)!r}; the paper's is {PAPER_MODEL[key]!r}"
    assert model.get("equals_output"), f"the read-out has {start['outputs']} logits; the paper's W_U has one per token, {VOCAB}"
    want = {"embed.tokens", "embed.positions", "unembed.weight"} | {
        f"blocks.0.{n}" for n in ("w_q", "w_k", "w_v", "w_o", "mlp_in.weight", "mlp_in.bias", "mlp_out.weight", "mlp_out.bias")}
    assert set(t) == want, f"parameters {sorted(t)}; the paper's model has exactly {sorted(want)}"
    w = from_groklab(t)
    for name, shape, fan in PARAMS:
        got = w[name]
        assert tuple(got.shape) == shape, f"{name} is {list(got.shape)}; the paper's is {list(shape)}"
        if fan == 0:
            assert bool((got == 0).all()), f"{name}: the paper starts its biases at zero"
        else:
            s, std = float(got.double().std()), fan ** -0.5
            assert abs(s / std - 1) <= 0.1, f"{name}: std {s:.4f}; the paper draws randn / √{fan} = {std:.4f}"
    assert start["seq_len"] == N_CTX and start["vocab"] == VOCAB, "expected (a, b, '=') over 114 tokens"

    def split(side):
        s = start[side]
        tok = torch.tensor(s["tokens"], dtype=torch.long).reshape(s["len"], N_CTX)
        y = torch.tensor(s["labels"], dtype=torch.long)
        assert bool((tok[:, 2] == P).all()), f"{side}: the last token is not '=' ({P})"
        assert bool((y == (tok[:, 0] + tok[:, 1]) % P).all()), f"{side}: a label is not (a + b) mod {P}"
        return tok, y

    train_split, test_split = split("train"), split("test")
    assert len(train_split[0]) == TRAIN_COUNT and len(test_split[0]) == P * P - TRAIN_COUNT, \
        f"{len(train_split[0])} training pairs; the paper trains on int(0.3 × {P * P}) = {TRAIN_COUNT}"
    config = {**config, "optim": {**config["optim"], **PAPER_OPTIM}}
    return config, w, train_split, test_split


def from_seed(seed, steps):
    """The paper's split (`gen_train_test`) and weights drawn by torch.manual_seed(seed)."""
    pairs = [(i, j, P) for i in range(P) for j in range(P)]
    random.seed(seed)
    random.shuffle(pairs)
    div = int(TRAIN_FRACTION * len(pairs))

    def split(rows):
        tok = torch.tensor(rows, dtype=torch.long)
        return tok, (tok[:, 0] + tok[:, 1]) % P

    # As transformers.py: `torch.randn(...) / np.sqrt(fan)`, float32 over the root as float32.
    torch.manual_seed(seed)
    w = {name: (torch.randn(shape) / np.sqrt(fan) if fan else torch.zeros(shape)) for name, shape, fan in PARAMS}
    config = {"seed": seed, "task": PAPER_TASK, "model": PAPER_MODEL, "optim": PAPER_OPTIM,
              "train": {"steps": steps, "batch_size": 0, "high_precision_loss": True}}
    return config, w, split(pairs[:div]), split(pairs[div:])


class Transformer(torch.nn.Module):
    """`transformers.Transformer` with use_ln = False, one block, its einsums."""

    def __init__(self, weights, dtype=torch.float32):
        super().__init__()
        for name, _, _ in PARAMS:
            setattr(self, name, torch.nn.Parameter(weights[name].clone().to(dtype)))
        self.register_buffer("mask", torch.tril(torch.ones((N_CTX, N_CTX), dtype=dtype)))

    def forward(self, x, cache=None):
        x = torch.einsum("dbp -> bpd", self.W_E[:, x]) + self.W_pos[: x.shape[-1]]
        k = torch.einsum("ihd,bpd->biph", self.W_K, x)
        q = torch.einsum("ihd,bpd->biph", self.W_Q, x)
        v = torch.einsum("ihd,bpd->biph", self.W_V, x)
        scores = torch.einsum("biph,biqh->biqp", k, q)
        scores = torch.tril(scores) - 1e10 * (1 - self.mask)
        attn = F.softmax(scores / np.sqrt(D_HEAD), dim=-1)
        z = torch.einsum("biph,biqp->biqh", v, attn)
        z_flat = z.permute(0, 2, 1, 3).reshape(z.shape[0], N_CTX, HEADS * D_HEAD)
        x = x + torch.einsum("df,bqf->bqd", self.W_O, z_flat)
        post = F.relu(torch.einsum("md,bpd->bpm", self.W_in, x) + self.b_in)
        if cache is not None:
            cache["post"] = post
        x = x + torch.einsum("dm,bpm->bpd", self.W_out, post) + self.b_out
        return x @ self.W_U


def key_frequencies(model):
    """`calculate_key_freqs`: {frequency: neurons whose best frequency it is}."""
    with torch.no_grad():
        data = torch.tensor([(i, j, P) for i in range(P) for j in range(P)])
        cache = {}
        model(data, cache)
        acts = cache["post"][:, -1].double()
        acts = acts - acts.mean(0, keepdim=True)
        basis = [torch.ones(P, dtype=torch.float64) / np.sqrt(P)]
        for k in range(1, P // 2 + 1):
            for f in (torch.cos, torch.sin):
                v = f(2 * np.pi * torch.arange(P, dtype=torch.float64) * k / P)
                basis.append(v / v.norm())
        basis = torch.stack(basis)
        four = torch.einsum("xyz,fx,Fy->fFz", acts.reshape(P, P, D_MLP), basis, basis)
        total = four.pow(2).sum((0, 1))
        best, best_frac = np.full(D_MLP, -1), np.full(D_MLP, -1e6)
        for k in range(1, P // 2):
            idx = [0, 2 * k - 1, 2 * k]
            frac = (four[idx][:, idx].pow(2).sum((0, 1)) / total).numpy()
            better = frac > best_frac
            best[better], best_frac[better] = k, frac[better]
        freqs, counts = np.unique(best, return_counts=True)
        return {int(f): int(c) for f, c in zip(freqs, counts)}


def train(weights, train_split, test_split, steps, every, dtype=torch.float32):
    """Full-batch AdamW with the paper's warm-up; a record at step 1 and every `every`
    steps, each taken after that step's update."""
    model = Transformer(weights, dtype)
    params = list(model.parameters())
    opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=1.0, betas=(0.9, 0.98), eps=1e-8)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: min(step / 10, 1))

    def loss_of(z, y):
        # `helpers.cross_entropy_high_precision`: the log-softmax in float64, whatever the
        # model's dtype (Groklab: train.high_precision_loss).
        return -F.log_softmax(z.to(torch.float64), dim=-1).gather(-1, y[:, None]).mean()

    def evaluate(x, y):
        z = model(x)[:, -1]
        return float(loss_of(z, y)), int((z.argmax(1) == y).sum()) / len(y)

    history = []
    for step in range(1, steps + 1):
        x, y = train_split
        loss_of(model(x)[:, -1], y).backward()
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        if step == 1 or step % every == 0:
            record(history, step, evaluate, train_split, test_split, params)
    return history, model


def main():
    ap = arguments(__doc__, "the paper's split for this seed, torch's CPU draw of the weights", 20000)
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--save-start", nargs=2, metavar=("TEMPLATE", "FILE"),
                    help="(with --seed) also write this seed's start, the paper's split and torch's draw, to FILE as a "
                         "Groklab start file shaped as TEMPLATE (`groklab train --preset nanda-transformer --save-init "
                         "TEMPLATE`), for `groklab train --init-from FILE`")
    ap.add_argument("--float64", action="store_true",
                    help="train in float64: how far float32 rounding alone moves the run (docs/science.md §8)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    config, weights, train_split, test_split = from_start(args.start) if args.start else from_seed(args.seed, args.steps)
    if args.save_start:
        assert args.seed is not None, "--save-start writes a seed's start: give --seed"
        save_start(*args.save_start, args.seed, weights, train_split, test_split)
    dtype = torch.float64 if args.float64 else torch.float32
    history, model = train(weights, train_split, test_split, args.steps, args.every, dtype)
    write_run(args.out, config, history, {
        "key_frequencies": key_frequencies(model),
        "dtype": str(dtype), "outputs": f"{VOCAB} logits (one per token, '=' too)", "warm_up": "LambdaLR(min(step/10, 1)): first update lr 0"})


if __name__ == "__main__":
    main()
