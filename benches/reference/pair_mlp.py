"""The PAIR explorable's grokking model, trained as its notebook sets it up
(`PAIR-code/ai-explorables`, `server-side/grokking/MLP_Modular_Addition.ipynb`;
docs/science.md §8, "The PAIR model"), in PyTorch float32.

  a + b mod 67 over the 2,278 pairs a ≤ b only; `np.random.seed(seed)`, then the first
  int(0.4 × 2,278) = 911 of `np.random.permutation(2278)` train and the other 1,367 test.
  One table E 67 × 500 embeds both operands and, transposed, reads out; H 500 × 24 and
  O 24 × 500, no biases: logits = ReLU(E_a·H + E_b·H)·O·Eᵀ. E ~ Haiku's VarianceScaling(2)
  (fan-in 67, truncated normal at ±2σ with σ = √(2/67) / 0.8796…, so its std is √(2/67));
  H and O Haiku's Linear default, truncated normal σ = 1/√fan_in (500, 24) cut at ±2σ.
  The loss is −mean(onehot · log_softmax) over the examples *and the 67 classes*
  (cross-entropy / 67); optax.adamw lr 1e-3, weight decay 1 on every matrix, β = (0.9, 0.98),
  ε = 1e-8, one group, full batch; a prediction is the argmax of the 67 logits.

  The notebook switches on `jax_enable_x64`: E stays float32, but H and O are drawn in the
  dtype of their input (the one-hot, float64), so H, O, every activation and the loss are
  float64, and E's gradient is cast back to float32. --notebook-dtypes does the same (from
  the same float32 start, so the two runs of a seed differ only in arithmetic); the default
  is float32 everywhere.

  The notebook runs `range(50000 + 1)`, 50,001 updates, and logs at its step s the training
  loss *before* update s + 1 but the rest *after* it: its step s is this script's step s + 1.
  The products are taken in the notebook's order, ReLU(E_a·H + E_b·H)·O·Eᵀ (another order
  of the same sums parts from it by 1.6e-5 relative at step 200 in float32); one thread.
  Once the training set is memorised, float32 runs spend most of their time on denormals;
  --flush-denormals flushes them to zero (3× faster then). It is off by default: it left
  every record of seed 165's 50,000 steps bit-identical but moved seed 3's from step ~7,000 on.

Two starts:
  --start FILE   Groklab's start file (`groklab train --save-init`): its split and weights,
                 which must be the notebook's kind (a ≤ b pairs, 911 of them for training,
                 no '=' row, the notebook's initial distributions); the optimiser and the
                 loss are the notebook's, whatever the config says. The per-step losses must
                 match Groklab's.
  --seed S       the notebook's split for seed S (numpy, as the notebook) and weights drawn
                 from the notebook's distributions by torch.manual_seed(S) (not jax's draw),
                 for the side-by-side milestones; the notebook's run is seed 165.
Writes a run.json-shaped file (--out) with a record at step 1 and every --every steps.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F

from common import adamw_groups, arguments, load_start, record, weight_norm, write_run

P = 67
D_EMB = 500
HIDDEN = 24
TRAIN_FRACTION = 0.4
PAIRS = P * (P + 1) // 2  # 2,278
TRAIN_COUNT = int(TRAIN_FRACTION * PAIRS)  # 911
# Std of a unit normal cut at ±2 (Haiku's VarianceScaling divides by it; TruncatedNormal does not).
TRUNC_STD = 0.87962566103423978
EMBED_SIGMA = math.sqrt(2 / P) / TRUNC_STD  # VarianceScaling(2.0), fan-in = shape[0] = 67
HIDDEN_SIGMA = D_EMB ** -0.5  # hk.Linear: TruncatedNormal(1/√fan_in)
OUT_SIGMA = HIDDEN ** -0.5

# The notebook's optimiser (optax.adamw(1e-3, weight_decay=1, b1=0.9, b2=0.98), eps 1e-8),
# in Groklab's form. The reference trains with it, whatever Groklab's config says, so a preset
# that strays from it fails the same-start test.
NOTEBOOK_OPTIM = {"embed": {"lr": 1e-3, "weight_decay": 1.0}, "rest": {"lr": 1e-3, "weight_decay": 1.0},
                  "beta1": 0.9, "beta2": 0.98, "eps": 1e-8, "warmup_steps": 0, "method": "adamw"}
NOTEBOOK_TASK = {"kind": "modular", "p": P, "op": "add", "train_fraction": TRAIN_FRACTION, "symmetric_split": True}
NOTEBOOK_MODEL = {"kind": "mlp", "d_emb": D_EMB, "combine": "sum", "tied": True, "widths": [HIDDEN],
                  "activation": "relu", "unembed": True, "bias": False}


def truncated_normal(shape, sigma):
    """Haiku's TruncatedNormal(stddev=sigma): N(0, sigma²) cut at ±2 sigma."""
    t = torch.empty(shape)
    torch.nn.init.trunc_normal_(t, std=sigma, a=-2 * sigma, b=2 * sigma)
    return t


