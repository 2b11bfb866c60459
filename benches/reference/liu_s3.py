"""Liu et al.'s permutation toy model, trained as their `toy/Figure5d_permutation.ipynb` sets
it up (docs/science.md, "Liu's permutation toy"), in PyTorch float32.

  S3: its 6 permutations numbered in lexicographic order, 24 of the 36 pairs for training;
  each answer is one of 6 classes, each a fixed random 30-d target drawn N(0, 1); the model
  reads each 9-d embedding as a 3 × 3 matrix and decodes their product, Dec(A_a A_b), with a
  tanh MLP 9-200-200-30 (PyTorch's default Linear init); embeddings (U(0, 1) − ½) · 0.1; the
  loss is the mean squared error to the targets over all elements plus 1e-3 · mean|E|;
  AdamW for the embeddings (lr 1e-3, no weight decay) and for the decoder (the cell's lr and
  weight decay), both β = (0.9, 0.999), ε = 1e-8, full batch; a prediction is the nearest
  target. Recorded losses are the mean squared error alone, as Groklab records them.
  Their RQI for groups: the embeddings divided by their RMS, read as matrices; of the 90
  pairs of pairs with the same answer, the share whose products differ by a mean square
  below 0.5.

Groklab's table is their table transposed: Groklab's answer for (a, b) is σ_a∘σ_b, theirs
σ_b∘σ_a. With A ↦ Aᵀ, the decoder's input permuted and a, b swapped, one is the other, and
every draw (uniform embeddings, PyTorch's Linear init, a uniform split) is the same
distribution either way, so the runs are the same runs (docs/science.md).

Two starts:
  --start FILE   Groklab's start file (`groklab train --save-init`): its split, targets and
                 weights, the decoder's lr and weight decay from its config. The per-step
                 losses must match Groklab's.
  --seed S       the authors' own draw for seed S, in their order (numpy for the targets and
                 the split, torch for the unused encoder, the decoder and then the embeddings).
  --lr, --wd     the decoder's (for --seed; their grid is lr 1e-5 … 1e-2 × wd 0 … 200).
  --check-stored (with --seed 0) the first steps at 90 % must be the authors' stored ones
                 for this cell (toy/results/fig5d, copied below as STORED).
Writes a run.json-shaped file (--out) with a record at every step (or every --every).
"""

import itertools
import math

import numpy as np
import torch
from torch import nn

from common import arguments, first_step, load_start, record, write_run
from liu_toy import Decoder, decoder_from, operand_split

N = 3
LAMBDA = 1e-3
INIT_SCALE = 0.1


def permutations(n):
    """S_n in the notebook's order (its recursive `permutation`: lexicographic)."""
    return [list(p) for p in itertools.permutations(range(n))]


def liu_table(n):
    """Every (a, b) and its answer as the notebook composes them: out[k] = p_b[p_a[k]]."""
    perms = permutations(n)
    index = {tuple(p): i for i, p in enumerate(perms)}
    pairs = [(i, j) for i in range(len(perms)) for j in range(len(perms))]
    answers = [index[tuple(np.array(perms[j])[np.array(perms[i])])] for i, j in pairs]
    return torch.tensor(pairs, dtype=torch.long), torch.tensor(answers, dtype=torch.long)


def same_answer_pairs(pairs, answers):
    """The notebook's P0: every two pairs of the table with the same answer (90 for S3)."""
    assert len(pairs) == math.factorial(N) ** 2, "the whole table"
    return [(pairs[i].tolist(), pairs[j].tolist()) for i in range(len(pairs)) for j in range(i + 1, len(pairs))
            if answers[i] == answers[j]]


def group_rqi(embed, p0):
    """Their RQI for groups: the share of same-answer pairs whose matrix products agree."""
    m = embed / torch.sqrt((embed ** 2).mean())
    m = m.reshape(len(embed), N, N)
    hits = sum(float(((m[a] @ m[b] - m[c] @ m[d]) ** 2).mean()) < 0.5 for (a, b), (c, d) in p0)
    return hits / len(p0)


def forward(decoder, embed, x):
    bs = x.shape[0]
    product = torch.matmul(embed[x[:, 0]].reshape(bs, N, N), embed[x[:, 1]].reshape(bs, N, N))
    return decoder(product.reshape(bs, -1))


