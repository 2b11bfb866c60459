"""Liu et al.'s toy model of addition, trained as their `toy/train_add.py` sets it up
(docs/science.md, "Liu's toy"), in PyTorch float32.

  p = 10, the 55 unordered pairs (a ≤ b), 45 of them for training; the answer a + b is one of
  2p − 1 = 19 classes, each a fixed random 30-d target drawn N(0, 1); the model is
  Dec(E_a + E_b) with 1-d embeddings E ~ U(−½, ½) and a tanh MLP 1-200-200-30 (PyTorch's
  default Linear init); the loss is the mean squared error to the targets over all elements;
  AdamW for the embeddings (lr 1e-3) and for the decoder (lr 1e-4), both β = (0.9, 0.999),
  ε = 1e-8, no weight decay, full batch; a prediction is the nearest target.
  RQI counts the parallelograms i + n = j + m of the whole table (70) present in the
  embeddings standardised with the unbiased std: mean squared gap below 0.01.

Two starts:
  --start FILE   Groklab's start file (`groklab train --save-init`): its split, targets,
                 weights and optimiser settings. The per-step losses must match Groklab's.
  --seed S       the authors' own draw for seed S, in their order (numpy for the targets and
                 the split, torch for the weights), for the side-by-side milestones.
Writes a run.json-shaped file (--out) with a record at every step.
"""

import itertools

import numpy as np
import torch
from torch import nn

from common import adamw_groups, arguments, linear_from, load_start, weight_norm, write_run

PRESENT_BELOW = 0.01


class Decoder(nn.Module):
    """tanh MLP: d_emb → widths… → target dim."""

    def __init__(self, d_in, widths, d_out):
        super().__init__()
        dims = [d_in, *widths]
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims, dims[1:]))
        self.out = nn.Linear(dims[-1], d_out)

    def forward(self, x):
        for layer in self.hidden:
            x = torch.tanh(layer(x))
        return self.out(x)


def all_parallelograms(p):
    """Every (i, n, j, m) with i < j ≤ m < n and i + n = j + m: the table's parallelograms."""
    return torch.tensor([(i, n, j, m) for i, j, m, n in itertools.product(range(p), repeat=4)
                         if i < j <= m < n and i + n == j + m])


def rqi(embed, quads):
    """Share of the table's parallelograms present in the standardised embeddings."""
    z = (embed - embed.mean(0)) / embed.std(0)  # torch's std: unbiased
    gap = z[quads[:, 0]] + z[quads[:, 1]] - z[quads[:, 2]] - z[quads[:, 3]]
    return float(((gap ** 2).mean(1) < PRESENT_BELOW).float().mean())


