#!/usr/bin/env bash
# Builds the playground into dist/: the crate for wasm32 twice (profile web-release; the WebGPU
# build with burn's fusion, and the CPU build on every core under dist/threads/), each with
# wasm-bindgen's web bindings and wasm-opt -O3, and the page's static files copied beside them.
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
# One build of the core: cargo for wasm32 into its own target dir, then wasm-bindgen and
# wasm-opt, whose output (minutes of work) is kept beside the compiled wasm under its hash, so
# an edit to the page alone rebuilds in seconds. Args: the dist/ subfolder it goes to, the
# target dir, cargo's features, then extra cargo arguments. RUSTFLAGS is the caller's.
build() {
  local out="$1" target="$2" features="$3"
  shift 3
  # Cargo downloads what the wasm build needs and the native one did not, at Cargo.lock's versions.
  CARGO_TARGET_DIR="$target" cargo build --lib --locked --target wasm32-unknown-unknown --profile web-release \
    --no-default-features --features "$features" "$@" >&2
  local wasm="$target/wasm32-unknown-unknown/web-release/groklab.wasm"
  local kept
  kept="$target/groklab-web/$(sha256sum "$wasm" | cut -d' ' -f1)"
  if [ ! -f "$kept/groklab_bg.wasm" ]; then
    rm -rf "$target/groklab-web" && mkdir -p "$kept.tmp"
    wasm-bindgen --target web --no-typescript --out-dir "$kept.tmp" --out-name groklab "$wasm"
    # The features the module uses (reference types for wasm-bindgen's externref table, SIMD for
    # burn's CPU kernels, threads for the shared memory) must be enabled for wasm-opt to read
    # it; it adds none of its own.
    wasm-opt -O3 --enable-reference-types --enable-simd --enable-bulk-memory --enable-sign-ext \
      --enable-mutable-globals --enable-nontrapping-float-to-int --enable-multivalue --enable-threads \
      "$kept.tmp/groklab_bg.wasm" -o "$kept.tmp/groklab_bg.wasm"
    mv "$kept.tmp" "$kept"
  fi
  mkdir -p "dist.tmp/$out"
  cp -R "$kept/." "dist.tmp/$out/"
}
rm -rf dist.tmp && mkdir -p dist.tmp/vendor
# The WebGPU build: WebGPU with burn's fusion, and the CPU on one thread.
build . "$CARGO_TARGET_DIR" webgpu,fusion
# The CPU build on every core (www/worker.js loads it on a cross-origin isolated page): burn's
# CPU kernels on rayon, on Web Workers sharing the wasm's memory (wasm-bindgen-rayon). Shared
# memory needs std itself built with atomics: `-Z build-std` (rust-toolchain.toml's rust-src),
# which stable cargo takes with RUSTC_BOOTSTRAP=1, on the pinned toolchain. The linker
# arguments make the memory shared and imported (up to the 4 GiB a wasm32 can address) and
# export the thread-local storage that wasm-bindgen sets up for each thread.
RUSTC_BOOTSTRAP=1 RUSTFLAGS="-C target-feature=+atomics,+bulk-memory,+mutable-globals,+simd128 \
  -C link-arg=--shared-memory -C link-arg=--import-memory -C link-arg=--max-memory=4294967296 \
  -C link-arg=--export=__wasm_init_tls -C link-arg=--export=__tls_size \
  -C link-arg=--export=__tls_align -C link-arg=--export=__tls_base" \
  build threads "$CARGO_TARGET_DIR-threads" threads -Z build-std=panic_abort,std
for f in "${static[@]}"; do
  mkdir -p "dist.tmp/$(dirname "$f")"
  cp -R "$f" "dist.tmp/$f"
done
cp vendor/uplot/uPlot.esm.js dist.tmp/vendor/uPlot.esm.js
echo "$inputs" > dist.tmp/.inputs
rm -rf dist && mv dist.tmp dist