def from_start(path):
    """Model and data from Groklab's start file; the decoder's lr and wd from its config."""
    start = load_start(path)
    config, t = start["config"], start["tensors"]
    model, task, optim = config["model"], config["task"], config["optim"]
    assert model["kind"] == "toy" and model.get("combine") == "product" and task["kind"] == "permutation" \
        and task["n"] == N, "Liu's permutation run: a toy model with combine = product on S3"
    classes = math.factorial(N)
    targets = torch.tensor(start["class_targets"], dtype=torch.float32)
    embed = nn.Parameter(t["embed.tokens"][:classes].clone())  # the last row is '=', never read
    decoder = decoder_from(t, embed.shape[1], model["widths"], targets.shape[1])
    # The weights came from Groklab; they must come from the authors' distributions:
    # E in [−0.05, 0.05) (and the decoder PyTorch's, checked by `decoder_from`).
    e = embed.detach()
    assert float(e.abs().max()) <= 0.05 and float(e.std()) > 0.02, "embeddings are not (U − 1/2) · 0.1"
    cell = (optim["rest"]["lr"], optim["rest"]["weight_decay"])
    return config, cell, embed, decoder, targets, operand_split(start, "train"), operand_split(start, "test")


def from_seed(seed, lr, wd, train_num=24, d_out=30, width=200):
    """The authors' draw, in the notebook's order."""
    np.random.seed(seed)
    torch.manual_seed(seed)
    classes = math.factorial(N)
    targets = torch.tensor(np.random.normal(0, 1, size=(classes, d_out)), dtype=torch.float32)
    pairs, answers = liu_table(N)
    train_id = np.random.choice(len(pairs), train_num, replace=False)
    test_id = np.array(sorted(set(range(len(pairs))) - set(train_id)))
    # Their AE builds an encoder NET(1, 9) it never uses, before the decoder: its draws come first.
    Decoder(1, [width, width], N * N)
    decoder = Decoder(N * N, [width, width], d_out)
    embed = nn.Parameter((torch.rand(classes, N * N) - 0.5) * INIT_SCALE)
    config = {
        "seed": seed,
        "task": {"kind": "permutation", "n": N, "train_count": train_num},
        "model": {"kind": "toy", "d_emb": N * N, "combine": "product", "embed_scale": INIT_SCALE,
                  "widths": [width, width], "mse_target_dim": d_out},
        "optim": {"embed": {"lr": 1e-3, "weight_decay": 0.0}, "rest": {"lr": lr, "weight_decay": wd},
                  "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "embed_l1": LAMBDA},
    }
    train_ids = torch.tensor(train_id, dtype=torch.long)
    test_ids = torch.tensor(test_id, dtype=torch.long)
    return config, (lr, wd), embed, decoder, targets, (pairs[train_ids], answers[train_ids]), \
        (pairs[test_ids], answers[test_ids])


def train(config, cell, embed, decoder, targets, train_split, test_split, steps, every, reorder):
    """Full batch; the notebook's two AdamWs (PyTorch's defaults but lr and weight decay)."""
    lr, wd = cell
    opt_embed = torch.optim.AdamW([embed], lr=1e-3, weight_decay=0.0)
    opt_dec = torch.optim.AdamW(decoder.parameters(), lr=lr, weight_decay=wd)
    # Over the table the run trains on (train and test together): theirs from --seed,
    # Groklab's (its transpose) from --start.
    p0 = same_answer_pairs(torch.cat([train_split[0], test_split[0]]), torch.cat([train_split[1], test_split[1]]))
    params = [embed, *decoder.parameters()]

    def evaluate(x, y):
        out = forward(decoder, embed, x)
        loss = ((out - targets[y]) ** 2).mean()
        nearest = torch.cdist(out, targets).argmin(1)
        return float(loss), int((nearest == y).sum()) / len(y)

    x, y = train_split
    history = []
    for step in range(1, steps + 1):
        opt_embed.zero_grad()
        opt_dec.zero_grad()
        # The notebook draws a full batch in a new order every step (the sum's order only).
        order = torch.tensor(np.random.choice(len(x), len(x), replace=False)) if reorder else torch.arange(len(x))
        out = forward(decoder, embed, x[order])
        loss = ((out - targets[y[order]]) ** 2).mean() + LAMBDA * embed.abs().mean()
        loss.backward()
        opt_embed.step()
        opt_dec.step()
        if step % every == 0 or step == steps:
            record(history, step, evaluate, train_split, test_split, params)
            history[-1]["group_rqi"] = group_rqi(embed.detach(), p0)
    return history


# The authors' stored results (toy/results/fig5d/{train,test}_eta2_LR_wd_WD.txt, seed 0, 10,000
# steps): the epoch (from 0) at which train and test accuracy first reached 90 %, 9999 for
# never, for the decoder lr 10^linspace(−5, −2, 10) (columns) and weight decay (rows).
STORED_LRS = [float(x) for x in 10 ** np.linspace(-5, -2, num=10)]
STORED = {
    0: [(592, 9999), (543, 9999), (332, 950), (238, 560), (223, 358), (185, 254), (154, 203), (118, 164), (98, 147), (63, 126)],
    1: [(594, 9999), (549, 9999), (335, 948), (240, 572), (228, 364), (190, 262), (166, 213), (126, 180), (113, 169), (90, 158)],
    2: [(597, 9999), (553, 9999), (337, 947), (241, 584), (234, 369), (198, 270), (174, 225), (138, 214), (126, 192), (121, 178)],
    3: [(600, 9999), (557, 9999), (340, 947), (243, 596), (239, 374), (205, 281), (177, 249), (151, 233), (154, 238), (117, 207)],
    5: [(605, 9999), (565, 9999), (346, 950), (245, 622), (252, 384), (217, 308), (189, 300), (170, 254), (147, 241), (134, 211)],
    10: [(622, 9999), (592, 9999), (362, 971), (259, 695), (293, 420), (257, 424), (272, 381), (242, 320), (192, 266), (157, 246)],
    20: [(664, 9999), (663, 9999), (395, 1140), (319, 874), (419, 1330), (427, 613), (333, 469), (277, 341), (272, 396), (280, 403)],
    30: [(722, 9999), (759, 9999), (390, 1494), (403, 1153), (569, 966), (430, 799), (408, 622), (383, 531), (361, 1689), (373, 659)],
    50: [(894, 9999), (1086, 9999), (693, 1887), (957, 1680), (824, 4997), (594, 1456), (1859, 9999), (2210, 9999), (3242, 9999), (9070, 9999)],
    100: [(1573, 9999), (3159, 9999), (2225, 9999), (4492, 9999), (4595, 9999), (4856, 9999), (8443, 9999), (9999, 9999), (9999, 9999), (9999, 9999)],
    200: [(9999, 9999)] * 10,
}


def stored_steps(lr, wd):
    """The authors' stored first steps at 90 % (train, test) for the cell, as step numbers
    (their epoch + 1; None for never), or None when the cell is not on their grid."""
    col = next((i for i, x in enumerate(STORED_LRS) if abs(x - lr) <= 1e-3 * x), None)
    if col is None or wd not in STORED:
        return None
    return tuple(None if e == 9999 else e + 1 for e in STORED[wd][col])


def check_stored(cell, summary):
    """Exit 1 unless this run's first steps at 90 % are the authors' stored ones."""
    theirs = stored_steps(*cell)
    if theirs is None:
        raise SystemExit(f"lr {cell[0]:g}, wd {cell[1]:g} is not a cell of the authors' grid")
    ours = (summary["train_step_90"], summary["test_step_90"])
    print(f"  lr {cell[0]:.3g}, wd {cell[1]:g}: train / test 90 % at {ours[0]} / {ours[1]}; "
          f"the authors' stored run: {theirs[0]} / {theirs[1]}")
    if ours != theirs:
        raise SystemExit("the reference does not reproduce the authors' stored steps for this cell")


def main():
    ap = arguments(__doc__, "the authors' own draw for this seed", 10000)
    ap.add_argument("--lr", type=float, default=1e-3, help="the decoder's learning rate (--seed)")
    ap.add_argument("--wd", type=float, default=0.0, help="the decoder's weight decay (--seed)")
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--check-stored", action="store_true", help="(--seed 0) exit 1 unless the first steps at "
                    "90 %% are the authors' stored ones for this cell")
    args = ap.parse_args()
    torch.set_num_threads(1)
    run = from_start(args.start) if args.start else from_seed(args.seed, args.lr, args.wd)
    # Groklab trains its examples in one order; the authors' reorder every step (numpy's stream).
    history = train(*run, args.steps, args.every, reorder=args.start is None)
    rqi_95 = next((r["step"] for r in history if r["group_rqi"] > 0.95), None)
    write_run(args.out, run[0], history, {"group_rqi_step_95": rqi_95, "final_group_rqi": history[-1]["group_rqi"]})
    if args.check_stored:
        check_stored(run[1], {"train_step_90": first_step(history, "train_acc"), "test_step_90": first_step(history, "test_acc")})


if __name__ == "__main__":
    main()