def check_drawn(name, w, sigma):
    """The weight must look drawn from N(0, sigma²) cut at ±2 sigma: nothing beyond the cut,
    and its std within 10 % of the cut normal's, 0.8796 sigma."""
    top, std = float(w.abs().max()), float(w.double().std())
    assert top <= 2 * sigma * (1 + 1e-5), f"{name}: |w| reaches {top:.4f}, beyond the notebook's cut at 2σ = {2 * sigma:.4f}"
    assert abs(std / (TRUNC_STD * sigma) - 1) <= 0.1, \
        f"{name}: std {std:.4f}, not the notebook's truncated normal's {TRUNC_STD * sigma:.4f}"


def from_start(path):
    """Split and weights from Groklab's start file; the optimiser and loss are the notebook's."""
    start = load_start(path)
    config, t = start["config"], start["tensors"]
    task, model = config["task"], config["model"]
    assert task["kind"] == "modular" and task["p"] == P and task["op"] == "add", f"not the notebook's a + b mod {P}: {task}"
    for key, want in NOTEBOOK_MODEL.items():
        assert model.get(key) == want, f"model.{key} is {model.get(key)!r}; the notebook's model has {want!r}"
    want_names = {"embed.tokens", "decoder.hidden.0.weight", "decoder.out.weight"}
    assert set(t) == want_names, f"parameters {sorted(t)}; the notebook's model has exactly {sorted(want_names)}"
    assert tuple(t["embed.tokens"].shape) == (P, D_EMB), \
        f"embed.tokens is {list(t['embed.tokens'].shape)}; the notebook's table is [{P}, {D_EMB}] (no '=' row)"
    assert tuple(t["decoder.hidden.0.weight"].shape) == (D_EMB, HIDDEN), "decoder.hidden.0.weight is not [500, 24]"
    assert tuple(t["decoder.out.weight"].shape) == (HIDDEN, D_EMB), "decoder.out.weight is not [24, 500]"
    # The weights came from Groklab; they must come from the notebook's distributions.
    check_drawn("embed.tokens", t["embed.tokens"], EMBED_SIGMA)
    check_drawn("decoder.hidden.0.weight", t["decoder.hidden.0.weight"], HIDDEN_SIGMA)
    check_drawn("decoder.out.weight", t["decoder.out.weight"], OUT_SIGMA)
    assert start["seq_len"] == 3, f"seq_len {start['seq_len']}: expected (a, b, '=')"

    def split(side):
        s = start[side]
        tok = torch.tensor(s["tokens"], dtype=torch.long).reshape(s["len"], start["seq_len"])
        x, y = tok[:, :2], torch.tensor(s["labels"], dtype=torch.long)
        assert bool((x[:, 0] <= x[:, 1]).all()), f"{side}: a pair with a > b; the notebook takes only a ≤ b"
        assert bool((x < P).all()), f"{side}: an operand is not in 0…{P - 1}"
        assert bool((y == (x[:, 0] + x[:, 1]) % P).all()), f"{side}: a label is not (a + b) mod {P}"
        return x, y

    train_split, test_split = split("train"), split("test")
    pairs = {tuple(r) for r in torch.cat([train_split[0], test_split[0]]).tolist()}
    n = len(train_split[0]) + len(test_split[0])
    assert n == PAIRS and len(pairs) == PAIRS, f"{n} examples, {len(pairs)} distinct pairs; the notebook has {PAIRS} pairs a ≤ b"
    assert len(train_split[0]) == TRAIN_COUNT, \
        f"{len(train_split[0])} training pairs; the notebook trains on int(0.4 × {PAIRS}) = {TRAIN_COUNT}"
    config = {**config, "optim": {**config["optim"], **NOTEBOOK_OPTIM}}
    weights = (t["embed.tokens"].clone(), t["decoder.hidden.0.weight"].clone(), t["decoder.out.weight"].clone())
    return config, weights, train_split, test_split


