#!/usr/bin/env bash
# The real-browser acceptance test of the JupyterLab extension (tests/browser/browser_test.mjs):
# JupyterLab on 127.0.0.1 over a temp copy of notebooks/, Debian's chromium driven by playwright-core,
# screenshots in artifacts/screenshots/. The last line printed is "N passed, N failed".
#
# Installs chromium with apt if it is missing (as root; never downloads a browser otherwise) and
# builds the extension if it is not built yet. Skips (exit 0, with the reason) only when chromium
# cannot be installed.
#
# Usage: scripts/browser-test.sh      env: VENV (default .venv), CHROMIUM (default /usr/bin/chromium)
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
export PATH="$VENV/bin:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
timing() { echo "timing: $1 $(( SECONDS - $2 ))s"; }

if [ ! -x "$CHROMIUM" ]; then
  reason=""
  if [ "$(id -u)" != 0 ]; then
    reason="not root, so apt-get cannot install it"
  elif ! command -v apt-get >/dev/null; then
    reason="no apt-get on this machine"
  else
    echo "== apt-get install chromium"
    t=$SECONDS
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; then
      reason="apt-get install chromium failed"
    else
      reason="apt-get installed chromium, but not at $CHROMIUM"
    fi
    timing "apt-chromium" "$t"
  fi
  if [ ! -x "$CHROMIUM" ]; then
    echo "browser test SKIPPED: chromium is not at $CHROMIUM and cannot be installed (${reason:-unknown reason})."
    echo "0 passed, 0 failed (skipped: no chromium)"
    exit 0
  fi
fi
"$CHROMIUM" --version 2>/dev/null || true

command -v node >/dev/null || { echo "browser-test: error: node is not installed (needed to drive chromium)." >&2; echo "0 passed, 1 failed"; exit 1; }

if [ ! -f "$ROOT/src/nbpromote/labextension/static/style.js" ] \
   || [ ! -d "$ROOT/labextension/node_modules/playwright-core" ] \
   || ! jupyter labextension list 2>&1 | grep -qE "nbpromote v[0-9.]+.*enabled.*OK"; then
  echo "== the extension is not built/installed yet: scripts/build-labextension.sh --no-test"
  "$ROOT/scripts/build-labextension.sh" --no-test || { echo "0 passed, 1 failed"; exit 1; }
fi

echo "== browser test"
t=$SECONDS
JUPYTER="$VENV/bin/jupyter" CHROMIUM="$CHROMIUM" node "$ROOT/tests/browser/browser_test.mjs"
status=$?
timing "browser-test" "$t" >&2
exit $status
