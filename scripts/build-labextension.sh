#!/usr/bin/env bash
# Build the nbpromote JupyterLab extension from source (labextension/) into
# src/nbpromote/labextension/ (what the wheel ships), run its TypeScript unit tests, and link it into
# the virtualenv so `jupyter labextension list` shows it enabled.
#
# Clean-machine safe: Node.js (>= 20.19) from the system, jlpm from the venv's JupyterLab, npm
# packages from the registry pinned by the committed yarn.lock (--immutable: CI never rewrites it),
# no browser download.
#
# Usage: scripts/build-labextension.sh [--no-test] [--no-develop]
#   VENV=path   the virtualenv to use (default: .venv at the repo root)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
export PATH="$VENV/bin:$PATH"
# playwright-core (for the browser test) must never fetch a browser; Debian's chromium is used.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

RUN_TESTS=1
DEVELOP=1
for arg in "$@"; do
  case "$arg" in
    --no-test) RUN_TESTS=0 ;;
    --no-develop) DEVELOP=0 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "build-labextension: unknown option $arg (use --no-test, --no-develop)" >&2; exit 2 ;;
  esac
done

die() { echo "build-labextension: error: $*" >&2; exit 1; }
step() { echo "== $*"; }
timing() { echo "timing: $1 $(( SECONDS - $2 ))s"; }

command -v node >/dev/null || die "node is not installed; install Node.js >= 20.19 (apt-get install -y nodejs, or nodesource)."
command -v jlpm >/dev/null || die "jlpm not found in $VENV/bin; install JupyterLab there: $VENV/bin/pip install 'jupyterlab>=4.2,<5'."
command -v jupyter-builder >/dev/null || die "jupyter-builder not found in $VENV/bin; $VENV/bin/pip install 'jupyter-builder>=1.3'."
echo "node $(node --version), jlpm $(jlpm --version), $(python --version 2>&1)"

cd "$ROOT/labextension"
step "jlpm install --immutable"
t=$SECONDS
jlpm install --immutable
timing "jlpm-install" "$t"

step "jlpm build:prod -> src/nbpromote/labextension"
t=$SECONDS
jlpm build:prod
timing "build" "$t"
[ -f "$ROOT/src/nbpromote/labextension/static/style.js" ] || die "the build produced no src/nbpromote/labextension/static/style.js"

if [ "$RUN_TESTS" = 1 ]; then
  step "TypeScript unit tests (jest)"
  t=$SECONDS
  jlpm test
  timing "ts-unit-tests" "$t"
fi

cd "$ROOT"
if [ "$DEVELOP" = 1 ]; then
  # An editable install copies the built extension only once; link it instead, so every rebuild is
  # what JupyterLab serves. A regular (wheel) install already carries it as shared data.
  location="$(python -c 'import nbpromote, pathlib; print(pathlib.Path(nbpromote.__file__).resolve().parent)' 2>/dev/null || true)"
  if [ "$location" = "$ROOT/src/nbpromote" ]; then
    step "link the extension into $VENV (jupyter-builder develop)"
    jupyter-builder develop --overwrite .
  else
    echo "nbpromote in $VENV is not the editable install of this checkout ($location); not linking."
  fi
  step "check: jupyter labextension list / jupyter server extension list"
  jupyter labextension list 2>&1 | grep -E "nbpromote v[0-9.]+.*enabled.*OK" \
    || die "nbpromote is not listed as enabled by 'jupyter labextension list'."
  jupyter server extension list 2>&1 | grep -E "nbpromote.*enabled" \
    || die "the nbpromote server extension is not enabled ('jupyter server extension list')."
fi
echo "build-labextension: ok"