def from_seed(seed, steps):
    """The notebook's split (np.random.seed, permutation), weights drawn by torch in the
    notebook's parameter order (embed, hidden, out)."""
    np.random.seed(seed)
    nums = range(P)
    inputs = np.array([[a, b] for a in nums for b in nums if a <= b]).astype(np.int32)
    outputs = (inputs[:, 0] + inputs[:, 1]) % P
    indices = np.random.permutation(len(inputs))
    split_idx = int(TRAIN_FRACTION * len(inputs))
    x, y = torch.tensor(inputs, dtype=torch.long), torch.tensor(outputs, dtype=torch.long)
    train_id, test_id = torch.tensor(indices[:split_idx]), torch.tensor(indices[split_idx:])
    torch.manual_seed(seed)
    weights = (truncated_normal((P, D_EMB), EMBED_SIGMA), truncated_normal((D_EMB, HIDDEN), HIDDEN_SIGMA),
               truncated_normal((HIDDEN, D_EMB), OUT_SIGMA))
    config = {"seed": seed, "task": NOTEBOOK_TASK, "model": NOTEBOOK_MODEL, "optim": NOTEBOOK_OPTIM,
              "train": {"steps": steps, "batch_size": 0}}
    return config, weights, (x[train_id], y[train_id]), (x[test_id], y[test_id])


def train(config, weights, train_split, test_split, steps, every, notebook_dtypes=False):
    """Full-batch AdamW as the notebook; a record at step 1 and every `every` steps, each
    taken after that step's update (the training loss too)."""
    compute = torch.float64 if notebook_dtypes else torch.float32
    e0, h0, o0 = weights
    embed = torch.nn.Parameter(e0.clone().float())  # float32 in the notebook too
    hidden = torch.nn.Parameter(h0.clone().to(compute))
    out = torch.nn.Parameter(o0.clone().to(compute))
    params = [embed, hidden, out]
    opt = adamw_groups(config["optim"], [embed], [hidden, out])

    def batch(x, y):
        return (x[:, 0], x[:, 1]), y

    def logits(operands):
        a, b = operands
        e = embed.to(compute)  # the notebook's one_hot(float64) · E(float32) is float64
        return (torch.relu(e[a] @ hidden + e[b] @ hidden) @ out) @ e.T

    def loss_of(z, y):
        # −mean(onehot · log_softmax) over examples and the 67 classes.
        return F.cross_entropy(z, y) / P

    def evaluate(operands, y):
        z = logits(operands)
        # Counted, then divided in float64: a float32 mean makes 9 of 10 right 0.8999999762.
        return float(loss_of(z, y)), int((z.argmax(1) == y).sum()) / len(y)

    train_batch, test_batch = batch(*train_split), batch(*test_split)
    initial_norm = weight_norm(params)
    history = []
    for step in range(1, steps + 1):
        opt.zero_grad(set_to_none=True)
        loss_of(logits(train_batch[0]), train_batch[1]).backward()
        opt.step()
        if step == 1 or step % every == 0:
            record(history, step, evaluate, train_batch, test_batch, params)
    return history, initial_norm


def main():
    ap = arguments(__doc__, "the notebook's split for this seed, torch's draw of the weights", 50000)
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--notebook-dtypes", action="store_true",
                    help="as the notebook with jax_enable_x64: E float32; H, O and the forward float64")
    ap.add_argument("--flush-denormals", action="store_true",
                    help="flush denormal floats to zero: faster, not IEEE arithmetic (see above)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.set_flush_denormal(args.flush_denormals)
    config, weights, train_split, test_split = from_start(args.start) if args.start else from_seed(args.seed, args.steps)
    history, initial_norm = train(config, weights, train_split, test_split, args.steps, args.every,
                                  args.notebook_dtypes)
    write_run(args.out, config, history, {
        "dtypes": "notebook (E float32; H, O, activations float64)" if args.notebook_dtypes else "float32",
        "pairs": f"a <= b only ({PAIRS}), {TRAIN_COUNT} for training",
        "loss": f"cross-entropy / {P}", "flush_denormals": args.flush_denormals, "initial_weight_norm": initial_norm})


if __name__ == "__main__":
    main()
