"""`make reference`'s checks and tables.

  compare.py same-start GROKLAB.json REFERENCE.json --tol 1e-3
      Both runs started from the same start file: their training loss must agree step by
      step to `tol` relative over every recorded step. Exits 1 on the first step that does not.
  compare.py same-outcome GROKLAB.json REFERENCE.json
      Both runs started from the same start file and trained long past the steps where they
      agree to rounding: both must reach test 90 %, or neither. Prints both steps.
  compare.py same-split GROKLAB_START.json REFERENCE_START.json [--weights]
      Two start files hold the same train and test examples in the same order (Groklab's
      `task.python_split` against the split the reference's own Python draws), and with
      --weights the same parameters bit for bit as float32 (Groklab's `model.init =
      nanda_torch` against torch's own draw). Exits 1 if not.
  compare.py table TITLE --groklab A.json … --reference B.json …
      One row per run: seed, train and test 90 %, RQI 0.95 (where recorded), test accuracy
      at the steps given by --at (the last record at or before each), final accuracies and
      weight norm, Groklab's runs first.
"""

import argparse
import json
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def same_start(args):
    g, r = load(args.groklab)["history"], load(args.reference)["history"]
    ref = {x["step"]: x for x in r}
    worst, compared = (0.0, None), 0
    for rec in g:
        other = ref.get(rec["step"])
        if other is None:
            continue
        a, b = rec["train_loss"], other["train_loss"]
        rel = abs(a - b) / max(abs(b), 1e-12)
        compared += 1
        if rel > worst[0]:
            worst = (rel, rec["step"])
        if not rel <= args.tol:
            print(f"FAIL {args.name}: step {rec['step']}: Groklab train loss {a:.9g}, reference {b:.9g} "
                  f"(relative {rel:.2e} > {args.tol:g})")
            sys.exit(1)
    if compared < args.min_steps:
        print(f"FAIL {args.name}: only {compared} common steps (want {args.min_steps})")
        sys.exit(1)
    print(f"ok   {args.name}: same start, {compared} steps, training loss agrees to {worst[0]:.1e} relative "
          f"at most (step {worst[1]}; limit {args.tol:g})")


def first_test_90(run):
    """The first recorded step with test accuracy at 90 % or more, or None."""
    return next((rec["step"] for rec in run["history"] if rec["test_acc"] >= 0.9), None)


def same_outcome(args):
    g, r = load(args.groklab), load(args.reference)
    steps = (first_test_90(g), first_test_90(r))
    when = ["never" if x is None else f"at step {x:,}" for x in steps]
    said = f"test 90 % {when[0]} in Groklab, {when[1]} in the reference (of {g['history'][-1]['step']:,} steps)"
    if (steps[0] is None) != (steps[1] is None):
        print(f"FAIL {args.name}: one start, two outcomes: {said}")
        sys.exit(1)
    print(f"ok   {args.name}: one start, one outcome: {said}")


def rqi_of(rec):
    """A record's RQI, or Liu's group RQI for a permutation run (Groklab: in its measures)."""
    for key in ("rqi", "group_rqi"):
        value = rec.get(key, (rec.get("measures") or {}).get(key))
        if value is not None:
            return value
    return None


def rqi_step(run, at=0.95):
    """First recorded step with RQI above `at`; "–" for a run that records no RQI."""
    if not any(rqi_of(rec) is not None for rec in run["history"]):
        return "–"
    for rec in run["history"]:
        value = rqi_of(rec)
        if value is not None and value > at:
            return rec["step"]
    return None


def fmt(x, pct=False):
    if x is None:
        return "never"
    if isinstance(x, str):
        return x
    return f"{100 * x:.1f} %" if pct else f"{x:,}"


def test_at(run, step):
    """Test accuracy of the last record at or before `step`."""
    before = [r for r in run["history"] if r["step"] <= step]
    return before[-1]["test_acc"] if before else None


