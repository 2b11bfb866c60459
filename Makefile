# Groklab: the two commands are `make serve` and `make test` (see README.md).
# Compiled crates live outside the clone so fresh clones (and CI) reuse them.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/groklab-target
CARGO := cargo

.PHONY: serve test bench presets reference setup setup-web native-test clean

## Build and serve the playground on http://127.0.0.1:8080 (installs what is missing).
serve: setup-web
	scripts/serve.sh

## Run every test: Rust unit and integration tests (CPU and wgpu), then the browser tests.
test: setup-web
	CARGO=$(CARGO) scripts/rust-tests.sh
	$(CARGO) bench --no-run  # the bench must compile; running it is `make bench`
	scripts/browser-tests.sh

## Steps/s on the CPU against PyTorch, measured in the same run.
bench: setup
	scripts/bench.sh

## The headline runs beside their references in PyTorch (benches/reference/): the same-start
## test (per-step losses agree to 1e-3 over each reference's horizon: scripts/reference.sh) and the milestones side by side.
reference: setup
	scripts/reference.sh

## Train every preset natively and print what it did beside what it promises
## (PRESETS="quick-grok toy-addition" for some; the transformer presets take an hour each).
presets: setup
	$(CARGO) bench --bench presets -- $(PRESETS)

setup:
	@scripts/setup.sh native

setup-web:
	@scripts/setup.sh web

clean:
	rm -rf dist node_modules
