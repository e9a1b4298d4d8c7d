# Sourced by the set-up scripts: create .venv if missing and install the project into it.
# Usage: . scripts/_venv.sh [EXTRAS]   (EXTRAS like "test" or "test,dask")
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv with $($PY --version 2>&1)" >&2
  "$PY" -m venv .venv
fi
extras="${1:-}"
stamp=".venv/.installed${extras:+-$extras}"
# Reinstall when setup.cfg changes (cheap no-op otherwise).
if [ ! -f "$stamp" ] || [ setup.cfg -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip >&2
  .venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}" >&2
  touch "$stamp"
fi
# Bytecode for the project's modules: with PYTHONDONTWRITEBYTECODE set (as here) nothing
# writes it, and compiling phonon's ~40 modules from source costs every process 0.2 s.
.venv/bin/python -m compileall -q phonon workers >/dev/null || true
export PATH="$ROOT/.venv/bin:$PATH"
