"""The JupyterLab extension in a real headless Chromium (scripts/browser-test.sh → browser_test.mjs).

Skipped, with the reason, where node is absent (Python-only environments) or chromium cannot be
installed; everywhere else it must pass.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "browser-test.sh"


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_tag_lint_jump_and_export_from_jupyterlab_in_chromium():
    if shutil.which("node") is None:
        pytest.skip(
            "node is not installed: the browser test drives Chromium from Node (playwright-core)"
        )
    run = subprocess.run(
        ["bash", str(SCRIPT)], cwd=ROOT, capture_output=True, text=True, timeout=880
    )
    output = run.stdout + run.stderr
    counts = re.findall(r"^(\d+) passed, (\d+) failed(.*)$", run.stdout, flags=re.M)
    assert counts, f"no 'N passed, N failed' line:\n{output[-4000:]}"
    passed, failed, rest = int(counts[-1][0]), int(counts[-1][1]), counts[-1][2]
    if "skipped" in rest:
        reason = next(line for line in run.stdout.splitlines() if "SKIPPED" in line)
        pytest.skip(reason)
    assert run.returncode == 0 and failed == 0, output[-6000:]
    assert passed >= 30, output[-4000:]
    for shot in (
        "nbpromote-findings.png",
        "nbpromote-panel.png",
        "nbpromote-no-server-extension.png",
        "nbpromote-drift-widget.png",
        "nbpromote-panel-light.png",
        "nbpromote-panel-dark.png",
        "nbpromote-suggested-tags.png",
        "nbpromote-suggestions-reverted.png",
        "nbpromote-server-down.png",
    ):
        assert (ROOT / "artifacts" / "screenshots" / shot).stat().st_size > 10_000
