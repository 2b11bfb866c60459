#!/usr/bin/env bash
# Installs whatever `make test`, `make serve` and `make bench` need on a Debian machine, and
# returns in about a second when everything is already there.
#   scripts/setup.sh native   Rust toolchain (pinned in rust-toolchain.toml), Vulkan (lavapipe)
#   scripts/setup.sh web      + Chromium, wasm-bindgen-cli, npm packages (uPlot, binaryen, playwright-core)
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-native}"
# cargo install puts the pinned tools here; the checks below must see them.
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages, installed only when one is missing.
apt_need() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq >/dev/null || true
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# rustup installs the toolchain and targets pinned in rust-toolchain.toml on first use.
if ! command -v rustup >/dev/null; then
  say "rustup is required: https://rustup.rs"; exit 1
fi
rustup show active-toolchain >/dev/null 2>&1 || rustup toolchain install >/dev/null
# Older rustups do not install the listed targets automatically.
rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown >/dev/null
# Nor the listed components: std's source, for the threaded browser build (scripts/build-web.sh).
rustup component list --installed | grep -q '^rust-src' || rustup component add rust-src >/dev/null

# Native wgpu tests run on Mesa's lavapipe (a Vulkan driver on the CPU) where there is no GPU.
apt_need pkg-config libvulkan1 mesa-vulkan-drivers

[ "$what" = native ] && exit 0

apt_need chromium

# wasm-bindgen-cli at the version Cargo.lock names (its output must match the crate's
# wasm-bindgen); nothing is downloaded at build time.
toolchain=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
bindgen=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
if [ "$(wasm-bindgen --version 2>/dev/null | cut -d' ' -f2)" != "$bindgen" ]; then
  say "installing wasm-bindgen-cli $bindgen (about 3 minutes, once)"
  cargo +"$toolchain" install wasm-bindgen-cli --version "$bindgen" --force >&2
fi

# Front-end libraries (uPlot) and the browser-test driver (playwright-core, which never
# downloads a browser: the tests use Debian's Chromium).
if [ ! -d node_modules/uplot ] || [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/binaryen ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund >&2
fi
