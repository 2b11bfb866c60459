#!/usr/bin/env bash
# Builds the playground into dist/ with Trunk (release, wasm-opt -O3), offline. Skips the
# build when none of its inputs changed since the last one (wasm-opt alone takes minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
# wasm-opt comes from npm's binaryen (see Trunk.toml); wasm-bindgen and trunk from cargo install.
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# The wasm build keeps its own persistent target dir, so it never invalidates the native one.
export CARGO_TARGET_DIR="${GROKLAB_WEB_TARGET_DIR:-$HOME/.cache/groklab/target-web}"

inputs=$(find src www vendor index.html Trunk.toml Cargo.toml Cargo.lock package-lock.json rust-toolchain.toml .cargo \
  -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [ -f dist/.inputs ] && [ "$(cat dist/.inputs)" = "$inputs" ] && [ -f dist/groklab_bg.wasm ]; then
  echo "build-web: dist/ is up to date" >&2
  exit 0
fi
# Trunk builds offline: fetch the wasm target's crates first (a no-op when they are cached;
# the native build does not fetch wasm-only crates such as fusion's gloo-timers).
cargo fetch --locked --target wasm32-unknown-unknown >&2
trunk build --release >&2
echo "$inputs" > dist/.inputs
