#!/usr/bin/env bash
# Builds the playground into dist/: the crate for wasm32 (profile web-release, burn's fusion on),
# wasm-bindgen's web bindings, wasm-opt -O3, and the page's static files copied beside them.
# No bundler: the page is plain ES modules, so the build is those four steps. It skips the
# build when none of its inputs changed since the last one (wasm-opt alone takes minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
# wasm-opt comes from npm's binaryen: Debian bookworm's binaryen 108 corrupts the externref
# table export of wasm-bindgen 0.2.130 output; binaryen 132 does not. wasm-bindgen comes
# from cargo install, at Cargo.lock's version (scripts/setup.sh).
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# The wasm build keeps its own persistent target dir, so it never invalidates the native one.
export CARGO_TARGET_DIR="${GROKLAB_WEB_TARGET_DIR:-$HOME/.cache/groklab/target-web}"

# What the page is made of, besides the wasm: copied to dist/ under the same paths, but for
# uPlot's module, which the page imports as vendor/uPlot.esm.js (as `groklab report` embeds it).
static=(index.html embed-example.html www lessons vendor/uplot/uPlot.min.css vendor/d3/d3-force.esm.js)

inputs=$(find src www vendor lessons index.html embed-example.html Cargo.toml Cargo.lock package-lock.json rust-toolchain.toml .cargo scripts/build-web.sh \
  -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [ -f dist/.inputs ] && [ "$(cat dist/.inputs)" = "$inputs" ] && [ -f dist/groklab_bg.wasm ]; then
  echo "build-web: dist/ is up to date" >&2
  exit 0
fi
# Cargo downloads what the wasm build needs and the native one did not (fusion's gloo-timers;
# build scripts' host crates), at the versions Cargo.lock pins.
cargo build --lib --locked --target wasm32-unknown-unknown --profile web-release \
  --no-default-features --features fusion >&2
rm -rf dist.tmp && mkdir -p dist.tmp/vendor
# wasm-bindgen and wasm-opt (minutes) run only when the compiled wasm changed: their output is
# kept beside it under the wasm's hash, so an edit to the page alone rebuilds in seconds.
wasm="$CARGO_TARGET_DIR/wasm32-unknown-unknown/web-release/groklab.wasm"
kept="$CARGO_TARGET_DIR/groklab-web/$(sha256sum "$wasm" | cut -d' ' -f1)"
if [ ! -f "$kept/groklab_bg.wasm" ]; then
  rm -rf "$CARGO_TARGET_DIR/groklab-web" && mkdir -p "$kept.tmp"
  wasm-bindgen --target web --no-typescript --out-dir "$kept.tmp" --out-name groklab "$wasm"
  # The features the module uses (reference types for wasm-bindgen's externref table, SIMD for
  # burn's CPU kernels) must be enabled for wasm-opt to read it; it adds none of its own.
  wasm-opt -O3 --enable-reference-types --enable-simd --enable-bulk-memory --enable-sign-ext \
    --enable-mutable-globals --enable-nontrapping-float-to-int --enable-multivalue \
    "$kept.tmp/groklab_bg.wasm" -o "$kept.tmp/groklab_bg.wasm"
  mv "$kept.tmp" "$kept"
fi
cp "$kept/groklab.js" "$kept/groklab_bg.wasm" dist.tmp/
for f in "${static[@]}"; do
  mkdir -p "dist.tmp/$(dirname "$f")"
  cp -R "$f" "dist.tmp/$f"
done
cp vendor/uplot/uPlot.esm.js dist.tmp/vendor/uPlot.esm.js
echo "$inputs" > dist.tmp/.inputs
rm -rf dist && mv dist.tmp dist
