#!/usr/bin/env bash
# `make reference`: Groklab's headline runs beside their references (benches/reference/),
# trained the way the papers' authors set them up, in PyTorch (the venv of `make bench`).
#  1. Same start: both train from one start file (`groklab train --save-init`), the reference
#     with the authors' own settings; their training losses must agree to 1e-3 relative at
#     every step, or this exits 1. Liu's toy runs 1,000 steps: a β2 of 0.98 instead of the
#     authors' 0.999 stays inside 1e-3 for 200 steps and leaves it at step 202.
#     Omnigrok's teacher–student run: 1,000 steps likewise. The PAIR model: 100 steps, for in
#     its memorisation phase float32 rounding grows ~30× every 25 steps from step ~75 (the
#     reference against itself in float64 parts likewise); every real difference tried (β2,
#     ε, weight decay 0.9, the loss not ÷ 67) parts by step 43 (docs/science.md §8).
#     Nanda's transformer: 80 steps, for the same reason (below). Liu's permutation toy:
#     500 steps (below). And PAIR's model from two starts to step 50,000, long after rounding
#     has parted the runs: the same outcome (both grok, or neither), or this exits 1.
#  2. The reference itself reproduces the authors' printed log or stored results where they
#     left them (Omnigrok's log; Liu's permutation grid).
#  3. Milestones: Groklab's preset and the reference, each from its own seeds, side by side.
# Results go to test-results/reference/.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/groklab-target}"
py=$(benches/torch_setup.sh | tail -1)
cargo build --release --bin groklab >&2
bin="$CARGO_TARGET_DIR/release/groklab"
out=test-results/reference
mkdir -p "$out"
ref=benches/reference
# Records at every step, no snapshot or NTK work the reference does not do either.
every=(--set train.eval_every=1 --set train.snapshot_every=0 --set train.ntk_every=0)

echo "== Same start (float32 both; the losses must agree to 1e-3 relative at every step)"
"$bin" train --preset toy-addition --steps 1000 "${every[@]}" --quiet \
  --save-init "$out/toy.start.json" --out "$out/toy.groklab.same.json" >/dev/null
"$py" "$ref/liu_toy.py" --start "$out/toy.start.json" --steps 1000 --out "$out/toy.reference.same.json"
"$py" "$ref/compare.py" same-start "$out/toy.groklab.same.json" "$out/toy.reference.same.json" --min-steps 1000 \
  --name "Liu's toy (toy-addition)"

"$bin" train --preset omnigrok --steps 1000 "${every[@]}" --quiet \
  --save-init "$out/omnigrok.start.json" --out "$out/omnigrok.groklab.same.json" >/dev/null
"$py" "$ref/omnigrok.py" --start "$out/omnigrok.start.json" --steps 1000 --out "$out/omnigrok.reference.same.json"
"$py" "$ref/compare.py" same-start "$out/omnigrok.groklab.same.json" "$out/omnigrok.reference.same.json" --min-steps 1000 \
  --name "Omnigrok's teacher-student (omnigrok)"

"$bin" train --preset modular-mlp --steps 100 "${every[@]}" --quiet \
  --save-init "$out/pair.start.json" --out "$out/pair.groklab.same.json" >/dev/null
"$py" "$ref/pair_mlp.py" --start "$out/pair.start.json" --steps 100 --out "$out/pair.reference.same.json"
"$py" "$ref/compare.py" same-start "$out/pair.groklab.same.json" "$out/pair.reference.same.json" --min-steps 100 \
  --name "PAIR's MLP (modular-mlp)"

# Nanda's transformer: 80 steps. It memorises fast (train loss 4.7 → 0.02 in 200 steps), and
# float32 rounding alone parts runs by 1e-3 near step 90–100 (the reference against itself
# in float64 at step 100, Groklab against it at 90); every real difference tried parts
# earlier: Groklab's own warm-up (lr/10 at update 1) at step 2, β2 0.999 at 32, weight decay
# 0.9 at 49, ε 1e-7 at 62.
# From a start drawn by Groklab's own generator (model.init = nanda, the same scheme)...
"$bin" train --preset nanda-transformer --set model.init=nanda --steps 80 "${every[@]}" --quiet \
  --save-init "$out/nanda.start.json" --out "$out/nanda.groklab.same.json" >/dev/null
