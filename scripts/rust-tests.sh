#!/usr/bin/env bash
# The Rust tests (`make test`'s first part), in two groups side by side: the two longest test
# binaries — the phase diagrams' science (tests/sweep.rs) and the presets' promises
# (tests/presets.rs), about 2 min each, whose last tests leave a core idle — beside all the
# others. On 2 cores this took the suite from 7.6 to 5.7 min (2026-12-04). A failure in either
# group fails the script, with both groups' output shown.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo="${CARGO:-cargo}"
# The compiled crates live outside the clone, as `make test` puts them.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/groklab-target}"
"$cargo" test --release --lib --bins --tests --no-run
heavy=(sweep presets)
rest=()
for f in tests/*.rs; do
  name=$(basename "$f" .rs)
  [[ " ${heavy[*]} " == *" $name "* ]] || rest+=(--test "$name")
done
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$cargo" test --release $(printf -- '--test %s ' "${heavy[@]}") >"$log" 2>&1 &
pid=$!
status=0
"$cargo" test --release --lib --bins "${rest[@]}" || status=$?
wait "$pid" || status=$?
echo "--- beside the tests above: tests/{${heavy[*]}}.rs ---"
cat "$log"
exit "$status"
