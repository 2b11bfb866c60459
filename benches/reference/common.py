"""What every reference trainer in benches/reference/ shares: reading Groklab's start file
(`groklab train --save-init`), AdamW groups from a config, run.json-shaped output, and the
milestones `make reference` tabulates.

A reference trains its run the way the paper's authors set it up, in PyTorch, in float32.
Started from Groklab's start file it must follow Groklab step for step (the same-start test);
started from its own seed it is the authors' run, for the side-by-side milestones.
"""

import argparse
import json
import math

import torch


def load_start(path):
    """The start file as a dict, with each parameter as a float32 tensor under its name."""
    with open(path) as f:
        start = json.load(f)
    if start.get("version") != 1:
        raise SystemExit(f"{path}: start-file version {start.get('version')} is not 1")
    start["tensors"] = {
        p["name"]: torch.tensor(p["values"], dtype=torch.float32).reshape(p["shape"]) for p in start["parameters"]
    }
    return start


def linear_from(layer, tensors, prefix):
    """Copy Groklab's dense layer `prefix` ([fan_in, fan_out] weight) into a torch Linear."""
    with torch.no_grad():
        layer.weight.copy_(tensors[f"{prefix}.weight"].T)
        if layer.bias is not None:
            layer.bias.copy_(tensors[f"{prefix}.bias"])


def adamw_groups(optim, embed_params, rest_params):
    """torch's AdamW with Groklab's two groups (embeddings and the rest) from `optim` config."""
    return torch.optim.AdamW(
        [
            {"params": embed_params, "lr": optim["embed"]["lr"], "weight_decay": optim["embed"]["weight_decay"]},
            {"params": rest_params, "lr": optim["rest"]["lr"], "weight_decay": optim["rest"]["weight_decay"]},
        ],
        betas=(optim["beta1"], optim["beta2"]),
        eps=optim["eps"],
    )


def weight_norm(params):
    """‖θ‖ over every parameter, as Groklab records it."""
    return math.sqrt(sum(float((p.detach().double() ** 2).sum()) for p in params))


def record(history, step, evaluate, train_split, test_split, params):
    """Append the record taken after update `step`: each split's (loss, accuracy) from
    `evaluate(x, y)`, and ‖θ‖."""
    with torch.no_grad():
        train_loss, train_acc = evaluate(*train_split)
        test_loss, test_acc = evaluate(*test_split)
    history.append({"step": step, "train_loss": train_loss, "test_loss": test_loss, "train_acc": train_acc,
                    "test_acc": test_acc, "weight_norm": weight_norm(params)})


def first_step(history, key, at=0.9):
    """The first recorded step where `key` reaches `at`, or None."""
    return next((r["step"] for r in history if r.get(key) is not None and r[key] >= at), None)


def write_run(path, config, history, extra=None):
    """A run.json-shaped file: the config, the history and the milestones."""
    summary = {
        "train_step_90": first_step(history, "train_acc"),
        "test_step_90": first_step(history, "test_acc"),
        "final_train_acc": history[-1]["train_acc"] if history else None,
        "final_test_acc": history[-1]["test_acc"] if history else None,
    }
    out = {"config": config, "history": history, "summary": summary, "reference": extra or {}}
    with open(path, "w") as f:
        json.dump(out, f)


def arguments(doc, seed_help, steps):
    """The command line every reference shares: --start FILE or --seed S, --steps, --out."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    start = ap.add_mutually_exclusive_group(required=True)
    start.add_argument("--start", help="Groklab's start file")
    start.add_argument("--seed", type=int, help=seed_help)
    ap.add_argument("--steps", type=int, default=steps)
    ap.add_argument("--out", required=True)
    return ap