"$py" "$ref/nanda_transformer.py" --start "$out/nanda.start.json" --steps 80 --out "$out/nanda.reference.same.json"
"$py" "$ref/compare.py" same-start "$out/nanda.groklab.same.json" "$out/nanda.reference.same.json" --min-steps 80 \
  --name "Nanda's transformer (nanda-transformer, model.init = nanda)"
# ...and the other way round: the reference's own start for seed 0 (the paper's split, torch's
# CPU draw of the weights) written as a start file, which Groklab trains from (--init-from).
# From this start float32 rounding parts runs sooner: two float32 runs, Groklab's and the
# reference's, by 1.0e-3 at step 78 (both losses in float32), each drifting its own way from
# the exact run, the reference in float64 (the reference by 3.5e-4 at 78, Groklab by 6.5e-4;
# 2026-12-05). So Groklab is held to the exact run here: 8.0e-4 at step 80 with the preset's
# high-precision loss.
"$py" "$ref/nanda_transformer.py" --seed 0 --steps 1 --save-start "$out/nanda.start.json" "$out/nanda.torch-start.json" \
  --out "$out/nanda.reference.seed0.step1.json"
"$py" "$ref/nanda_transformer.py" --start "$out/nanda.torch-start.json" --float64 --steps 80 --every 1 \
  --out "$out/nanda.reference.torch-start.float64.json"
"$bin" train --init-from "$out/nanda.torch-start.json" --steps 80 "${every[@]}" --quiet \
  --out "$out/nanda.groklab.torch-start.json" >/dev/null
"$py" "$ref/compare.py" same-start "$out/nanda.groklab.torch-start.json" "$out/nanda.reference.torch-start.float64.json" --min-steps 80 \
  --name "Nanda's transformer from the reference's start (--init-from), against the reference in float64"
# The preset's own start is that very start: its split (task.python_split) the one the
# reference's Python draws, its weights (model.init = nanda_torch) the ones torch draws.
"$bin" train --preset nanda-transformer --steps 1 --quiet \
  --save-init "$out/nanda.preset-start.json" --out "$out/nanda.groklab.preset-start.json" >/dev/null
"$py" "$ref/compare.py" same-split "$out/nanda.preset-start.json" "$out/nanda.torch-start.json" --weights \
  --name "Nanda's start: the preset's split and weights against the reference's random.shuffle and torch.randn"

# Liu's permutation toy (S3): 500 steps. At the preset's cell (decoder lr 4.64e-3, wd 30)
# float32 rounding alone grows to 3e-5 by step 500 and 6e-4 by step 1,000; leaving out the
# L1 term on the embeddings parts at step 88, β2 0.98 at step 54.
"$bin" train --preset permutations-s3 --steps 500 "${every[@]}" --quiet \
  --save-init "$out/s3.start.json" --out "$out/s3.groklab.same.json" >/dev/null
"$py" "$ref/liu_s3.py" --start "$out/s3.start.json" --steps 500 --out "$out/s3.reference.same.json"
"$py" "$ref/compare.py" same-start "$out/s3.groklab.same.json" "$out/s3.reference.same.json" --min-steps 500 \
  --name "Liu's permutation toy (permutations-s3)"

# PAIR's model from one start, to the end: past step ~150 the two part by rounding (as the
# reference does from itself), yet the start decides whether it groks: both must grok, or
# neither (2026-12-05: seed 0 at 24,800 and 26,500; seed 2 never, both). ~15 min a seed.
pair_every=(--set train.eval_every=100 --set train.snapshot_every=0 --set train.ntk_every=0)
for seed in 0 2; do
  "$bin" train --preset modular-mlp --seed "$seed" --steps 50000 "${pair_every[@]}" --quiet \
    --save-init "$out/pair.start.seed$seed.json" --out "$out/pair.groklab.long.seed$seed.json" >/dev/null
  "$py" "$ref/pair_mlp.py" --start "$out/pair.start.seed$seed.json" --steps 50000 --every 100 \
    --out "$out/pair.reference.long.seed$seed.json"
  "$py" "$ref/compare.py" same-outcome "$out/pair.groklab.long.seed$seed.json" "$out/pair.reference.long.seed$seed.json" \
    --name "PAIR's MLP (modular-mlp), seed $seed's start, 50000 steps"