# The authors' optimiser settings (train_add.py's defaults and its two AdamW calls). The
# reference trains with these, whatever Groklab's config says, so a preset that strays from
# them fails the same-start test.
LIU_OPTIM = {"embed": {"lr": 1e-3, "weight_decay": 0.0}, "rest": {"lr": 1e-4, "weight_decay": 0.0},
             "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}


def from_start(path):
    """Model and data from Groklab's start file; the optimiser is the authors'."""
    start = load_start(path)
    config, t = start["config"], start["tensors"]
    assert config["model"]["kind"] == "toy" and config["task"]["kind"] == "addition", "a toy addition run"
    p = config["task"]["p"]
    widths = config["model"]["widths"]
    targets = torch.tensor(start["class_targets"], dtype=torch.float32)
    embed = nn.Parameter(t["embed.tokens"][:p].clone())  # the last row is '=', unused by Dec(E_a + E_b)
    decoder = decoder_from(t, embed.shape[1], widths, targets.shape[1])
    # The weights came from Groklab; they must at least come from the authors' distributions:
    # E in [−½, ½) (and the decoder PyTorch's, checked by `decoder_from`).
    e = embed.detach()
    assert float(e.abs().max()) <= 0.5 and float(e.std()) > 0.1, "embeddings are not U(-1/2, 1/2)"
    config = {**config, "optim": {**config["optim"], **LIU_OPTIM}}
    return config, p, embed, decoder, targets, operand_split(start, "train"), operand_split(start, "test")


def decoder_from(tensors, d_in, widths, d_out):
    """A Decoder with Groklab's start weights, which must come from PyTorch's default Linear
    init (each weight and bias within ±1/√fan_in)."""
    decoder = Decoder(d_in, widths, d_out)
    for k, layer in enumerate(decoder.hidden):
        linear_from(layer, tensors, f"decoder.hidden.{k}")
    linear_from(decoder.out, tensors, "decoder.out")
    for layer in [*decoder.hidden, decoder.out]:
        bound = layer.in_features ** -0.5
        for w in (layer.weight, layer.bias):
            w = w.detach()
            assert float(w.abs().max()) <= bound * (1 + 1e-6) and float(w.abs().max()) > 0.5 * bound, \
                f"a decoder layer is not PyTorch's default init (bound {bound:.4f})"
    return decoder


def operand_split(start, side):
    """One side of a start file's split: the (a, b) token columns and the labels."""
    s = start[side]
    tok = torch.tensor(s["tokens"], dtype=torch.long).reshape(s["len"], start["seq_len"])
    return tok[:, :2], torch.tensor(s["labels"], dtype=torch.long)


def from_seed(seed, p=10, train_num=45, d_out=30, width=200):
    """The authors' draw: np.random.seed, torch.manual_seed, targets, split, E, then the decoder."""
    np.random.seed(seed)
    torch.manual_seed(seed)
    targets = torch.tensor(np.random.normal(0, 1, size=(2 * p - 1, d_out)), dtype=torch.float32)
    pairs = [(i, j) for i in range(p) for j in range(i, p)]
    train_id = np.random.choice(len(pairs), train_num, replace=False)
    test_id = np.array(sorted(set(range(len(pairs))) - set(train_id)))
    embed = nn.Parameter(torch.rand(p, 1) - 0.5)
    decoder = Decoder(1, [width, width], d_out)
    x = torch.tensor(pairs, dtype=torch.long)
    y = x.sum(1)
    config = {
        "seed": seed,
        "task": {"kind": "addition", "p": p, "train_count": train_num},
        "model": {"kind": "toy", "d_emb": 1, "widths": [width, width], "mse_target_dim": d_out},
        "optim": LIU_OPTIM,
    }
    return config, p, embed, decoder, targets, (x[train_id], y[train_id]), (x[test_id], y[test_id])


def train(config, p, embed, decoder, targets, train_split, test_split, steps):
    """Full-batch training; a record after every step, as Groklab's `train.eval_every = 1`."""
    opt = adamw_groups(config["optim"], [embed], list(decoder.parameters()))
    quads = all_parallelograms(p)
    params = [embed, *decoder.parameters()]

    def evaluate(x, y):
        out = decoder(embed[x[:, 0]] + embed[x[:, 1]])
        loss = ((out - targets[y]) ** 2).mean()
        nearest = torch.cdist(out, targets).argmin(1)
        # Counted, then divided in float64: a float32 mean makes 9 of 10 right 0.8999999762.
        return float(loss), int((nearest == y).sum()) / len(y)

    history = []
    for step in range(1, steps + 1):
        opt.zero_grad()
        x, y = train_split
        out = decoder(embed[x[:, 0]] + embed[x[:, 1]])
        ((out - targets[y]) ** 2).mean().backward()
        opt.step()
        with torch.no_grad():
            train_loss, train_acc = evaluate(*train_split)
            test_loss, test_acc = evaluate(*test_split)
            history.append({
                "step": step, "train_loss": train_loss, "test_loss": test_loss, "train_acc": train_acc,
                "test_acc": test_acc, "weight_norm": weight_norm(params), "rqi": rqi(embed.detach(), quads),
            })
    return history


def main():
    args = arguments(__doc__, "the authors' own draw for this seed", 5000).parse_args()
    torch.set_num_threads(1)
    run = from_start(args.start) if args.start else from_seed(args.seed)
    history = train(*run, args.steps)
    rqi_95 = next((r["step"] for r in history if r["rqi"] > 0.95), None)
    write_run(args.out, run[0], history, {"rqi_step_95": rqi_95, "final_rqi": history[-1]["rqi"]})


if __name__ == "__main__":
    main()
