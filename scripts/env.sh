# Sourced by scripts/demo and scripts/test: one cargo target directory and
# one virtual environment outside the clone, so that later runs on the same
# machine reuse the polars build and the Python packages.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/attain-target}"
export ATTAIN_VENV="${ATTAIN_VENV:-$HOME/.cache/attain-venv}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

python_env() {
    if [ ! -x "$ATTAIN_VENV/bin/python" ]; then
        python3 -m venv "$ATTAIN_VENV"
    fi
    # shellcheck disable=SC1091
    source "$ATTAIN_VENV/bin/activate"
    if ! cmp -s "$ROOT/python/requirements-dev.txt" "$ATTAIN_VENV/.attain-requirements" 2>/dev/null; then
        python -m pip install --quiet -r "$ROOT/python/requirements-dev.txt"
        cp "$ROOT/python/requirements-dev.txt" "$ATTAIN_VENV/.attain-requirements"
    fi
    export PYO3_PYTHON="$ATTAIN_VENV/bin/python"
}

build_python() {
    python_env
    (cd "$ROOT/python" && maturin develop --quiet)
}