done

echo "== The reference against the authors' own log"
# Liu's permutation notebook stored, per cell of its grid, the first epochs at 90 % of its
# seed-0 run: the reference's seed 0 must give them exactly where rounding cannot yet part
# runs (lr 1e-3, wd 0: train 155, test 204; at the preset's cell, 1,700 steps on, it gives
# 362 / 1,693 against their 362 / 1,690).
"$py" "$ref/liu_s3.py" --seed 0 --lr 1e-3 --wd 0 --steps 1000 --check-stored --out "$out/s3.reference.stored.json"
"$py" "$ref/omnigrok.py" --seed 0 --steps 19000 --every 200 --check-log --out "$out/omnigrok.reference.seed0.json"

echo "== Milestones, each from its own seeds"
# milestones NAME PRESET SCRIPT STEPS "SEEDS" "GROKLAB SETTINGS" "REFERENCE ARGS" TITLE [compare.py table options]
milestones() {
  local name=$1 preset=$2 script=$3 steps=$4 seeds=$5 sets=$6 args=$7 title=$8 seed
  shift 8
  local g=() r=()
  for seed in $seeds; do
    # shellcheck disable=SC2086 # the settings are words on purpose
    "$bin" train --preset "$preset" --seed "$seed" --steps "$steps" $sets --quiet --out "$out/$name.groklab.seed$seed.json" >/dev/null
    g+=("$out/$name.groklab.seed$seed.json")
    # shellcheck disable=SC2086
    "$py" "$ref/$script" --seed "$seed" --steps "$steps" $args --out "$out/$name.reference.seed$seed.json"
    r+=("$out/$name.reference.seed$seed.json")
  done
  "$py" "$ref/compare.py" table "$title" "$@" --groklab "${g[@]}" --reference "${r[@]}"
}

milestones toy toy-addition liu_toy.py 5000 "58 0 1 2" "--set train.eval_every=10 --set train.snapshot_every=10" "" \
  "Liu's toy model, p = 10, 45 training pairs, 5000 steps (Groklab's RQI at its snapshot steps)"
milestones omnigrok omnigrok omnigrok.py 40000 "0 1 2 3" "" "--every 200" \
  "Omnigrok's teacher-student run, wd 0.05, alpha 2, 40000 steps (the notebook logged test 45 % at 10k, 76 % at 19k)" \
  --at 10000 19000
milestones s3 permutations-s3 liu_s3.py 10000 "5 0 1 2 3" "--set train.eval_every=10" "--every 10 --lr 4.641588833612777e-3 --wd 30" \
  "Liu's permutation toy, S3, 24 of 36 pairs, decoder lr 4.64e-3, wd 30, 10000 steps (their seed 0 stored: train 362, test 1,690)"
# PAIR's model: 5–11 min a run natively on two cores beside other work (2026-12-05); the reference's
# steps take 1.8–7.7 ms (2026-12-03).
milestones pair modular-mlp pair_mlp.py 50000 "0 1 2 3" "--set train.eval_every=100 --set train.snapshot_every=0 --set train.ntk_every=0" \
  "--every 100" "PAIR's MLP, a + b mod 67, 911 pairs a <= b, wd 1, 50000 steps (the notebook's seed 165 logged test 90 % at 39,900)" \
  --at 10000 20000
# Nanda's transformer: 100 min (Groklab) and 124 min (the reference) for seed 0, one thread each, side by side (2026-12-05): seed 0 groks at 9,200 and 8,600.
milestones nanda nanda-transformer nanda_transformer.py 20000 "0 1" "--set train.eval_every=100 --set train.ntk_every=0" \
  "--every 100" "Nanda's transformer, a + b mod 113, 3,830 pairs, 20000 steps (the paper's seed 0: 1.4k / 9.4k / 14k, keys 14,35,41,42,52)" \
  --at 5000 10000 --keys
