"""PyTorch CPU reference for `make bench` (benches/throughput.rs).

Trains the same models as Groklab's bench, on the same data with the same optimiser, and
times full-batch training steps per second, so the two can be compared in one run:

  mlp97           a + b mod 97, half the pairs; embedding (128) of a and b, concatenated,
                  then Linear(256, 256) -> ReLU -> Linear(256, 97).
  transformer113  a + b mod 113, 30 % of the pairs; Nanda et al.'s one-layer transformer
                  over tokens (a, b, =): d_model 128, 4 heads, MLP 512, ReLU, no LayerNorm,
                  a logit per token ('=' too: 114), and their loss, the log-softmax in
                  float64 (`cross_entropy_high_precision`), as `nanda-transformer` has them.

Both use AdamW(lr 1e-3, weight decay 1, betas (0.9, 0.98)) on the mean cross-entropy. One
JSON line per model goes to stdout. The venv comes from benches/torch_setup.sh.

Usage: python benches/torch_ref.py [--model mlp97|transformer113|all] [--steps N]
                                   [--warmup W] [--threads T]
"""

import argparse
import json
import math
import time

import torch
import torch.nn.functional as F
from torch import nn


def modular_addition(p, frac):
    """The training split of (a, b) -> (a + b) mod p: the first pairs of a seeded shuffle."""
    a, b = torch.cartesian_prod(torch.arange(p), torch.arange(p)).T
    n_train = math.floor(frac * p * p + 1e-9)  # rounded down, as in Rust (Nanda: 3,830)
    order = torch.randperm(p * p, generator=torch.Generator().manual_seed(0))[:n_train]
    return a[order], b[order], ((a + b) % p)[order]


class Mlp(nn.Module):
    def __init__(self, p, d_emb=128, width=256):
        super().__init__()
        self.embed = nn.Parameter(torch.randn(p, d_emb) / math.sqrt(d_emb))
        self.mlp = nn.Sequential(nn.Linear(2 * d_emb, width), nn.ReLU(), nn.Linear(width, p))

    def forward(self, a, b):
        return self.mlp(torch.cat([self.embed[a], self.embed[b]], dim=1))


class Transformer(nn.Module):
    def __init__(self, p, d_model=128, heads=4, d_mlp=512):
        super().__init__()
        self.p, self.heads = p, heads
        self.W_E = nn.Parameter(torch.randn(p + 1, d_model) / math.sqrt(d_model))  # '=' is p
        self.W_pos = nn.Parameter(torch.randn(3, d_model) / math.sqrt(d_model))
        self.q, self.k, self.v, self.o = (nn.Linear(d_model, d_model, bias=False) for _ in range(4))
        self.mlp = nn.Sequential(nn.Linear(d_model, d_mlp), nn.ReLU(), nn.Linear(d_mlp, d_model))
        self.unembed = nn.Linear(d_model, p + 1, bias=False)  # a logit for '=' too

    def forward(self, a, b):
        x = self.W_E[torch.stack([a, b, torch.full_like(a, self.p)], dim=1)] + self.W_pos
        n, t, d = x.shape

        def heads(y):  # [n, t, d] -> [n, heads, t, d_head]
            return y.view(n, t, self.heads, d // self.heads).transpose(1, 2)

        # Causal softmax attention, scores scaled by 1/sqrt(d_head).
        z = F.scaled_dot_product_attention(heads(self.q(x)), heads(self.k(x)), heads(self.v(x)), is_causal=True)
        x = x + self.o(z.transpose(1, 2).reshape(n, t, d))
        x = x + self.mlp(x)
        return self.unembed(x[:, -1])


def high_precision(logits, labels):
    """Nanda et al.'s `cross_entropy_high_precision`: the log-softmax in float64."""
    return -F.log_softmax(logits.double(), dim=-1).gather(-1, labels[:, None]).mean()


MODELS = {  # name: (p, training fraction, model class, loss)
    "mlp97": (97, 0.5, Mlp, F.cross_entropy),
    "transformer113": (113, 0.3, Transformer, high_precision),
}


def bench(name, steps, warmup):
    p, frac, model_class, loss_of = MODELS[name]
    torch.manual_seed(0)
    a, b, y = modular_addition(p, frac)
    model = model_class(p)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1.0, betas=(0.9, 0.98), eps=1e-8)

    def step():
        opt.zero_grad()
        loss = loss_of(model(a, b), y)
        loss.backward()
        opt.step()
        return loss

    for _ in range(warmup):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        loss = step()
    elapsed = time.perf_counter() - start
    return {
        "model": name,
        "steps_per_s": steps / elapsed,
        "steps": steps,
        "threads": torch.get_num_threads(),
        "final_train_loss": loss.item(),
        "train_pairs": len(y),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=[*MODELS, "all"], default="all")
    parser.add_argument("--steps", type=int, default=50, help="timed steps (after warm-up)")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's own)")
    args = parser.parse_args()
    if args.steps < 1:
        parser.error("--steps must be at least 1")
    if args.threads:
        torch.set_num_threads(args.threads)
    for name in MODELS if args.model == "all" else [args.model]:
        print(json.dumps(bench(name, args.steps, args.warmup)), flush=True)


if __name__ == "__main__":
    main()
