#!/usr/bin/env bash
# Installs the PyTorch (CPU) reference for `make bench` into its own venv and prints that
# venv's python on the last stdout line. Once installed, it only checks
# that torch imports (1-2 s).
#
# Where the PyTorch CPU index is reachable, the small CPU-only wheel comes from there.
# Otherwise the wheel comes from PyPI, whose Linux build links the CUDA libraries: they are
# installed (the import needs them), but triton and cuda-bindings, needed only on a GPU,
# are left out (~1 GB saved). Log output goes to stderr.
set -euo pipefail

VENV="${GROKLAB_CACHE:-$HOME/.cache/groklab}/torch-venv"
PY="$VENV/bin/python"
CPU_INDEX="https://download.pytorch.org/whl/cpu"

if [ -x "$PY" ] && "$PY" -c 'import torch' 2>/dev/null; then
    echo "$PY"
    exit 0
fi

log() { echo "torch_setup: $*" >&2; }
pip_install() { "$PY" -m pip install --no-cache-dir --quiet "$@" >&2; }

log "creating $VENV"
python3 -m venv "$VENV" >&2

if "$PY" -c "import urllib.request as u; u.urlopen('$CPU_INDEX/torch/', timeout=5)" 2>/dev/null; then
    log "installing torch from the CPU index"
    pip_install torch --index-url "$CPU_INDEX"
    pip_install numpy  # keeps torch's import quiet
else
    log "CPU index unreachable: installing torch from PyPI (~4 GB with its CUDA libraries)"
    pip_install --no-deps torch
    # torch's own requirements, minus the GPU-only ones and the extras; numpy to keep
    # torch's import quiet.
    mapfile -t deps < <("$PY" - <<'EOF'
from importlib.metadata import requires
from pip._vendor.packaging.requirements import Requirement
for r in map(Requirement, requires("torch")):
    if r.name not in ("triton", "cuda-bindings") and (r.marker is None or r.marker.evaluate({"extra": ""})):
        print(r)
EOF
    )
    log "(pip's warning that triton and cuda-bindings are missing is expected)"
    pip_install "${deps[@]}" numpy
fi

"$PY" -c 'import torch; torch.ones(2) @ torch.ones(2)' >&2
log "installed torch $("$PY" -c 'import torch; print(torch.__version__)')"
echo "$PY"
