#!/usr/bin/env bash
# The front-end libraries the page and `groklab report` share, copied from node_modules
# (package.json pins their versions) into vendor/, where the Rust crate can include them
# without npm. `scripts/vendor.sh --check` fails when vendor/ is not what this would write.
#   vendor/uplot/     uPlot's ES module, CSS and licence, as published
#   vendor/d3/        d3-force (and the d3-dispatch, d3-quadtree, d3-timer it needs) as one
#                     ES module: their published UMD builds define globalThis.d3, and the
#                     module re-exports what the graph view uses
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/uplot" "$out/d3"
cp node_modules/uplot/dist/uPlot.esm.js node_modules/uplot/dist/uPlot.min.css node_modules/uplot/LICENSE "$out/uplot/"
{
  echo "// d3-force and its dependencies, from node_modules by scripts/vendor.sh (ISC licence: LICENSE)."
  for m in d3-dispatch d3-quadtree d3-timer d3-force; do
    echo "// $m $(node -p "require('./node_modules/$m/package.json').version")"
    grep -v '^// https://d3js.org' "node_modules/$m/dist/$m.min.js"
    echo
  done
  echo "const d3 = globalThis.d3;"
  echo "export const { forceSimulation, forceLink, forceManyBody, forceCenter, forceX, forceY } = d3;"
} >"$out/d3/d3-force.esm.js"
cp node_modules/d3-force/LICENSE "$out/d3/LICENSE"
if [ "${1:-}" = --check ]; then
  diff -r "$out" vendor >/dev/null || { echo "vendor/ differs from node_modules (package.json): run scripts/vendor.sh" >&2; diff -r "$out" vendor | head -5 >&2; exit 1; }
else
  rm -rf vendor/uplot vendor/d3
  cp -r "$out/uplot" "$out/d3" vendor/
fi
