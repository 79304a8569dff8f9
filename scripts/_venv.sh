# Shared by the quick-start scripts: make .venv/ at the repository root and install Helpline into it.
# Usage: source scripts/_venv.sh; ensure_venv ".[dev]"
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ensure_venv() {
    local target="$1"
    if [ ! -x .venv/bin/python ]; then
        echo "==> creating .venv/"
        python3 -m venv .venv
        .venv/bin/python -m pip install --quiet --upgrade pip
    fi
    if [ "${HELPLINE_SKIP_INSTALL:-0}" != "1" ]; then
        echo "==> installing $target into .venv/"
        .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$target"
    fi
}