def key_frequencies(run):
    """The run's final key frequencies from its neurons, as Nanda et al.'s `calculate_key_freqs`:
    the reference's, or Groklab's last snapshot's `neuron_key_frequencies`; "–" when the run has
    none. Their code files dead neurons under −1; they are left out here, as Groklab does."""
    keys = (run.get("reference") or {}).get("key_frequencies")
    if keys is None:
        snaps = [s for s in run.get("snapshots") or [] if (s.get("fourier") or {}).get("neuron_key_frequencies")]
        keys = {k: n for k, n in snaps[-1]["fourier"]["neuron_key_frequencies"]} if snaps else None
    if keys is None:
        return "–"
    return ",".join(f"{k}({keys[k]})" for k in sorted(keys, key=int) if int(k) > 0)


def table(args):
    print(f"\n{args.title}")
    at = "".join(f"{'test @ ' + format(s, ','):>14}" for s in args.at)
    print(f"{'run':<11} {'seed':>5} {'train 90 %':>11} {'test 90 %':>10} {'RQI 0.95':>9}{at} {'final train':>12} "
          f"{'final test':>11} {'weight norm':>12}" + ("  key frequencies" if args.keys else ""))
    for who, paths in (("Groklab", args.groklab), ("reference", args.reference)):
        for path in paths:
            run = load(path)
            h, s = run["history"], run["summary"]
            cells = "".join(f"{fmt(test_at(run, step), True):>14}" for step in args.at)
            print(f"{who:<11} {run['config']['seed']:>5} {fmt(s.get('train_step_90')):>11} {fmt(s.get('test_step_90')):>10} "
                  f"{fmt(rqi_step(run)):>9}{cells} {fmt(h[-1]['train_acc'], True):>12} {fmt(h[-1]['test_acc'], True):>11} "
                  f"{h[-1]['weight_norm']:>12.2f}" + (f"  {key_frequencies(run)}" if args.keys else ""))


def same_split(args):
    g, r = load(args.groklab), load(args.reference)
    for side in ("train", "test"):
        for key in ("len", "tokens", "labels"):
            if g[side].get(key) != r[side].get(key):
                print(f"FAIL {args.name}: the {side} split's {key} differ")
                sys.exit(1)
    weights = ""
    if args.weights:
        import numpy as np
        ours = {p["name"]: p for p in g["parameters"]}
        theirs = {p["name"]: p for p in r["parameters"]}
        if set(ours) != set(theirs):
            print(f"FAIL {args.name}: parameters {sorted(ours)} against {sorted(theirs)}")
            sys.exit(1)
        for name, p in ours.items():
            a, b = (np.asarray(x["values"], dtype=np.float32).view(np.uint32) for x in (p, theirs[name]))
            if p["shape"] != theirs[name]["shape"] or a.shape != b.shape:
                print(f"FAIL {args.name}: {name} is {p['shape']} against {theirs[name]['shape']}")
                sys.exit(1)
            if (a != b).any():
                print(f"FAIL {args.name}: {name} differs in {int((a != b).sum())} of {a.size} values")
                sys.exit(1)
        weights = f", and the same {sum(len(p['values']) for p in ours.values())} weights bit for bit"
    print(f"ok   {args.name}: the same {g['train']['len']} training and {g['test']['len']} test examples, in the same order{weights}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("same-start")
    s.add_argument("groklab")
    s.add_argument("reference")
    s.add_argument("--name", default="run")
    s.add_argument("--tol", type=float, default=1e-3)
    s.add_argument("--min-steps", type=int, default=200)
    o = sub.add_parser("same-outcome")
    o.add_argument("groklab")
    o.add_argument("reference")
    o.add_argument("--name", default="run")
    p = sub.add_parser("same-split")
    p.add_argument("groklab")
    p.add_argument("reference")
    p.add_argument("--name", default="run")
    p.add_argument("--weights", action="store_true")
    t = sub.add_parser("table")
    t.add_argument("title")
    t.add_argument("--groklab", nargs="+", default=[])
    t.add_argument("--reference", nargs="+", default=[])
    t.add_argument("--at", nargs="*", type=int, default=[])
    t.add_argument("--keys", action="store_true", help="a column of the final key frequencies")
    args = ap.parse_args()
    {"same-start": same_start, "same-outcome": same_outcome, "same-split": same_split, "table": table}[args.cmd](args)


if __name__ == "__main__":
    main()
